import type { BucketSpec, Decision } from '../rate-limit/token-bucket.ts'
import type { LiveCounterStore } from '../live-counters/types.ts'

/**
 * The shared-state port: a TTL key/value cache, an atomic rate limiter, a
 * broadcast channel and the live counters. Redis backs it when REDIS_URL is set (shared by every
 * instance); an in-process equivalent otherwise.
 */
export interface Cache {
  readonly kind: 'memory' | 'redis'
  /** Per-tenant event counts by hour, kept at ingestion (trending, popularity, bought together). */
  readonly live: LiveCounterStore
  get(key: string): Promise<string | null>
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** Many sets with one TTL, sent as one batch (one round trip on Redis). */
  setMany(entries: readonly (readonly [key: string, value: string])[], ttlMs: number): Promise<void>
  del(keys: string[]): Promise<void>
  /** Spends `cost` tokens from the bucket at `key`, atomically (cost 0 only reads it; a negative cost gives tokens back). */
  take(key: string, spec: BucketSpec, cost?: number): Promise<Decision>
  /** Broadcasts to every instance's subscribers (including this one). */
  publish(channel: string, message: string): Promise<void>
  subscribe(channel: string, handler: (message: string) => void): void
  /** True while the backing store answers (always true in memory). */
  healthy(): boolean
  close(): Promise<void>
}
