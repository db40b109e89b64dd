import { describe, expect, test } from 'bun:test'
import { quietLog, REAL_BACKENDS, REDIS_URL, RUN_ID } from '../../test/backends.ts'
import { cacheState, openCache } from './index.ts'
import { MemoryCache } from './memory.ts'
import { RedisCache } from './redis.ts'
import { perMinute, takeTokens, type BucketState } from '../rate-limit/token-bucket.ts'
import { waitFor } from '../../test/wait-for.ts'

describe('token bucket (pure)', () => {
  test('a full minute of budget, then refill at limit/60 per second', () => {
    const spec = perMinute(60)
    let s: BucketState | undefined
    for (let i = 0; i < 60; i++) {
      const r = takeTokens(s, 0, spec)
      expect(r.decision.allowed).toBe(true)
      s = r.state
    }
    const denied = takeTokens(s, 0, spec)
    expect(denied.decision).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000 })
    expect(takeTokens(s, 999, spec).decision.allowed).toBe(false)
    expect(takeTokens(s, 1000, spec).decision.allowed).toBe(true)
    expect(denied.decision.resetMs).toBe(60_000)
  })

  test('sustained rate converges to the limit; a 10 s burst at 2x passes after a quiet spell (PRD §11)', () => {
    const spec = perMinute(600) // 10/s
    let s: BucketState | undefined
    let allowed = 0
    for (let ms = 0; ms < 600_000; ms += 50) { // 20/s for 10 minutes
      const r = takeTokens(s, ms, spec)
      s = r.state
      if (r.decision.allowed) allowed++
    }
    expect(allowed).toBeGreaterThan(6000)
    expect(allowed).toBeLessThanOrEqual(6000 + 600)
    s = undefined
    let burst = 0
    for (let ms = 0; ms < 10_000; ms += 50) { const r = takeTokens(s, ms, spec); s = r.state; if (r.decision.allowed) burst++ }
    expect(burst).toBe(200) // 2x for 10 s, nothing refused
  })

  test('cost 0 only reads', () => {
    const spec = perMinute(1)
    const first = takeTokens(undefined, 0, spec)
    expect(takeTokens(first.state, 0, spec, 0).decision.remaining).toBe(0)
  })
})

