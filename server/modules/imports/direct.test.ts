// PostgreSQL's optimistic bulk path (copyEventsDirect): a chunk no stored event can collide with is COPYed
// straight into events; one that may collide is merged through staging. Both must store exactly the same.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { dedupeChunk, DIRECT_PROBE, type NewEvent } from '../../../db/queries/events.ts'
import { backend, BACKENDS } from '../../test/backends.ts'
import { testApp } from '../../test/harness.ts'
import { createEventService, type EventDeps } from '../events/service.ts'
import type { Submitted } from '../events/ingest/group-commit.ts'

const NOW = Date.now()
const at = (minutes: number) => new Date(NOW - minutes * 60_000)

describe('dedupeChunk', () => {
  const ev = (o: Partial<NewEvent>): NewEvent => ({ tenantId: 't', eventType: 'purchase', userId: 'u', productId: 'p', ts: at(1), sessionId: null, metadata: null, placement: null, strategy: null, ...o })
  test('the first given of equal keys is stored; of one eventId, the first given claims it, whatever its timestamp', () => {
    const a = ev({ metadata: { n: 1 } })
    const b = ev({ metadata: { n: 2 } }) // a's key: a duplicate
    const c = ev({ productId: 'q', idempotencyKey: 'k1', eventId: 'k1' })
    const d = ev({ productId: 'r', ts: at(9), idempotencyKey: 'k1', eventId: 'k1' }) // k1 again: a duplicate
    const e = ev({ idempotencyKey: 'k2', eventId: 'k2' }) // a's key, its own eventId: claims k2, then loses to a (as the merge does)
    const f = ev({ tenantId: 't2' }) // another tenant's: not a's key
    expect(dedupeChunk([a, b, c, d, e, f])).toEqual({ stored: [a, c, f], keys: [c, e] })
  })
})

/** Rows of one tenant: duplicates within the chunk, eventIds given twice, purchases of one product twice, a recommendation click. */
function chunkOf(tenantId: string): Submitted[] {
  const row = (o: Partial<Submitted>): Submitted => ({ tenantId, attributionWindowHours: 24, eventType: 'purchase', userId: 'u1', productId: 'p1', ts: at(50),
    sessionId: null, metadata: null, placement: null, strategy: null, eventId: null, idempotencyKey: null, ...o })
  return [
    row({ metadata: { price: 2, quantity: 3 } }),
    row({ metadata: { price: 99 } }), // the same key: a duplicate
    row({ ts: at(40), metadata: { price: 2 } }), // p1 bought again
    row({ eventType: 'product_viewed', userId: 'u2', ts: at(30), eventId: 'e1', idempotencyKey: 'e1', sessionId: 's\t1' }),
    row({ eventType: 'product_viewed', userId: 'u2', ts: at(29), eventId: 'e1', idempotencyKey: 'e1' }), // e1 again: a duplicate
    row({ eventType: 'recommendation_clicked', userId: 'u2', productId: 'p2', ts: at(20), placement: 'home', strategy: 'trending', metadata: { experimentId: 'x1', variant: 'b' } }),
    row({ userId: 'u2', productId: 'p2', ts: at(10), metadata: { price: 5 } }),
    row({ eventType: 'product_viewed', userId: 'u3', productId: 'p3', ts: at(5), metadata: { traits: { tier: 'gold' } } }),
  ]
}

