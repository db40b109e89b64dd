import { takeTokens, type BucketSpec, type BucketState } from '../rate-limit/token-bucket.ts'
import type { Cache } from './types.ts'
import { MemoryLiveCounters } from '../live-counters/memory.ts'

/** In-process cache and limiter: the embedded default, and Redis's fallback. */
export class MemoryCache implements Cache {
  readonly kind = 'memory' as const
  private values = new Map<string, { value: string; expiresAt: number }>()
  private buckets = new Map<string, BucketState>()
  private handlers = new Map<string, Set<(m: string) => void>>()
  private sweeper: ReturnType<typeof setInterval>
  readonly live: MemoryLiveCounters

  constructor(private now: () => number = Date.now, private maxEntries = 100_000) {
    this.live = new MemoryLiveCounters(now)
    this.sweeper = setInterval(() => this.sweep(), 30_000)
    ;(this.sweeper as { unref?: () => void }).unref?.()
  }

  async get(key: string) {
    const hit = this.values.get(key)
    if (!hit) return null
    if (hit.expiresAt <= this.now()) { this.values.delete(key); return null }
    return hit.value
  }

  async set(key: string, value: string, ttlMs: number) {
    if (this.values.size >= this.maxEntries) this.sweep(true)
    this.values.set(key, { value, expiresAt: this.now() + ttlMs })
  }

  async setMany(entries: readonly (readonly [string, string])[], ttlMs: number) {
    for (const [key, value] of entries) await this.set(key, value, ttlMs)
  }

  async del(keys: string[]) { for (const k of keys) this.values.delete(k) }

  async take(key: string, spec: BucketSpec, cost = 1) {
    const { decision, state } = takeTokens(this.buckets.get(key), this.now(), spec, cost)
    if (cost !== 0) this.buckets.set(key, state)
    return decision
  }

  async publish(channel: string, message: string) {
    for (const h of this.handlers.get(channel) ?? []) h(message)
  }

  subscribe(channel: string, handler: (m: string) => void) {
    const set = this.handlers.get(channel) ?? new Set()
    set.add(handler)
    this.handlers.set(channel, set)
  }

  healthy() { return true }

  async close() { clearInterval(this.sweeper) }

  private sweep(evictOldest = false) {
    const now = this.now()
    for (const [k, v] of this.values) if (v.expiresAt <= now) this.values.delete(k)
    // Still full: drop the oldest insertions (Map keeps insertion order).
    if (evictOldest && this.values.size >= this.maxEntries) {
      let n = Math.ceil(this.maxEntries / 10)
      for (const k of this.values.keys()) { if (n-- <= 0) break; this.values.delete(k) }
    }
    // Full buckets carry no information; forget them.
    for (const [k, s] of this.buckets) if (now - s.updatedMs > 120_000) this.buckets.delete(k)
  }
}
