import type { Logger } from '../../logger.ts'
import { MemoryCache } from './memory.ts'
import { RedisCache } from './redis.ts'
import type { Cache } from './types.ts'

export type { Cache } from './types.ts'

/** What /health says about the shared cache: none configured, answering, or configured but not answering. */
export type CacheState = 'memory' | 'redis' | 'degraded'

/** Asked on every call, so it turns to `degraded` the moment Redis stops answering and back when it returns. */
export const cacheState = (cache: Pick<Cache, 'kind' | 'healthy'>): CacheState =>
  cache.kind === 'memory' ? 'memory' : cache.healthy() ? 'redis' : 'degraded'

/**
 * Redis when a URL is given, in-process otherwise. Waits for Redis's first
 * connection, but a Redis that does not answer at start-up does not stop the
 * instance: it serves on the in-process fallbacks (as it does when Redis goes
 * away later) and joins Redis when it answers (ioredis keeps reconnecting; the
 * subscriber re-subscribes every channel then).
 */
export async function openCache(opts: { redisUrl?: string; prefix?: string; log: Logger; readyTimeoutMs?: number }): Promise<Cache> {
  if (!opts.redisUrl) return new MemoryCache()
  const cache = new RedisCache(opts.redisUrl, opts.log, opts.prefix)
  try {
    await cache.ready(opts.readyTimeoutMs)
  } catch (error) {
    opts.log.warn('Redis unreachable at start-up: serving on the in-process cache and rate limiter; joining Redis when it answers', { error: (error as Error).message })
  }
  return cache
}
