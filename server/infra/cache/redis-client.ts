// The one place a Redis connection is made: a single server (`redis://`, `rediss://`) or a
// Redis Cluster (`redis+cluster://host:port,host:port`, `rediss+cluster://` for TLS), through
// ioredis's `Cluster`. Callers get `Redis | Cluster`; both speak the same commands, and every
// key carries a hash tag (keys.ts) so that what one script or pipeline touches is one slot.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { parseRedisTarget } from './redis-url.ts'

export type RedisClient = Redis | Cluster

export interface ConnectOptions {
  /** Queue commands while (re)connecting; off for the request path (fail fast, fall back). */
  offlineQueue: boolean
  /** Retries per command after a connection error (null: never give up, for the subscriber). */
  maxRetriesPerRequest: number | null
  autoPipelining?: boolean
  connectTimeoutMs?: number
}

/** A connection to a single Redis or a Redis Cluster, as the URL says. */
export function connectRedis(url: string, o: ConnectOptions): RedisClient {
  const target = parseRedisTarget(url)
  const base: RedisOptions = {
    maxRetriesPerRequest: o.maxRetriesPerRequest, connectTimeout: o.connectTimeoutMs ?? 2000,
    enableAutoPipelining: o.autoPipelining ?? false,
  }
  if (!target.cluster) {
    return new Redis(target.url, { ...base, enableOfflineQueue: o.offlineQueue, lazyConnect: false, retryStrategy: (n: number) => Math.min(n * 200, 2000) })
  }
  const options: ClusterOptions = {
    enableOfflineQueue: o.offlineQueue,
    enableAutoPipelining: o.autoPipelining ?? false,
    clusterRetryStrategy: (n: number) => Math.min(n * 200, 2000),
    // A command meeting a dead master or CLUSTERDOWN is retried a few times, briefly, then fails
    // to the caller's in-process fallback: a request never waits out a failover.
    maxRedirections: 3,
    retryDelayOnFailover: 50,
    retryDelayOnClusterDown: 50,
    retryDelayOnTryAgain: 50,
    slotsRefreshTimeout: 1000,
    slotsRefreshInterval: 2000,
    redisOptions: {
      ...base, username: target.username, password: target.password,
      ...(target.tls ? { tls: {} } : {}),
    },
  }
  return new Cluster(target.nodes, options)
}

/**
 * Every master of a cluster (the server itself otherwise): for what must visit each shard, such
 * as a SCAN of a test's keys.
 */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client]
}