for (const name of BACKENDS) {
  describe(`import chunks, direct and merged [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const q = database.raw.query.bind(database.raw)
    const events = t.app.services.events
    const direct = name === 'postgres' // PGlite has no COPY: every chunk is merged
    /** Everything a tenant's stored events left, tenant id aside. */
    const stateOf = async (tenantId: string) => ({
      events: await q(`select user_id, event_type, product_id, ts, metadata, session_id, placement, strategy, event_id from events where tenant_id = $1 order by user_id, event_type, product_id, ts`, [tenantId]),
      eventIds: await q('select event_id, ts::text from event_ids where tenant_id = $1 order by event_id', [tenantId]),
      purchases: await q('select user_id, product_id, (extract(epoch from last_purchased_at) * 1000)::float8 as last_ms, purchases from user_purchases where tenant_id = $1 order by user_id, product_id', [tenantId]),
      clicks: await q('select user_id, product_id, clicked_at, placement, strategy, experiment_id, arm from recommendation_clicks where tenant_id = $1 order by user_id, product_id', [tenantId]),
      profiles: await q('select user_id, recent, event_count, purchase_count, total_spend, last_purchase_at, traits from user_profiles where tenant_id = $1 order by user_id', [tenantId]),
      daily: await q('select day, placement, strategy, experiment_id, arm, impressions, clicks, conversions, revenue from analytics_daily where tenant_id = $1 order by 1, 2, 3, 4, 5', [tenantId]),
      products: await q('select day, product_id, placement, strategy, impressions, clicks, conversions, revenue from analytics_product_daily where tenant_id = $1 order by 1, 2, 3, 4', [tenantId]),
      pending: (await q<{ n: number }>('select count(*)::int as n from import_stored where tenant_id = $1', [tenantId]))[0].n,
    })
    const job = (jobId: string) => ({ jobId, commit: async () => {} })

    test('a chunk no stored event collides with is COPYed straight in; a planted collision sends it through the merge; both store the same', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      const [jobA, jobB] = [crypto.randomUUID(), crypto.randomUUID()]
      // B already holds one of the chunk's events (u2 viewed p1, e1): the probe finds it, the chunk is merged.
      const planted = chunkOf(b.tenantId)[3]
      expect(await events.storeImported([planted], job(jobB))).toEqual({ accepted: 1, duplicates: 0, direct })
      expect(await events.storeImported(chunkOf(a.tenantId), job(jobA))).toEqual({ accepted: 6, duplicates: 2, direct })
      expect(await events.storeImported(chunkOf(b.tenantId), job(jobB))).toEqual({ accepted: 5, duplicates: 3, direct: false })
      await events.foldImported(jobA)
      await events.foldImported(jobB)
      const [sa, sb] = [await stateOf(a.tenantId), await stateOf(b.tenantId)]
      expect(sa.events).toHaveLength(6)
      expect(sa.purchases).toEqual([
        { user_id: 'u1', product_id: 'p1', last_ms: at(40).getTime(), purchases: 2 },
        { user_id: 'u2', product_id: 'p2', last_ms: at(10).getTime(), purchases: 1 }])
      expect(sa.clicks).toMatchObject([{ user_id: 'u2', product_id: 'p2', placement: 'home', strategy: 'trending', experiment_id: 'x1', arm: 'b' }])
      expect(sa.pending).toBe(0)
      expect(sa).toEqual(sb)
      // The same chunk again: every row a duplicate, nothing new stored (the probe sends it through the merge).
      expect(await events.storeImported(chunkOf(a.tenantId), job(jobA))).toEqual({ accepted: 0, duplicates: 8, direct: false })
      await events.foldImported(jobA)
      expect(await stateOf(a.tenantId)).toEqual(sa)
    })

    if (direct) {
      test('an event stored between the probe and the COPY (live ingestion): the chunk is rolled back and merged, counts exact', async () => {
        const a = await t.tenantWithKeys()
        const rows = chunkOf(a.tenantId)
        let planted = 0
        // The probe sees nothing; then a live write of one of the chunk's events commits on another connection.
        const plant = async () => {
          planted++
          await events.ingestBatch({ id: a.tenantId, attributionWindowHours: 24 }, [{ eventType: 'purchase', userId: 'u2', productId: 'p2', timestamp: at(10).toISOString(), metadata: { price: 5 } }])
        }
        const wrap = (raw: RawSql, inTx: boolean): RawSql => ({
          query: async (text, params) => {
            const r = await raw.query(text, params)
            if (inTx && text.startsWith(DIRECT_PROBE) && !planted) await plant()
            return r as never
          },
          transaction: (fn) => raw.transaction((tx) => fn(wrap(tx, true))),
          ...(raw.copyFrom ? { copyFrom: raw.copyFrom.bind(raw) } : {}),
        })
        const racing = createEventService({ db: database.db, raw: wrap(database.raw, false), clock: () => new Date() } as unknown as EventDeps)
        const jobId = crypto.randomUUID()
        expect(await racing.storeImported(rows, job(jobId))).toEqual({ accepted: 5, duplicates: 3, direct: false })
        expect(planted).toBe(1)
        await racing.foldImported(jobId)
        const s = await stateOf(a.tenantId)
        expect(s.events).toHaveLength(6)
        expect(s.purchases).toEqual([
          { user_id: 'u1', product_id: 'p1', last_ms: at(40).getTime(), purchases: 2 },
          { user_id: 'u2', product_id: 'p2', last_ms: at(10).getTime(), purchases: 1 }])
        expect(s.pending).toBe(0)
        const [u2] = s.profiles.filter((p) => p.user_id === 'u2') as { event_count: number; purchase_count: number }[]
        expect(u2).toMatchObject({ event_count: 3, purchase_count: 1 })
      })
    }

    test('live events sent while a large import runs on the same tenant: each event stored once, the counts add up', async () => {
      const k = await t.tenantWithKeys()
      const n = 3000
      // Three passes over 20 shoppers' purchases; the live batches send every third one of them too.
      const lines = ['eventType,userId,productId,timestamp']
      const live: unknown[] = []
      for (let i = 0; i < n; i++) {
        const e = { eventType: 'purchase', userId: `s${i % 20}`, productId: `p${i % 37}`, timestamp: new Date(NOW - 3600_000 - i * 1000).toISOString() }
        lines.push(`${e.eventType},${e.userId},${e.productId},${e.timestamp}`)
        if (i % 3 === 0) live.push(e)
      }
      const res = await t.app.handle(new Request('http://localhost/api/v1/imports?type=events', { method: 'POST', headers: { 'x-api-key': k.writeKey, 'content-type': 'text/csv' }, body: lines.join('\n') }))
      expect(res.status).toBe(202)
      const id = ((await res.json()) as { data: { id: string } }).data.id
      let liveAccepted = 0
      for (let i = 0; i < live.length; i += 100) {
        const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: live.slice(i, i + 100) } })
        liveAccepted += r.body.data.accepted
      }
      await t.app.services.imports.settle()
      const jobState = (await t.req('GET', `/api/v1/imports/${id}`, { key: k.writeKey })).body.data
      expect(jobState).toMatchObject({ status: 'completed', rowsRead: n })
      expect(jobState.accepted + liveAccepted).toBe(n)
      expect(jobState.duplicates).toBe(n - jobState.accepted)
      const [{ c }] = await q<{ c: number }>('select count(*)::int as c from events where tenant_id = $1', [k.tenantId])
      expect(c).toBe(n)
      const [{ bought }] = await q<{ bought: number }>('select sum(purchases)::int as bought from user_purchases where tenant_id = $1', [k.tenantId])
      expect(bought).toBe(n)
      const [{ counted }] = await q<{ counted: number }>('select sum(event_count)::int as counted from user_profiles where tenant_id = $1', [k.tenantId])
      expect(counted).toBe(n)
    })
  })
}
