// Issue 20, erasure: DELETE /users/:userId removes every trace of one shopper in one tenant (raw
// events, event ids, profile, purchases, clicks, exposures, cached answers, open baskets) in short
// batches, and nothing of anyone else's; GET /users/:userId answers 404 once it is done.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { createApp } from '../../app.ts'
import { loadConfig } from '../../config.ts'
import { MemoryLiveCounters } from '../../infra/live-counters/memory.ts'
import { BASKET_TTL_MS, HOUR_MS, KEPT_HOURS } from '../../infra/live-counters/types.ts'
import type { ModelStore } from '../../models/store.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { createLogger } from '../../logger.ts'
import { expectProblem, TEST_SECRETS, testApp, type TestApp } from '../../test/harness.ts'
import { liveEventsOf, shopperBaskets } from '../events/ingest/live.ts'
import { createAnswerCache } from '../recommendations/answer-cache.ts'
import { personalSlotKey, PERSONAL_SLOTS, slotKey } from '../recommendations/answer-slots.ts'
import { createShopperService } from './service.ts'
import { waitFor } from '../../test/wait-for.ts'
import { startErasure } from '../../../db/queries/erasures.ts'
import { foldImportedProfiles } from '../../../db/queries/events.ts'

const H = HOUR_MS
const DAY = 24 * H

describe('baskets named after a shopper', () => {
  test('every day-basket the live counters may hold open at `now` is among those an erasure drops', () => {
    for (const now of [Date.UTC(2026, 5, 15, 0, 0, 1), Date.UTC(2026, 5, 15, 12), Date.UTC(2026, 5, 15, 23, 59, 59)]) {
      const dropped = new Set(shopperBaskets('u1', now))
      // A basket opened at any moment of the last BASKET_TTL_MS, by an event the counters still took then.
      for (let opened = now - BASKET_TTL_MS; opened <= now; opened += H / 2) {
        for (let ts = opened - (KEPT_HOURS - 2) * H; ts <= opened + 5 * 60_000; ts += H / 2) {
          const [live] = liveEventsOf([{ tenantId: 't', eventType: 'purchase', userId: 'u1', productId: 'p', ts: new Date(ts), sessionId: null, metadata: null, placement: null, strategy: null }], opened).get('t') ?? []
          if (live) expect(dropped.has(live.basket!)).toBe(true)
        }
      }
      expect(dropped.size).toBeLessThanOrEqual(5)
    }
  })

  test('a dropped basket pairs nothing with what the shopper buys next', async () => {
    const live = new MemoryLiveCounters(() => 10 * DAY)
    const hour = 10 * 24
    await live.record('t', [{ productId: 'a', type: 5, hour, basket: 'd:u1:10' }])
    await live.dropBaskets('t', ['d:u1:10'])
    await live.record('t', [{ productId: 'b', type: 5, hour, basket: 'd:u1:10' }])
    expect([...await live.partners('t', 'b', [hour])]).toEqual([])
    await live.record('t', [{ productId: 'c', type: 5, hour, basket: 'd:u1:10' }])
    expect([...await live.partners('t', 'c', [hour])]).toEqual([['b', 1]]) // the basket itself still works
  })
})

