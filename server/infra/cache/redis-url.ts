// Redis URLs, parsed without loading a client (config.ts validates them at boot):
// `redis://`/`rediss://` name one server, `redis+cluster://[user:pass@]host:port,host:port`
// (`rediss+cluster://` for TLS) the seed nodes of a Redis Cluster.

export type RedisTarget =
  | { cluster: false; url: string }
  | { cluster: true; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean }

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/?$/

/** Whether a URL names a cluster (`redis+cluster://…`). */
export const isClusterUrl = (url: string) => /^rediss?\+cluster:\/\//.test(url)

/** A cluster URL from REDIS_CLUSTER_NODES (`host:port,…`), keeping REDIS_URL's credentials and TLS when given. */
export function clusterUrlFromNodes(nodes: string, redisUrl?: string): string {
  let scheme = 'redis', auth = ''
  if (redisUrl && !isClusterUrl(redisUrl)) {
    const u = new URL(redisUrl)
    scheme = u.protocol === 'rediss:' ? 'rediss' : 'redis'
    if (u.username || u.password) auth = `${u.username}${u.password ? ':' + u.password : ''}@`
  }
  return `${scheme}+cluster://${auth}${nodes.split(',').map((n) => n.trim()).filter(Boolean).join(',')}`
}

/** Parses a Redis URL; throws on a cluster URL without a valid `host:port` list. */
export function parseRedisTarget(url: string): RedisTarget {
  if (!isClusterUrl(url)) return { cluster: false, url }
  const m = CLUSTER_URL.exec(url)
  if (!m) throw new Error(`not a cluster URL (redis+cluster://host:port,host:port): ${url}`)
  const nodes = m[4]!.split(',').map((hp) => {
    const at = hp.lastIndexOf(':')
    const host = hp.slice(0, at).replace(/^\[|\]$/g, ''), port = Number(hp.slice(at + 1))
    if (at <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`a cluster node must be host:port, got "${hp}"`)
    return { host, port }
  })
  return {
    cluster: true, nodes, tls: m[1] === 'rediss',
    username: m[2] ? decodeURIComponent(m[2]) : undefined, password: m[3] ? decodeURIComponent(m[3]) : undefined,
  }
}
