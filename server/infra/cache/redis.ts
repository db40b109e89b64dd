// Redis-backed cache, limiter and broadcast, shared by every instance. When
// Redis stops answering, each operation falls back to an in-process
// MemoryCache (cache misses, local limits) and the outage is logged once;
// ioredis reconnects by itself, and shared state resumes without a restart.
import { connectRedis, type RedisClient } from './redis-client.ts'
import { bySlotTag } from './keys.ts'
import type { Logger } from '../../logger.ts'
import { MemoryCache } from './memory.ts'
import { decisionFor, type BucketSpec } from '../rate-limit/token-bucket.ts'
import type { Cache } from './types.ts'
import { RedisLiveCounters } from '../live-counters/redis.ts'

// The Lua twin of takeTokens(): same arithmetic, on Redis's clock so that all
// instances agree on time.
const TAKE = `
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(s[1])
local updated = tonumber(s[2])
if tokens == nil then tokens = capacity; updated = now end
tokens = math.min(capacity, tokens + math.max(0, now - updated) * refill)
local allowed = 0
if tokens >= cost then
  tokens = math.min(capacity, tokens - cost)
  allowed = 1
end
if cost ~= 0 then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / refill) + 1000)
end
return { allowed, tostring(tokens) }
`

export class RedisCache implements Cache {
  readonly kind = 'redis' as const
  private client: RedisClient
  private sub: RedisClient
  private local = new MemoryCache()
  private up = true
  private handlers = new Map<string, Set<(m: string) => void>>()
  readonly live: RedisLiveCounters

  /** `url`: `redis://`, `rediss://`, or a cluster's `redis+cluster://host:port,…` (redis-client.ts). */
  constructor(url: string, private log: Logger, private prefix = 're:') {
    // Auto-pipelining: commands issued in the same tick share one write (one
    // syscall), which under load is most of what a cache round trip costs.
    this.client = connectRedis(url, { offlineQueue: false, maxRetriesPerRequest: 1, autoPipelining: true })
    // The subscriber never gives up a command, and re-subscribes every channel each time it is
    // (re)connected: a SUBSCRIBE lost while connecting would otherwise leave this instance deaf to
    // broadcasts for good. SUBSCRIBE is idempotent, so repeating it is harmless. On a cluster,
    // classic PUBLISH reaches every node, so one subscriber connection to any node hears it all.
    this.sub = connectRedis(url, { offlineQueue: true, maxRetriesPerRequest: null })
    this.sub.on('ready', () => {
      const channels = [...this.handlers.keys()].map((c) => this.prefix + c)
      if (channels.length) void this.sub.subscribe(...channels).catch(() => {})
    })
    this.client.defineCommand('takeTokens', { numberOfKeys: 1, lua: TAKE })
    this.live = new RedisLiveCounters(this.client, prefix, () => this.healthy())
    this.client.on('error', () => this.markDown())
    this.client.on('ready', () => this.markUp())
    this.sub.on('error', () => {})
    this.sub.on('message', (channel: string, message: string) => {
      for (const h of this.handlers.get(channel.slice(this.prefix.length)) ?? []) h(message)
    })
  }

  /**
   * Resolves once both connections are ready: the subscriber too, so that
   * broadcasts sent right after start-up (a profile change, a revoked key) are
   * not missed while it is still connecting. Rejects at the first connection
   * error or after `timeoutMs`; the connections keep retrying either way.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    await Promise.all([this.client, this.sub].map((c) => c.status === 'ready' ? undefined : new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(t); c.off('ready', onReady); c.off('error', onError)
        if (error) reject(error); else resolve()
      }
      const onReady = () => done()
      const onError = (e: Error) => done(new Error(`Redis did not answer: ${e.message || (e as { code?: string }).code || 'connection failed'}`))
      const t = setTimeout(() => done(new Error(`Redis did not answer within ${timeoutMs / 1000} s`)), timeoutMs)
      c.once('ready', onReady)
      c.once('error', onError)
    })))
  }

  healthy() { return this.up && this.client.status === 'ready' }

  // On a cluster with one master gone, operations fail for its tenants and succeed for the others,
  // so the state flips with every request: the transitions are logged at most every 10 s.
  private loggedAt = { down: -Infinity, up: -Infinity }

  private markDown() {
    if (this.up && performance.now() - this.loggedAt.down > 10_000) {
      this.loggedAt.down = performance.now()
      this.log.warn('Redis unreachable: using the in-process cache and rate limiter until it is back')
    }
    this.up = false
  }

  private markUp() {
    if (!this.up && performance.now() - this.loggedAt.up > 10_000) {
      this.loggedAt.up = performance.now()
      this.log.info('Redis reachable again: shared cache and rate limits resumed')
    }
    this.up = true
  }

  private async attempt<T>(op: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') { this.markDown(); return fallback() }
    try {
      const v = await op()
      this.markUp()
      return v
    } catch {
      this.markDown()
      return fallback()
    }
  }

  get(key: string) { return this.attempt(() => this.client.get(this.prefix + key), () => this.local.get(key)) }

  set(key: string, value: string, ttlMs: number) {
    return this.attempt(async () => { await this.client.set(this.prefix + key, value, 'PX', ttlMs) }, () => this.local.set(key, value, ttlMs))
  }

  setMany(entries: readonly (readonly [string, string])[], ttlMs: number) {
    if (!entries.length) return Promise.resolve()
    // One pipeline per slot tag: a cluster refuses a pipeline whose keys live on different nodes.
    return this.attempt(async () => {
      await Promise.all(bySlotTag(entries, ([key]) => key).map(async (group) => {
        const batch = this.client.pipeline()
        for (const [key, value] of group) batch.set(this.prefix + key, value, 'PX', ttlMs)
        const results = await batch.exec()
        const failed = results?.find(([error]) => error)
        if (failed) throw failed[0]
      }))
    }, () => this.local.setMany(entries, ttlMs))
  }

  del(keys: string[]) {
    if (!keys.length) return Promise.resolve()
    // One DEL per slot tag: a multi-key DEL across slots is CROSSSLOT on a cluster.
    return this.attempt(async () => {
      await Promise.all(bySlotTag(keys, (k) => k).map((group) => this.client.del(...group.map((k) => this.prefix + k))))
      await this.local.del(keys)
    }, () => this.local.del(keys))
  }

  take(key: string, spec: BucketSpec, cost = 1) {
    return this.attempt(async () => {
      const [allowed, tokens] = await (this.client as unknown as { takeTokens: (...a: unknown[]) => Promise<[number, string]> })
        .takeTokens(this.prefix + 'rl:' + key, spec.capacity, spec.refillPerMs, cost)
      return decisionFor(Number(tokens), allowed === 1, spec, cost)
    }, () => this.local.take(key, spec, cost))
  }

  async publish(channel: string, message: string) {
    // Every subscribed instance, this one included, hears it through Redis;
    // while Redis is down only this instance hears it.
    await this.attempt(async () => { await this.client.publish(this.prefix + channel, message) }, async () => {
      for (const h of this.handlers.get(channel) ?? []) h(message)
    })
  }

  subscribe(channel: string, handler: (m: string) => void) {
    const set = this.handlers.get(channel) ?? new Set()
    if (!set.size) void this.sub.subscribe(this.prefix + channel).catch(() => {})
    set.add(handler)
    this.handlers.set(channel, set)
  }

  async close() {
    await this.local.close()
    this.sub.disconnect()
    try { await this.client.quit() } catch { this.client.disconnect() }
  }
}