describe('answer cache: a shopper\'s answers leave the shared cache', () => {
  test('every slot holding one of their answers is deleted; other shoppers\' stay', async () => {
    const cache = new MemoryCache()
    const answers = createAnswerCache({ cache, store: { indexOf: () => -1 } as unknown as ModelStore })
    const tenant = '0b6f6c7e-8d41-4d0a-9a4b-6a2f0c1d2e3f'
    const meta = { strategy: 'collaborative', padded: 0, context: 'homepage' as const, modelVersion: 'v1', cached: false }
    const slots = (user: string) => Array.from({ length: 40 }, (_, i) => `rec:${tenant}:${user}:collaborative|p${i}||8|1|`)
    for (const s of [...slots('gone'), ...slots('kept')]) answers.keep(tenant, s, '3:v1', undefined, meta, [{ productId: 'x', score: 1 } as never])
    await answers.flush()
    const holders = async () => {
      const out: string[] = []
      for (let n = 0; n < PERSONAL_SLOTS; n++) {
        const json = await cache.get(personalSlotKey(tenant, n))
        if (json) out.push(JSON.parse(json).slot.split(':')[2])
      }
      return out
    }
    expect((await holders()).filter((u) => u === 'gone').length).toBeGreaterThan(30)
    expect(await answers.forgetShopperShared(tenant, 'gone')).toBeGreaterThan(30)
    const left = await holders()
    expect(left).not.toContain('gone')
    expect(left.filter((u) => u === 'kept').length).toBeGreaterThan(30)
    expect(await answers.last(slots('gone')[0]!)).toBeUndefined()
    expect(slotKey(slots('kept')[0]!)).toStartWith(`rec:{t:${tenant}}:#`)
  })
})

const catalog = Array.from({ length: 12 }, (_, i) => ({ productId: `shoe-${i}`, name: `Trail Runner ${i}`, category: 'shoes', price: 100 + i, description: 'trail running shoe' }))

/** Twelve shoppers who view and buy shoes (so the collaborative model knows them), a click and an eventId each. */
async function seed(t: TestApp, writeKey: string) {
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: writeKey, body: { items: catalog } })).body.data.created).toBe(catalog.length)
  const now = Date.now()
  const events: object[] = []
  for (let u = 0; u < 12; u++) {
    for (let i = 0; i < 6; i++) events.push({ eventType: 'product_viewed', userId: `user-${u}`, productId: `shoe-${(u + i) % 12}`, timestamp: new Date(now - (i + 2) * H).toISOString(), eventId: `v-${u}-${i}` })
    events.push({ eventType: 'recommendation_clicked', userId: `user-${u}`, productId: `shoe-${u % 12}`, timestamp: new Date(now - H).toISOString(), placement: 'home', strategy: 'collaborative' })
    events.push({ eventType: 'purchase', userId: `user-${u}`, productId: `shoe-${u % 12}`, timestamp: new Date(now - 30 * 60_000).toISOString(), metadata: { price: 100 } })
  }
  for (let i = 0; i < events.length; i += 100) {
    const b = await t.req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: events.slice(i, i + 100) } })
    expect(b.body.data.rejected).toEqual([])
  }
}

/** Every stored trace of one shopper in one tenant, by table. */
async function traces(raw: RawSql, tenantId: string, userId: string) {
  const n = async (sql: string) => (await raw.query<{ n: number }>(sql, [tenantId, userId]))[0]!.n
  return {
    events: await n('select count(*)::int as n from events where tenant_id = $1 and user_id = $2'),
    eventIds: await n(`select count(*)::int as n from event_ids k where k.tenant_id = $1 and k.event_id like 'v-' || substr($2, 6) || '-%'`),
    profiles: await n('select count(*)::int as n from user_profiles where tenant_id = $1 and user_id = $2'),
    purchases: await n('select count(*)::int as n from user_purchases where tenant_id = $1 and user_id = $2'),
    clicks: await n('select count(*)::int as n from recommendation_clicks where tenant_id = $1 and user_id = $2'),
    exposures: await n('select count(*)::int as n from experiment_exposures where tenant_id = $1 and user_id = $2'),
  }
}
const none = { events: 0, eventIds: 0, profiles: 0, purchases: 0, clicks: 0, exposures: 0 }

