// Profile loads: batched per tenant while a query is out, one load per shopper,
// nothing kept that may predate a change, failures passed on and retried.
import { afterEach, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { ProfileCache } from './cache.ts'

/** A database of profiles whose queries answer only when released, and a log of what each asked for. */
function fakeDatabase(eventCounts: Record<string, Record<string, number>>) {
  const asked: { tenantId: string; userIds: string[] }[] = []
  const held: (() => void)[] = []
  let failNext = false
  const raw: RawSql = {
    query: (async (_text: string, params?: unknown[]) => {
      const [tenantId, userIds] = params as [string, string[]]
      asked.push({ tenantId, userIds: [...userIds] })
      const fail = failNext
      failNext = false
      await new Promise<void>((release) => held.push(release))
      if (fail) throw new Error('connection refused')
      return userIds.filter((u) => eventCounts[tenantId]?.[u] !== undefined)
        .map((u) => ({ user_id: u, recent: [{ p: `${tenantId}-item`, e: 'product_viewed', t: 1 }], event_count: eventCounts[tenantId]![u], purchased: [] }))
    }) as RawSql['query'],
    transaction: (async () => { throw new Error('unused') }) as RawSql['transaction'],
  }
  /** Lets every query out so far answer, then lets the answers settle. */
  const release = async () => { while (held.length) held.shift()!(); for (let i = 0; i < 5; i++) await Bun.sleep(0) }
  return { raw, asked, release, failNextQuery: () => { failNext = true } }
}

const caches: MemoryCache[] = []
afterEach(() => { for (const c of caches.splice(0)) c.close?.() })
const memory = () => { const c = new MemoryCache(); caches.push(c); return c }

test('shoppers asked about while a query is out are loaded together in the next one; each tenant separately', async () => {
  const db = fakeDatabase({ t1: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`u${i}`, i])), t2: { u0: 99 } })
  const profiles = new ProfileCache(db.raw, memory())
  const first = profiles.get('t1', 'u0')
  const rest = Array.from({ length: 49 }, (_, i) => profiles.get('t1', `u${i + 1}`))
  const other = profiles.get('t2', 'u0')
  await db.release() // the first query (u0 alone) answers; the 49 who waited go 32 at a time
  await db.release()
  await db.release()
  expect(db.asked).toEqual([
    { tenantId: 't1', userIds: ['u0'] },
    { tenantId: 't2', userIds: ['u0'] },
    { tenantId: 't1', userIds: Array.from({ length: 32 }, (_, i) => `u${i + 1}`) },
    { tenantId: 't1', userIds: Array.from({ length: 17 }, (_, i) => `u${i + 33}`) },
  ])
  expect((await first)!.eventCount).toBe(0)
  expect((await Promise.all(rest)).map((p) => p!.eventCount)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1))
  // Same user id, other tenant: its own profile.
  expect(await other).toMatchObject({ eventCount: 99, recent: [{ productId: 't2-item', eventType: 'product_viewed', ts: 1 }] })
  // Now cached: no promise, no query.
  expect(profiles.get('t1', 'u7')).toMatchObject({ eventCount: 7 })
  expect(db.asked.length).toBe(4)
})

test('a shopper asked about twice before their profile arrives is loaded once; an unknown shopper is cached as unknown', async () => {
  const db = fakeDatabase({ t1: { a: 5 } })
  const profiles = new ProfileCache(db.raw, memory())
  const [x, y, z] = [profiles.get('t1', 'a'), profiles.get('t1', 'a'), profiles.get('t1', 'nobody')]
  await db.release()
  await db.release()
  expect((await x)!.eventCount).toBe(5)
  expect(await y).toBe(await x)
  expect(await z).toBeUndefined()
  expect(db.asked.flatMap((q) => q.userIds)).toEqual(['a', 'nobody'])
  expect(profiles.get('t1', 'nobody')).toBeUndefined() // no promise: known to be unknown
})

test('a profile loaded while its shopper changed is not kept: the next request reads again', async () => {
  const db = fakeDatabase({ t1: { a: 5 } })
  const profiles = new ProfileCache(db.raw, memory())
  const before = profiles.get('t1', 'a')
  profiles.changed([{ tenantId: 't1', userId: 'a' }]) // new events stored while the load is out
  await db.release()
  expect((await before)!.eventCount).toBe(5)
  const again = profiles.get('t1', 'a')
  expect(again).toBeInstanceOf(Promise) // not cached from the outdated load
  await db.release()
  await again
  expect(db.asked.length).toBe(2)
  expect(profiles.get('t1', 'a')).toMatchObject({ eventCount: 5 })
})

