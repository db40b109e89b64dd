import type { Logger } from '../logger.ts'
import { MemoryCache } from './memory.ts'
import { RedisCache } from './redis.ts'
import type { Cache } from './types.ts'

export type { Cache } from './types.ts'

/** Redis when a URL is given (waits for the first connection), in-process otherwise. */
export async function openCache(opts: { redisUrl?: string; prefix?: string; log: Logger }): Promise<Cache> {
  if (!opts.redisUrl) return new MemoryCache()
  const cache = new RedisCache(opts.redisUrl, opts.log, opts.prefix)
  await cache.ready()
  return cache
}