for (const name of BACKENDS) {
  describe(`shopper erasure [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const raw = database.raw
    const shoppers = t.app.services.shoppers
    const recs = (key: string, qs: string) => t.req('GET', `/api/v1/recommendations?${qs}`, { key })

    test('GET /users/:userId: the profile summary; GET and DELETE: 404 for a shopper never seen', async () => {
      const k = await t.tenantWithKeys()
      await seed(t, k.writeKey)
      const r = await t.req('GET', '/api/v1/users/user-3', { key: k.writeKey })
      expect(r.status).toBe(200)
      expect(r.body.data).toMatchObject({ userId: 'user-3', eventCount: 8, purchasedCount: 1 })
      expect(r.body.data.recent.length).toBe(8)
      expect(r.body.data.recent[0]).toMatchObject({ productId: 'shoe-3', eventType: 'purchase' })
      expect(Date.parse(r.body.data.updatedAt)).not.toBeNaN()
      expectProblem(await t.req('GET', '/api/v1/users/nobody', { key: k.writeKey }), 404)
      expectProblem(await t.req('DELETE', '/api/v1/users/nobody', { key: k.writeKey }), 404)
    })

    test('DELETE erases every trace (events, ids, profile, purchases, clicks, exposures, cached answers); afterwards the shopper is a cold start; others are untouched', async () => {
      const k = await t.tenantWithKeys()
      await seed(t, k.writeKey)
      // The same userId in another tenant, which must keep everything.
      const other = await t.tenantWithKeys()
      await seed(t, other.writeKey)
      await t.app.services.models.build(k.tenantId)
      // An experiment exposes the shoppers as they are served.
      const exp = await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'e', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', placement: 'home' } })
      expect(exp.status).toBe(201)
      for (const u of ['user-0', 'user-1']) await recs(k.readKey, `userId=${u}&placement=home&limit=5`)
      const personal = await recs(k.readKey, 'userId=user-0&strategy=collaborative&limit=5')
      expect(personal.body.meta.strategy).toBe('collaborative')
      expect((await recs(k.readKey, 'userId=user-0&strategy=collaborative&limit=5')).body.meta.cached).toBe(true)
      const cold = await recs(k.readKey, 'userId=never-seen&strategy=collaborative&limit=5')
      expect(cold.body.data).not.toEqual(personal.body.data)
      // Exposures are written behind the answer.
      await waitFor('both exposures stored', async () => (await traces(raw, k.tenantId, 'user-1')).exposures === 1 && (await traces(raw, k.tenantId, 'user-0')).exposures === 1)
      const before = { user1: await traces(raw, k.tenantId, 'user-1'), elsewhere: await traces(raw, other.tenantId, 'user-0') }
      expect(await traces(raw, k.tenantId, 'user-0')).toEqual({ events: 8, eventIds: 6, profiles: 1, purchases: 1, clicks: 1, exposures: 1 })

      const d = await t.req('DELETE', '/api/v1/users/user-0', { key: k.writeKey })
      expect(d.status).toBe(202)
      expect(d.body.data).toEqual({ userId: 'user-0', status: 'erasing' })
      await shoppers.settled()

      expect(await traces(raw, k.tenantId, 'user-0')).toEqual(none)
      expectProblem(await t.req('GET', '/api/v1/users/user-0', { key: k.writeKey }), 404)
      expectProblem(await t.req('DELETE', '/api/v1/users/user-0', { key: k.writeKey }), 404) // nothing left to erase
      const after = await recs(k.readKey, 'userId=user-0&strategy=collaborative&limit=5')
      expect(after.body.meta.strategy).toBe(cold.body.meta.strategy)
      expect(after.body.data).toEqual(cold.body.data)
      expect(await traces(raw, k.tenantId, 'user-1')).toEqual(before.user1)
      expect(await traces(raw, other.tenantId, 'user-0')).toEqual(before.elsewhere)
      expect((await t.req('GET', '/api/v1/users/user-0', { key: other.writeKey })).status).toBe(200)
      // Rollups kept their anonymous counts: the tenant's clicks are still counted.
      const [from, to] = [new Date(Date.now() - 2 * 3600_000), new Date()].map((d) => d.toISOString().slice(0, 10)) // the clicks were an hour ago: maybe yesterday
      const summary = await t.req('GET', `/api/v1/analytics/summary?from=${from}&to=${to}`, { token: k.token, tenant: k.tenantId })
      expect(summary.body.clicks ?? summary.body.data?.clicks).toBe(12)
      // Events sent for the same userId afterwards start a new profile; as many as before, so that an answer
      // cached before the erasure (keyed by the event count and model) would match again, were it still kept.
      const fresh = Array.from({ length: 8 }, (_, i) => ({ eventType: 'product_viewed', userId: 'user-0', productId: `shoe-${(i + 4) % 12}`, timestamp: new Date(Date.now() - (i + 1) * 1000).toISOString() }))
      expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: fresh } })).body.data.accepted).toBe(8)
      expect((await t.req('GET', '/api/v1/users/user-0', { key: k.writeKey })).body.data).toMatchObject({ eventCount: 8, purchasedCount: 0 })
      const anew = await recs(k.readKey, 'userId=user-0&strategy=collaborative&limit=5')
      expect(anew.body.meta.cached).toBe(false)
    })

    test('every instance forgets the shopper: a second instance serves them cold afterwards, with no answer kept from before', async () => {
      // Two instances over one database and one shared cache (its broadcasts reach both).
      const cache = name === 'pglite' ? new MemoryCache() : await (await backend(name)).makeCache()
      const make = () => createApp({ config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database, cache, log: quietLog, mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS })
      const [one, two] = [await make(), await make()]
      const k = await t.tenantWithKeys()
      await seed(t, k.writeKey)
      await two.services.models.build(k.tenantId)
      const ask = async (app: typeof one, userId: string) => JSON.parse(await (await app.handle(new Request(`http://localhost/api/v1/recommendations?userId=${userId}&strategy=collaborative&limit=5`, { headers: { 'x-api-key': k.readKey } }))).text())
      expect((await ask(two, 'user-0')).meta.strategy).toBe('collaborative')
      expect((await ask(two, 'user-0')).meta.cached).toBe(true)
      const cold = await ask(two, 'never-seen')
      const d = await one.handle(new Request('http://localhost/api/v1/users/user-0', { method: 'DELETE', headers: { 'x-api-key': k.writeKey } }))
      expect(d.status).toBe(202)
      await one.services.shoppers.settled()
      const after = await ask(two, 'user-0')
      expect([after.meta.strategy, after.data]).toEqual([cold.meta.strategy, cold.data])
      const fresh = Array.from({ length: 8 }, (_, i) => ({ eventType: 'product_viewed', userId: 'user-0', productId: `shoe-${(i + 4) % 12}`, timestamp: new Date(Date.now() - (i + 1) * 1000).toISOString() }))
      const sent = await one.handle(new Request('http://localhost/api/v1/events/batch', { method: 'POST', headers: { 'x-api-key': k.writeKey, 'content-type': 'application/json' }, body: JSON.stringify({ events: fresh }) }))
      expect(JSON.parse(await sent.text()).data.accepted).toBe(8)
      // Instance one's ingestion broadcast drops two's profile of user-0; the first answer two works out from the
      // new profile (8 events, this model) would be its answer from before the erasure, had that been kept.
      const first = await waitFor('instance two sees the new events', async () => { const r = await ask(two, 'user-0'); return r.meta.strategy !== cold.meta.strategy && r })
      expect(first.meta.cached).toBe(false)
      await Promise.all([one.shutdown(), two.shutdown()])
    }, 30_000)

    test('erased while an import is running: the job\'s fold does not make the profile or purchase set again; other shoppers\' are folded', async () => {
      const k = await t.tenantWithKeys()
      const job = (await raw.query<{ id: string }>(`insert into import_jobs (tenant_id, type, format, status) values ($1, 'events', 'csv', 'running') returning id`, [k.tenantId]))[0]!.id
      const ts = new Date(Date.now() - 3600_000)
      // Rows the job stored: their events are in `events`, their profiles wait for the job's fold.
      for (const user of ['import-a', 'import-b']) {
        const rows = [{ eventType: 'product_viewed', userId: user, productId: 'p1', timestamp: ts.toISOString() }, { eventType: 'purchase', userId: user, productId: 'p2', timestamp: ts.toISOString() }]
        expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: rows } })).body.data.rejected).toEqual([])
        for (const r of rows) {
          await raw.query(`insert into import_stored (job_id, tenant_id, user_id, event_type, product_id, ts) values ($1, $2, $3, $4, $5, $6::timestamptz)`, [job, k.tenantId, user, r.eventType, r.productId, r.timestamp])
        }
      }
      expect((await t.req('DELETE', '/api/v1/users/import-a', { key: k.writeKey })).status).toBe(202)
      await shoppers.settled()
      expect(await raw.query('select 1 from import_stored where tenant_id = $1 and user_id = $2', [k.tenantId, 'import-a'])).toHaveLength(0)
      await raw.query(`delete from user_profiles where tenant_id = $1 and user_id = 'import-b'`, [k.tenantId])
      await raw.query(`delete from user_purchases where tenant_id = $1 and user_id = 'import-b'`, [k.tenantId])

      const folded = await foldImportedProfiles(raw, job, 100)
      expect(folded.map((f) => f.userId)).toEqual(['import-b'])
      expect(await traces(raw, k.tenantId, 'import-a')).toEqual(none)
      expect(await traces(raw, k.tenantId, 'import-b')).toMatchObject({ events: 2, profiles: 1, purchases: 1 })
      // A job left "running" here would be taken over by any later recovery sharing this database.
      await raw.query(`update import_jobs set status = 'completed', finished_at = now() where id = $1`, [job])
    })

    test('the access log names the route, not the shopper: an erasure does not write the id it erases', async () => {
      const lines: string[] = []
      const app = await createApp({ config: loadConfig({ BCRYPT_COST: '4' }), database, cache: new MemoryCache(), log: createLogger('info', (l) => lines.push(l)), mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS })
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'product_viewed', userId: 'jane.doe@example.com', productId: 'p1' } })
      for (const method of ['GET', 'DELETE']) {
        const r = await app.handle(new Request('http://localhost/api/v1/users/jane.doe%40example.com', { method, headers: { 'x-api-key': k.writeKey } }))
        expect(r.status).toBe(method === 'GET' ? 200 : 202)
      }
      await app.services.shoppers.settled()
      // The access line is written after the response (onAfterResponse).
      const logged = await waitFor('both access lines', () => { const l = lines.filter((x) => x.includes('"msg":"request"')); return l.length === 2 && l })
      for (const l of logged) expect(JSON.parse(l).path).toBe('/api/v1/users/:userId')
      expect(lines.join('\n')).not.toContain('jane.doe')
      await app.shutdown()
    })

    test('a shopper with many events is erased in short batches; stopped midway, the profile stays (GET 200) and DELETE again finishes', async () => {
      const k = await t.tenantWithKeys()
      const now = Date.now()
      const events = Array.from({ length: 250 }, (_, i) => ({ eventType: 'product_viewed', userId: 'heavy', productId: `p${i}`, timestamp: new Date(now - (i + 1) * 60_000).toISOString() }))
      for (let i = 0; i < events.length; i += 100) expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: events.slice(i, i + 100) } })).body.data.accepted).toBe(Math.min(100, events.length - i))
      const batches: number[] = []
      let stopAfter = 1
      const deps = {
        raw, clock: () => new Date(), log: quietLog, batchSize: 100, profiles: { changed() {} }, live: new MemoryLiveCounters(),
        experiments: t.app.services.housekeeping.experiments, recommendations: t.app.services.recommendations,
        events: {
          eventPartitions: t.app.services.housekeeping.events.eventPartitions,
          eraseShopperEvents: async (partition: string, tenantId: string, userId: string, limit: number) => {
            const n = await t.app.services.housekeeping.events.eraseShopperEvents(partition, tenantId, userId, limit)
            if (!n) return n
            batches.push(n)
            if (batches.length === stopAfter) void first.stop()
            return n
          },
          eraseShopperState: t.app.services.housekeeping.events.eraseShopperState,
        },
      }
      const first = createShopperService(deps)
      await first.requestErasure(k.tenantId, 'heavy')
      await first.settled()
      expect(batches.length).toBe(1) // (100, unless the 250 minutes span two monthly partitions)
      expect((await traces(raw, k.tenantId, 'heavy')).events).toBe(250 - batches[0]!)
      expect((await t.req('GET', '/api/v1/users/heavy', { key: k.writeKey })).status).toBe(200)
      stopAfter = 0
      const again = createShopperService(deps)
      await again.requestErasure(k.tenantId, 'heavy')
      await again.settled()
      expect(batches.reduce((a, b) => a + b, 0)).toBe(250)
      expect(Math.max(...batches)).toBe(100) // no statement deletes more than the batch size
      expect((await traces(raw, k.tenantId, 'heavy')).events).toBe(0)
      expectProblem(await t.req('GET', '/api/v1/users/heavy', { key: k.writeKey }), 404)
    })

    test('an erasure whose process died is finished by a worker once its lease expires (clock moved); while it lives, DELETE leaves it to its holder', async () => {
      const k = await t.tenantWithKeys()
      const now = Date.now()
      const events = Array.from({ length: 30 }, (_, i) => ({ eventType: 'product_viewed', userId: 'orphan', productId: `p${i}`, timestamp: new Date(now - (i + 1) * 60_000).toISOString() }))
      expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).body.data.accepted).toBe(30)
      // A process took the erasure and died (SIGKILL): its row stays, its lease runs out.
      expect(await startErasure(raw, k.tenantId, 'orphan', { holder: 'dead-host:3:z', now: new Date(now), leaseMs: 60_000 })).toBe(true)
      let at = now + 1000
      const worker = createShopperService({
        raw, clock: () => new Date(at), log: quietLog, batchSize: 10, profiles: { changed() {} }, live: new MemoryLiveCounters(), leaseMs: 60_000,
        experiments: t.app.services.housekeeping.experiments, recommendations: t.app.services.recommendations, events: t.app.services.housekeeping.events,
      })
      await worker.requestErasure(k.tenantId, 'orphan') // under way elsewhere: joined, not run twice
      expect(await worker.resumeErasures()).toBe(0)
      await worker.settled()
      expect((await traces(raw, k.tenantId, 'orphan')).events).toBe(30)
      at = now + 61_000
      expect(await worker.resumeErasures()).toBe(1)
      await worker.settled()
      expect(await traces(raw, k.tenantId, 'orphan')).toEqual(none)
      expectProblem(await t.req('GET', '/api/v1/users/orphan', { key: k.writeKey }), 404)
      expect(await raw.query('select 1 from shopper_erasures where tenant_id = $1', [k.tenantId])).toEqual([])
      await worker.stop()
    })

    test('cross-tenant: another tenant\'s key erases only its own shopper of that name; read keys and bad userIds are refused', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      await seed(t, a.writeKey)
      const kept = await traces(raw, a.tenantId, 'user-2')
      expectProblem(await t.req('DELETE', '/api/v1/users/user-2', { key: b.writeKey }), 404)
      expectProblem(await t.req('DELETE', '/api/v1/users/user-2', { key: b.writeKey, tenant: a.tenantId }), 404)
      await shoppers.settled()
      expect(await traces(raw, a.tenantId, 'user-2')).toEqual(kept)
      expectProblem(await t.req('GET', '/api/v1/users/user-2', { key: b.writeKey }), 404)
      expect((await t.req('GET', '/api/v1/users/user-2', { key: a.writeKey })).status).toBe(200)
      expectProblem(await t.req('DELETE', '/api/v1/users/user-2', { key: a.readKey }), 403)
      expectProblem(await t.req('GET', '/api/v1/users/user-2', { key: a.readKey }), 403)
      expectProblem(await t.req('DELETE', '/api/v1/users/user-2'), 401)
      expectProblem(await t.req('DELETE', `/api/v1/users/${'x'.repeat(257)}`, { key: a.writeKey }), 400)
      expectProblem(await t.req('DELETE', '/api/v1/users/a%01b', { key: a.writeKey }), 400)
      await shoppers.settled()
      expect(await traces(raw, a.tenantId, 'user-2')).toEqual(kept)
    })
  })
}