test('a failed query fails every shopper waiting on it; the next request tries again', async () => {
  const db = fakeDatabase({ t1: { a: 5, b: 6 } })
  const profiles = new ProfileCache(db.raw, memory())
  db.failNextQuery()
  const a = profiles.get('t1', 'a')
  const b = profiles.get('t1', 'b')
  const results = Promise.allSettled([a, b])
  await db.release()
  await db.release()
  const [ra, rb] = await results
  expect(ra.status).toBe('rejected')
  expect(rb.status).toBe('fulfilled') // b waited for the next query, which worked
  const retry = profiles.get('t1', 'a')
  await db.release()
  expect((await retry)!.eventCount).toBe(5)
})

test('with several queries allowed out (a PostgreSQL pool), shoppers go out at once until the limit, then wait together', async () => {
  const db = fakeDatabase({ t1: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`u${i}`, i])) })
  const profiles = new ProfileCache(db.raw, memory(), { queries: 2 })
  const all = Array.from({ length: 10 }, (_, i) => profiles.get('t1', `u${i}`))
  expect(db.asked.map((q) => q.userIds)).toEqual([['u0'], ['u1']])
  await db.release()
  await db.release()
  expect(db.asked.map((q) => q.userIds)).toEqual([['u0'], ['u1'], ['u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9']])
  expect((await Promise.all(all)).map((p) => p!.eventCount)).toEqual(Array.from({ length: 10 }, (_, i) => i))
})

test('a refresh that finds the profile unchanged keeps the object (and what is worked out from it); a changed one is new', async () => {
  const counts = { t1: { u1: 3 } }
  const db = fakeDatabase(counts)
  let now = 0
  const profiles = new ProfileCache(db.raw, memory(), { ttlMs: 20, now: () => now })
  const first = profiles.get('t1', 'u1')
  await db.release()
  const a = await first
  expect(a?.eventCount).toBe(3)
  now += 19
  expect(profiles.get('t1', 'u1')).toBe(a) // not yet expired: no read
  now += 1 // expired: the next get reads again
  const again = profiles.get('t1', 'u1')
  expect(again).toBeInstanceOf(Promise)
  await db.release()
  expect(await again).toBe(a) // same events: the same object
  expect(profiles.get('t1', 'u1')).toBe(a) // and cached again
  counts.t1.u1 = 4 // an event stored by another instance whose broadcast was lost
  now += 20
  const changed = profiles.get('t1', 'u1')
  await db.release()
  const b = await changed
  expect(b).not.toBe(a)
  expect(b?.eventCount).toBe(4)
  expect(db.asked).toHaveLength(3)
})

test('warm: a batch read 500 shoppers per query, the cached and those on the way skipped; gets wait on it; a change meanwhile is not kept', async () => {
  const db = fakeDatabase({ t1: Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`u${i}`, i])) })
  const profiles = new ProfileCache(db.raw, memory())
  const onTheWay = profiles.get('t1', 'u0')
  const warmed = profiles.warm('t1', [...Array.from({ length: 700 }, (_, i) => `u${i}`), 'u1', 'nobody'])
  const asking = profiles.get('t1', 'u650') // on its way in the warm read: no query of its own
  profiles.changed([{ tenantId: 't1', userId: 'u5' }]) // changed while the warm read is out
  await db.release()
  await warmed
  expect(db.asked.map((a) => a.userIds.length)).toEqual([1, 500, 200])
  expect(db.asked[1]!.userIds[0]).toBe('u1')
  expect(db.asked[2]!.userIds.at(-1)).toBe('nobody')
  expect((await onTheWay)!.eventCount).toBe(0)
  expect((await asking)!.eventCount).toBe(650)
  expect(profiles.get('t1', 'u321')).toMatchObject({ eventCount: 321 }) // cached: no promise
  expect(profiles.get('t1', 'nobody')).toBeUndefined()
  expect(profiles.get('t1', 'u5')).toBeInstanceOf(Promise) // read again, not what may predate the change
  await profiles.warm('t1', ['u9', 'u10']) // all cached: no query
  expect(db.asked.length).toBe(4)
})
