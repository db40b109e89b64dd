import { describe, expect, test } from 'bun:test'
import { LeasedLimiter } from './leased-limiter.ts'
import { MemoryCache } from '../cache/memory.ts'
import { perMinute } from './token-bucket.ts'

describe('leased rate limiting', () => {
  /** A shared store that counts the takes asked of it. */
  const counted = () => {
    const shared = new MemoryCache()
    const calls = { n: 0 }
    const counting = Object.assign(Object.create(shared), { take: (...a: Parameters<MemoryCache['take']>) => { calls.n++; return shared.take(...a) } })
    return { shared, calls, limiter: new LeasedLimiter(counting) }
  }

  test('large budgets take tokens in chunks: far fewer shared-store calls, same limit', async () => {
    const { shared, calls, limiter } = counted()
    let allowed = 0
    for (let i = 0; i < 1200; i++) if ((await limiter.take('k', perMinute(1000))).allowed) allowed++
    expect(allowed).toBe(1000)
    expect(calls.n).toBeLessThan(110) // 100 chunks of 10; refusals are remembered until a token can exist again
    await shared.close()
  })

  test('concurrent requests on a spent lease share one refill: a key gets its whole limit, not a fraction', async () => {
    const { shared, calls, limiter } = counted()
    // 32 clients at once, as under load: each lease refill used to be taken by every waiting
    // request, and all but the last lease were dropped (31 chunks of 10 lost per refill).
    let allowed = 0
    for (let wave = 0; wave < 40; wave++) {
      const decisions = await Promise.all(Array.from({ length: 32 }, () => limiter.take('k', perMinute(1000))))
      allowed += decisions.filter((d) => d.allowed).length
    }
    expect(allowed).toBe(1000)
    expect(calls.n).toBeLessThan(200)
    await shared.close()
  })

  test('two instances leasing from one bucket never exceed the shared limit', async () => {
    // A frozen clock: the bucket cannot refill and no lease expires, so the count is exact.
    const frozen = () => 0
    const shared = new MemoryCache(frozen)
    const a = new LeasedLimiter(shared, 2000, frozen), b = new LeasedLimiter(shared, 2000, frozen)
    let allowed = 0
    for (let i = 0; i < 800; i++) for (const l of [a, b]) if ((await l.take('k', perMinute(1000))).allowed) allowed++
    expect(allowed).toBe(1000)
    await shared.close()
  })

  test('small budgets lease one token at a time (exact)', async () => {
    const shared = new MemoryCache()
    const l = new LeasedLimiter(shared)
    const seen = []
    for (let i = 0; i < 4; i++) seen.push((await l.take('k', perMinute(3))).allowed)
    expect(seen).toEqual([true, true, true, false])
    await shared.close()
  })

  test('an unspent lease expires', async () => {
    const shared = new MemoryCache()
    let now = 0
    const l = new LeasedLimiter(shared, 2000, () => now)
    expect((await l.take('k', perMinute(6000))).remaining).toBe(5999)
    now = 2500
    // The lease of 60 (59 left) is gone; a new chunk comes from the shared bucket.
    expect((await l.take('k', perMinute(6000))).allowed).toBe(true)
    await shared.close()
  })

  test('local() answers from the lease without a promise, and defers to take() when the lease is spent or expired', async () => {
    const shared = new MemoryCache()
    let now = 0
    const l = new LeasedLimiter(shared, 2000, () => now)
    expect(l.local('k')).toBeUndefined() // nothing leased yet
    await l.take('k', perMinute(300)) // a chunk of 3: one spent, two held
    expect(l.local('k')).toMatchObject({ allowed: true })
    expect(l.local('k')).toMatchObject({ allowed: true })
    expect(l.local('k')).toBeUndefined() // spent
    await l.take('k', perMinute(300))
    now = 2500
    expect(l.local('k')).toBeUndefined() // expired
    // A refusal is remembered locally until a token can exist again.
    const small = new LeasedLimiter(shared, 2000, () => now)
    await small.take('s', perMinute(1))
    expect((await small.take('s', perMinute(1))).allowed).toBe(false)
    expect(small.local('s')).toMatchObject({ allowed: false })
    await shared.close()
  })
})
