// The live counter stores, in-process and in Redis, held to the same behaviour.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Redis } from 'ioredis'
import { connectRedis } from '../cache/redis-client.ts'
import { MemoryLiveCounters } from './memory.ts'
import { RedisLiveCounters } from './redis.ts'
import { HOUR_MS, MAX_BASKET_ITEMS, type LiveCounterStore } from './types.ts'
import { REAL_BACKENDS, REDIS_URL, RUN_ID } from '../../test/backends.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

const VIEW = EVENT_TYPES.indexOf('product_viewed')
const PURCHASE = EVENT_TYPES.indexOf('purchase')
const NOW = 1_800_000_000_000
const HOUR = Math.floor(NOW / HOUR_MS)
let seq = 0
const tenant = () => `t-${RUN_ID}-${++seq}`

const stores: [string, () => LiveCounterStore][] = [['memory', () => new MemoryLiveCounters(() => NOW)]]
if (REAL_BACKENDS) {
  const client = connectRedis(REDIS_URL, { maxRetriesPerRequest: 1, offlineQueue: true }) // a cluster when TEST_REDIS_URL names one
  beforeAll(() => new Promise<void>((resolve) => client.status === 'ready' ? resolve() : client.once('ready', () => resolve())))
  afterAll(() => client.quit())
  // Not ready means the in-process fallback: these tests must reach Redis itself.
  const ready = () => { if (client.status !== 'ready') throw new Error('Redis is not ready'); return true }
  stores.push(['redis', () => new RedisLiveCounters(client, `test:${RUN_ID}:`, ready, () => NOW)])
}

for (const [name, make] of stores) {
  describe(`live counters [${name}]`, () => {
    test('one basket filled by concurrent calls from two instances: every pair counted once', async () => {
      const one = make(), two = name === 'memory' ? one : make() // two Redis stores share Redis; in memory one store is the instance
      const t = tenant()
      const items = Array.from({ length: 8 }, (_, i) => `i${i}`)
      await Promise.all(items.map((p, i) => (i % 2 ? two : one).record(t, [{ productId: p, type: PURCHASE, hour: HOUR, basket: 'o:race' }])))
      for (const p of items) expect(Object.fromEntries(await one.partners(t, p, [HOUR]))).toEqual(Object.fromEntries(items.filter((x) => x !== p).map((x) => [x, 1])))
    })

    test('counts events per hour, product and type; the tick moves with every batch', async () => {
      const s = make()
      const t = tenant()
      expect(await s.tick(t)).toBe(0)
      await s.record(t, [{ productId: 'a', type: VIEW, hour: HOUR }, { productId: 'a', type: VIEW, hour: HOUR }, { productId: 'b', type: VIEW, hour: HOUR - 1 }])
      const first = await s.tick(t)
      expect(first).toBeGreaterThan(0)
      const [now, before, empty] = await s.hours(t, [HOUR, HOUR - 1, HOUR - 2])
      expect(now!.get('a')![VIEW]).toBe(2)
      expect(before!.get('b')![VIEW]).toBe(1)
      expect(empty!.size).toBe(0)
      await s.record(t, [{ productId: 'a', type: VIEW, hour: HOUR }])
      expect(await s.tick(t)).toBeGreaterThan(first)
    })

    test('a purchase pairs with the items already in its basket, once per basket and pair', async () => {
      const s = make()
      const t = tenant()
      const buy = (productId: string, basket: string) => ({ productId, type: PURCHASE, hour: HOUR, basket })
      await s.record(t, [buy('a', 'o:1'), buy('b', 'o:1'), buy('b', 'o:1'), buy('c', 'o:1')])
      await s.record(t, [buy('a', 'o:2'), buy('b', 'o:2')]) // a later batch of another order
      expect(Object.fromEntries(await s.partners(t, 'a', [HOUR]))).toEqual({ b: 2, c: 1 })
      expect(Object.fromEntries(await s.partners(t, 'b', [HOUR]))).toEqual({ a: 2, c: 1 })
      expect((await s.partners(t, 'a', [HOUR - 1])).size).toBe(0)
    })

    test('a wholesale basket stops pairing at its size limit', async () => {
      const s = make()
      const t = tenant()
      await s.record(t, Array.from({ length: MAX_BASKET_ITEMS + 5 }, (_, i) => ({ productId: `p${i}`, type: PURCHASE, hour: HOUR, basket: 'o:big' })))
      expect((await s.partners(t, 'p0', [HOUR])).size).toBe(MAX_BASKET_ITEMS - 1)
    })

    test('tenants never see each other\'s counts', async () => {
      const s = make()
      const [a, b] = [tenant(), tenant()]
      await s.record(a, [{ productId: 'x', type: VIEW, hour: HOUR }, { productId: 'x', type: PURCHASE, hour: HOUR, basket: 'o:1' }, { productId: 'y', type: PURCHASE, hour: HOUR, basket: 'o:1' }])
      expect((await s.hours(b, [HOUR]))[0]!.size).toBe(0)
      expect((await s.partners(b, 'x', [HOUR])).size).toBe(0)
      expect(await s.tick(b)).toBe(0)
    })
  })
}

test('the in-process store forgets hours older than a day', async () => {
  let now = NOW
  const s = new MemoryLiveCounters(() => now)
  await s.record('t', [{ productId: 'a', type: VIEW, hour: HOUR }])
  now += 30 * HOUR_MS
  await s.record('t', [{ productId: 'b', type: VIEW, hour: HOUR + 30 }])
  expect((await s.hours('t', [HOUR]))[0]!.size).toBe(0)
})

test('while Redis does not answer, counts go to and come from the instance\'s memory', async () => {
  // A client that was never connected: every command would fail, and none is sent.
  const client = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0 })
  const s = new RedisLiveCounters(client, 'down:', () => false, () => NOW)
  await s.record('t', [{ productId: 'a', type: VIEW, hour: HOUR }, { productId: 'a', type: PURCHASE, hour: HOUR, basket: 'o:1' }, { productId: 'b', type: PURCHASE, hour: HOUR, basket: 'o:1' }])
  expect(await s.tick('t')).toBe(1)
  expect((await s.hours('t', [HOUR]))[0]!.get('a')![VIEW]).toBe(1)
  expect(Object.fromEntries(await s.partners('t', 'a', [HOUR]))).toEqual({ b: 1 })
  client.disconnect()
})