describe('caches', () => {
  const makers = {
    memory: async () => new MemoryCache(),
    redis: async () => { const c = new RedisCache(REDIS_URL, quietLog, `test:${RUN_ID}:cache:`); await c.ready(); return c },
  }
  // Without the real backends (TEST_BACKENDS=pglite) only the in-process cache runs here.
  const made = Object.entries(makers).filter(([name]) => REAL_BACKENDS || name !== 'redis')

  /**
   * The cache, and how a key's TTL runs out: the in-process cache on a clock the test moves;
   * Redis on its own clock, so there the test waits until the key is gone.
   */
  const withExpiry = {
    memory: async () => {
      let now = 1_000_000
      const cache = new MemoryCache(() => now)
      const expire = async (key: string, ttlMs: number) => {
        now += ttlMs - 1
        expect(await cache.get(key)).not.toBeNull() // kept until the last millisecond
        now += 1
        expect(await cache.get(key)).toBeNull()
      }
      return { cache, expire }
    },
    redis: async () => {
      const cache = await makers.redis()
      return { cache, expire: async (key: string) => { await waitFor(`${key} to expire in Redis`, async () => (await cache.get(key)) === null) } }
    },
  }
  for (const [name] of made) {
    test(`${name}: get/set/del with TTL, rate limit, publish/subscribe`, async () => {
      const { cache: c, expire } = await withExpiry[name as keyof typeof withExpiry]()
      await c.set('a', '1', 60_000)
      await c.set('short', '1', 30)
      expect(await c.get('a')).toBe('1')
      await expire('short', 30)
      expect(await c.get('a')).toBe('1') // the longer TTL still runs
      await c.del(['a'])
      expect(await c.get('a')).toBeNull()
      await c.setMany([['m1', 'x'], ['m2', 'y']], 60_000)
      await c.setMany([['m3', 'z']], 30)
      expect([await c.get('m1'), await c.get('m2')]).toEqual(['x', 'y'])
      await expire('m3', 30)
      expect(await c.get('m1')).toBe('x')
      await c.setMany([], 1000)
      const spec = perMinute(2)
      const k = `lim-${Math.random()}`
      expect((await c.take(k, spec)).allowed).toBe(true)
      expect((await c.take(k, spec)).remaining).toBe(0)
      const d = await c.take(k, spec)
      expect(d.allowed).toBe(false)
      expect(d.retryAfterMs).toBeGreaterThan(20_000)
      const got: string[] = []
      c.subscribe('ch', (m) => got.push(m))
      // Redis subscribes in the background: a message sent before that is lost, so send until one arrives.
      await waitFor('the message', async () => { await c.publish('ch', 'hello'); return got.length > 0 }, { everyMs: 20 })
      expect(got[0]).toBe('hello')
      await c.close()
    })
  }

  for (const [name, make] of made) {
    test(`${name}: a negative cost gives a reserved token back, never past a full bucket (issue 17: login reservations)`, async () => {
      const c = await make()
      const spec = perMinute(2)
      const k = `refund-${Math.random()}`
      expect((await c.take(k, spec)).allowed).toBe(true)
      expect((await c.take(k, spec)).allowed).toBe(true)
      expect((await c.take(k, spec)).allowed).toBe(false)
      await c.take(k, spec, -1)
      expect((await c.take(k, spec)).allowed).toBe(true)
      const fresh = `refund-full-${Math.random()}`
      for (let i = 0; i < 5; i++) await c.take(fresh, spec, -1)
      expect((await c.take(fresh, spec, 0)).remaining).toBe(2)
      await c.close()
    })
  }

  test.skipIf(!REAL_BACKENDS)('redis: two instances share one budget (NFR-011, distributed)', async () => {
    const a = await makers.redis(), b = await makers.redis()
    const k = `shared-${Math.random()}`
    expect((await a.take(k, perMinute(2))).allowed).toBe(true)
    expect((await b.take(k, perMinute(2))).allowed).toBe(true)
    expect((await a.take(k, perMinute(2))).allowed).toBe(false)
    await a.close(); await b.close()
  })

  test.skipIf(!REAL_BACKENDS)('redis: broadcasts still arrive after the subscriber connection drops and reconnects', async () => {
    const a = await makers.redis(), b = await makers.redis()
    const got: string[] = []
    b.subscribe('again', (m) => got.push(m))
    const sub = (b as unknown as { sub: { disconnect(reconnect: boolean): void; status: string } }).sub
    await waitFor('the subscriber connection', () => sub.status === 'ready')
    sub.disconnect(true) // drop the connection; ioredis reconnects
    await waitFor('the subscriber reconnected', () => sub.status === 'ready')
    await waitFor('the broadcast', async () => { await a.publish('again', 'hello'); return got.length > 0 }, { everyMs: 20 })
    expect(got[0]).toBe('hello')
    await a.close(); await b.close()
  })

  test('redis unreachable: serves from the in-process fallback instead of failing', async () => {
    const c = new RedisCache('redis://127.0.0.1:1', quietLog, 'x:')
    expect(c.healthy()).toBe(false)
    expect((await c.take('k', perMinute(1))).allowed).toBe(true)
    expect((await c.take('k', perMinute(1))).allowed).toBe(false)
    await c.set('v', '1', 1000)
    expect(await c.get('v')).toBe('1')
    await c.setMany([['w', '2']], 1000)
    expect(await c.get('w')).toBe('2')
    await c.close()
  })

  test.skipIf(!REAL_BACKENDS)('Redis down at start-up: the instance starts degraded on the fallbacks and joins Redis when it answers', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const url = `redis://127.0.0.1:${port}`
    const c = await openCache({ redisUrl: url, log: quietLog, prefix: `test:${RUN_ID}:late:` })
    expect(c.kind).toBe('redis')
    expect(cacheState(c)).toBe('degraded')
    expect((await c.take('k', perMinute(1))).allowed).toBe(true) // served locally meanwhile
    const got: string[] = []
    c.subscribe('late', (m) => got.push(m)) // subscribed while Redis is down
    const server = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'ignore' })
    try {
      await waitFor('the cache joining Redis', () => cacheState(c) === 'redis')
      expect(cacheState(c)).toBe('redis')
      const other = new RedisCache(url, quietLog, `test:${RUN_ID}:late:`)
      await other.ready()
      await waitFor('the broadcast', async () => { await other.publish('late', 'joined'); return got.length > 0 }, { everyMs: 20 })
      expect(got[0]).toBe('joined') // heard through Redis: the subscription was made on connect
      await c.set('shared', '1', 60_000)
      expect(await other.get('shared')).toBe('1')
      await other.close()
      server.kill('SIGKILL')
      await server.exited
      await waitFor('the cache degrading', () => cacheState(c) === 'degraded')
      expect(cacheState(c)).toBe('degraded') // truthful while Redis is gone again
    } finally {
      server.kill('SIGKILL')
      await c.close()
    }
  })

  test('cache state: memory without Redis', () => {
    expect(cacheState(new MemoryCache())).toBe('memory')
  })
})
