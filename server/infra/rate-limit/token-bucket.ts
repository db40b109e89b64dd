// Token-bucket rate limiting, pure. The in-process limiter runs this directly;
// the Redis limiter runs the same arithmetic in a Lua script (redis.ts), and a
// test pins that both decide alike.
//
// Policy (NFR-011, PRD §11): a key may spend `limit` requests per minute. The
// bucket holds a full minute's budget and refills at limit/60 per second, so a
// quiet client can burst well past 2x the sustained rate for 10 s, and over any
// longer span the rate converges to `limit` per minute.

export interface BucketState { tokens: number; updatedMs: number }
export interface Decision {
  allowed: boolean
  /** Whole requests left right now. */
  remaining: number
  /** When denied: how long until `cost` tokens are back. */
  retryAfterMs: number
  /** How long until the bucket is full again. */
  resetMs: number
}

export interface BucketSpec { capacity: number; refillPerMs: number }

export const perMinute = (limit: number): BucketSpec => ({ capacity: limit, refillPerMs: limit / 60_000 })

export function takeTokens(state: BucketState | undefined, nowMs: number, spec: BucketSpec, cost = 1): { decision: Decision; state: BucketState } {
  const elapsed = state ? Math.max(0, nowMs - state.updatedMs) : 0
  const before = state ? Math.min(spec.capacity, state.tokens + elapsed * spec.refillPerMs) : spec.capacity
  const allowed = before >= cost
  // A negative cost gives tokens back (a reservation refunded), never past a full bucket.
  const tokens = allowed ? Math.min(spec.capacity, before - cost) : before
  return { decision: decisionFor(tokens, allowed, spec, cost), state: { tokens, updatedMs: nowMs } }
}

export function decisionFor(tokens: number, allowed: boolean, spec: BucketSpec, cost: number): Decision {
  return {
    allowed,
    remaining: Math.max(0, Math.floor(tokens)),
    retryAfterMs: allowed ? 0 : Math.ceil((cost - tokens) / spec.refillPerMs),
    resetMs: Math.ceil((spec.capacity - tokens) / spec.refillPerMs),
  }
}
