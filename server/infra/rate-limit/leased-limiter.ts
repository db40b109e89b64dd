// Rate limiting without a Redis round trip on most requests: an instance takes
// tokens from the shared bucket in small chunks (1 % of the budget, 1 to 100)
// and spends them locally for up to `holdMs`. The shared bucket is never
// overdrawn, so the limit still holds across instances; a lease left unspent
// when it expires is simply lost (a little early refusal, never an excess).
// Small budgets lease one token at a time, which is exactly the plain limiter.
// A refusal is remembered until its Retry-After, when a token can exist again.
// Requests that find the lease spent at the same moment share one refill.
import type { BucketSpec, Decision } from './token-bucket.ts'
import type { Cache } from '../cache/types.ts'

interface Lease { tokens: number; until: number; sharedRemaining: number; resetMs: number; deniedUntil?: number }

export class LeasedLimiter {
  private leases = new Map<string, Lease>()
  private refilling = new Map<string, Promise<void>>()

  constructor(private cache: Cache, private holdMs = 2000, private now: () => number = Date.now) {}

  static chunkFor(spec: BucketSpec) { return Math.max(1, Math.min(100, Math.floor(spec.capacity / 100))) }

  /**
   * The decision this instance can make alone (a token from its lease, or a
   * refusal it remembers), without a promise: most requests end here.
   * Undefined when the shared bucket must be asked (take()).
   */
  local(key: string): Decision | undefined {
    const now = this.now()
    const lease = this.leases.get(key)
    if (!lease) return undefined
    // A refusal holds until the shared bucket can have a token again: asking sooner cannot succeed.
    if (lease.deniedUntil && lease.deniedUntil > now) {
      return { allowed: false, remaining: 0, retryAfterMs: lease.deniedUntil - now, resetMs: lease.resetMs }
    }
    if (lease.tokens > 0 && lease.until > now) {
      lease.tokens--
      return { allowed: true, remaining: lease.sharedRemaining + lease.tokens, retryAfterMs: 0, resetMs: lease.resetMs }
    }
    return undefined
  }

  async take(key: string, spec: BucketSpec): Promise<Decision> {
    // One refill per key at a time. Concurrent requests that found the lease spent wait
    // for it and spend from it: each taking its own chunk, all but the last lease were
    // dropped unspent, and under 32 concurrent clients a key got about 13 % of its limit.
    for (;;) {
      const known = this.local(key)
      if (known) return known
      const inflight = this.refilling.get(key)
      if (!inflight) break
      await inflight
    }
    const refill = this.refill(key, spec)
    const settled = refill.then(() => {}, () => {})
    this.refilling.set(key, settled)
    try {
      return await refill
    } finally {
      if (this.refilling.get(key) === settled) this.refilling.delete(key)
    }
  }

  private async refill(key: string, spec: BucketSpec): Promise<Decision> {
    const now = this.now()
    const chunk = LeasedLimiter.chunkFor(spec)
    let d = await this.cache.take(key, spec, chunk)
    let got = chunk
    if (!d.allowed && chunk > 1) { d = await this.cache.take(key, spec, 1); got = 1 }
    if (!d.allowed) {
      this.leases.set(key, { tokens: 0, until: now, sharedRemaining: 0, resetMs: d.resetMs, deniedUntil: now + d.retryAfterMs })
      return d
    }
    if (this.leases.size > 100_000) this.leases.clear()
    this.leases.set(key, { tokens: got - 1, until: now + this.holdMs, sharedRemaining: d.remaining, resetMs: d.resetMs })
    return { ...d, remaining: d.remaining + got - 1 }
  }
}
