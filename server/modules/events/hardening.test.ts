// Issue 17, items 1, 2, 4, 5 and 13 (eventId) for events: one tenant's bad
// input must neither fail nor slow another's ingestion, and paging is exact.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { createApp } from '../../app.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { loadConfig } from '../../config.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, TEST_SECRETS, testApp } from '../../test/harness.ts'
import { timestampProblem, timestampWindow } from './service.ts'

const D = 86400_000

describe('timestamp window', () => {
  const now = new Date('2026-06-15T12:00:00Z')
  test('[now − 90 days, now + 5 min], both ends included', () => {
    expect(timestampWindow(now)).toEqual({ earliest: new Date('2026-03-17T12:00:00Z'), latest: new Date('2026-06-15T12:05:00Z') })
    expect(timestampProblem(new Date('2026-03-17T12:00:00Z'), now)).toBeNull()
    expect(timestampProblem(new Date('2026-06-15T12:05:00Z'), now)).toBeNull()
    expect(timestampProblem(new Date('2026-03-17T11:59:59.999Z'), now)).toContain('90 days in the past')
    expect(timestampProblem(new Date('2026-06-15T12:05:00.001Z'), now)).toContain('5 minutes in the future')
    expect(timestampProblem(new Date('0000-06-01T00:00:00Z'), now)).toContain('90 days in the past')
    expect(timestampProblem(new Date('nonsense'), now)).toBe('is not a valid date-time')
    expect(timestampProblem(new Date('2026-01-01T00:00:00Z'), now, 365)).toBeNull() // the window is a parameter (a tenant setting later)
  })
})

const partitions = async (raw: RawSql) => (await raw.query<{ n: number }>("select count(*)::int as n from pg_inherits where inhparent = 'events'::regclass"))[0].n

/** A PostgreSQL-like error, as the drivers raise it (SQLSTATE in `code`). */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })

for (const name of BACKENDS) {
  describe(`events hardening [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const q = database.raw.query.bind(database.raw)
    const count = async (tenantId: string) => (await q<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [tenantId]))[0].n
    const ev = (o: Record<string, unknown> = {}) => ({ eventType: 'product_viewed', userId: 'u1', productId: 'p1', timestamp: new Date(Date.now() - 60_000).toISOString(), ...o })

    test('a year-0000 timestamp: 400 naming timestamp (not 503 + Retry-After); other tenants sending at the same moment are stored', async () => {
      const bad = await t.tenantWithKeys()
      const good = await t.tenantWithKeys()
      const [b, ...others] = await Promise.all([
        t.req('POST', '/api/v1/events', { key: bad.writeKey, body: ev({ timestamp: '0000-06-01T00:00:00Z' }) }),
        ...Array.from({ length: 10 }, (_, i) => t.req('POST', '/api/v1/events', { key: good.writeKey, body: ev({ userId: `g${i}` }) })),
      ])
      const p = expectProblem(b, 400)
      expect(p.errors!.map((e) => e.field)).toEqual(['timestamp'])
      expect(b.headers.get('retry-after')).toBeNull()
      expect(others.map((r) => r.status)).toEqual(Array(10).fill(202))
      expect(await count(good.tenantId)).toBe(10)
      expect(await count(bad.tenantId)).toBe(0)
      // In a batch: that row is rejected, the rest stored.
      const r = await t.req('POST', '/api/v1/events/batch', { key: bad.writeKey, body: { events: [ev({ userId: 'a' }), ev({ userId: 'b', timestamp: '0000-06-01T00:00:00Z' }), ev({ userId: 'c', timestamp: new Date(Date.now() - 91 * D).toISOString() })] } })
      expect(r.status).toBe(202)
      expect(r.body.data.accepted).toBe(1)
      expect(r.body.data.rejected.map((x: { index: number; errors: { field: string }[] }) => [x.index, x.errors[0].field])).toEqual([[1, 'timestamp'], [2, 'timestamp']])
    })

    test('partition bomb: a batch dated 2000-01-15 and 2009-12-15 creates no partition', async () => {
      const k = await t.tenantWithKeys()
      const before = await partitions(database.raw)
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ userId: 'old1', timestamp: '2000-01-15T00:00:00Z' }), ev({ userId: 'old2', timestamp: '2009-12-15T00:00:00Z' }), ev({ userId: 'now' }),
      ] } })
      expect(r.body.data).toMatchObject({ accepted: 1, duplicates: 0 })
      expect(r.body.data.rejected.map((x: { index: number }) => x.index)).toEqual([0, 1])
      expect(await partitions(database.raw)).toBe(before)
    })

    test('the on-demand path makes the months used, not the months between (ensure_event_months)', async () => {
      // Far-off months no test stores into: made on demand here, dropped again below.
      const before = await partitions(database.raw)
      await q("select ensure_event_months(array['1990-01-15T00:00:00Z', '1999-12-15T00:00:00Z']::timestamptz[])")
      expect(await partitions(database.raw)).toBe(before + 2)
      await q('drop table events_y1990m01'); await q('drop table events_y1999m12')
    })

    test('a row the database refuses fails alone: the rest of its group, other tenants included, is stored and acknowledged', async () => {
      const victim = await t.tenantWithKeys()
      const hostile = await t.tenantWithKeys()
      // The database refuses any write carrying the marker; its group must split until that row is alone.
      let inserts = 0
      let shared = 0 // the most other-tenant rows written in one attempt beside a refused row
      let refusal: Error = pgError('22P05', 'unsupported Unicode escape sequence')
      const wrap = (tx: RawSql): RawSql => ({
        query: ((text: string, params?: unknown[]) => {
          if (text.includes('insert into events')) {
            inserts++
            if (String(params![0]).includes('refuse-me')) {
              shared = Math.max(shared, (JSON.parse(String(params![0])) as { t: string }[]).filter((r) => r.t === victim.tenantId).length)
              return Promise.reject(refusal)
            }
          }
          return tx.query(text, params)
        }) as RawSql['query'],
        transaction: ((fn: (tx: RawSql) => Promise<unknown>) => fn(wrap(tx))) as RawSql['transaction'],
      })
      const refusing = { ...database, raw: { query: database.raw.query.bind(database.raw), transaction: ((fn: (tx: RawSql) => Promise<unknown>) => database.raw.transaction((tx) => fn(wrap(tx)))) as RawSql['transaction'] } }
      const app = await createApp({
        config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database: refusing, cache: new MemoryCache(), log: quietLog,
        mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS,
      })
      const send = async (key: string, path: string, body: unknown) => {
        const res = await app.handle(new Request(`http://localhost/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) }))
        return { status: res.status, headers: res.headers, body: await res.json() as any, text: '' }
      }
      // Keys looked up once beforehand, so that the requests below reach the committer in one tick and share a group.
      for (const k of [victim, hostile]) expect((await send(k.writeKey, '/events', ev({ userId: 'warm-up' }))).status).toBe(202)
      inserts = 0
      const [bad, batch, ...fine] = await Promise.all([
        send(hostile.writeKey, '/events', ev({ productId: 'refuse-me' })),
        send(hostile.writeKey, '/events/batch', { events: [ev({ userId: 'h1' }), ev({ userId: 'h2', productId: 'refuse-me' }), ev({ userId: 'h3' })] }),
        ...Array.from({ length: 20 }, (_, i) => send(victim.writeKey, '/events', ev({ userId: `v${i}` }))),
      ])
      expect(shared).toBe(20) // the victim's events did share a group with the refused rows
      const p = expectProblem(bad as never, 400)
      expect(p.detail).toContain('SQLSTATE 22P05')
      expect(batch.status).toBe(202)
      expect(batch.body.data.accepted).toBe(2)
      expect(batch.body.data.rejected).toEqual([{ index: 1, errors: [{ field: '(item)', message: expect.stringContaining('SQLSTATE 22P05') }] }])
      expect(fine.map((r) => r.status)).toEqual(Array(20).fill(202))
      expect(await count(victim.tenantId)).toBe(21)
      expect(await count(hostile.tenantId)).toBe(3)
      expect(inserts).toBeLessThan(24) // split in halves, not row by row
      // Busy (deadlock, timeout): 503 with a short Retry-After; no SQLSTATE (a bug): a logged 500, nothing stored.
      refusal = pgError('40P01', 'deadlock detected')
      const busy = await send(hostile.writeKey, '/events', ev({ productId: 'refuse-me', userId: 'x' }))
      expect(expectProblem(busy as never, 503) && busy.headers.get('retry-after')).toBe('1')
      refusal = new Error('something unexpected')
      expect((await send(hostile.writeKey, '/events', ev({ productId: 'refuse-me', userId: 'y' }))).status).toBe(500)
      refusal = pgError('57014', 'canceling statement due to statement timeout')
      const timedOut = await send(hostile.writeKey, '/events/batch', { events: [ev({ productId: 'refuse-me', userId: 'z' })] })
      expect(timedOut.status).toBe(503)
      expect(await count(hostile.tenantId)).toBe(3)
      await app.shutdown()
    })

    test('paging a tied batch (same timestamp, same received) returns every row exactly once, by offset and by cursor', async () => {
      const k = await t.tenantWithKeys()
      const ts = new Date(Date.now() - 120_000).toISOString()
      const rs = await Promise.all(Array.from({ length: 5 }, (_, b) => t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: {
        events: Array.from({ length: 100 }, (_, i) => ev({ userId: `u${b * 100 + i}`, timestamp: ts })),
      } })))
      expect(rs.map((r) => r.body.data.accepted)).toEqual([100, 100, 100, 100, 100])
      // Ties indeed: one timestamp, and a received_at per group written (at most one per request).
      expect((await q<{ n: number }>('select count(distinct (ts, received_at))::int as n from events where tenant_id = $1', [k.tenantId]))[0].n).toBeLessThanOrEqual(5)
      const byOffset: string[] = []
      for (let offset = 0; ; offset += 37) {
        const r = await t.req('GET', `/api/v1/events?limit=37&offset=${offset}`, { key: k.writeKey })
        byOffset.push(...r.body.data.map((e: { id: string }) => e.id))
        if (!r.body.meta.pagination.hasMore) break
      }
      const byCursor: string[] = []
      let cursor: string | null = null
      do {
        const r: any = await t.req('GET', `/api/v1/events?limit=37${cursor ? `&cursor=${cursor}` : ''}`, { key: k.writeKey })
        expect(r.status).toBe(200)
        byCursor.push(...r.body.data.map((e: { id: string }) => e.id))
        cursor = r.body.meta.pagination.nextCursor
        expect(r.body.meta.pagination.hasMore).toBe(cursor !== null)
      } while (cursor)
      expect(byOffset).toHaveLength(500)
      expect(new Set(byOffset).size).toBe(500)
      expect(byCursor).toEqual(byOffset)
    })

    test('cursor: with offset → 400 naming offset; forged → 400 naming cursor; total counts to 10,001', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [ev({ userId: 'a' }), ev({ userId: 'b' })] } })
      const first = await t.req('GET', '/api/v1/events?limit=1', { key: k.writeKey })
      const cursor = first.body.meta.pagination.nextCursor
      expect(typeof cursor).toBe('string')
      expect(expectProblem(await t.req('GET', `/api/v1/events?cursor=${cursor}&offset=5`, { key: k.writeKey }), 400).errors!.map((e) => e.field)).toEqual(['offset'])
      const forged = [Buffer.from('[1,2]').toString('base64url'), Buffer.from('[1e300,2,"00000000-0000-0000-0000-000000000000"]').toString('base64url'),
        Buffer.from('[1,2,"x\');drop table events;--"]').toString('base64url'), 'not-base64!!']
      for (const c of forged) expect(expectProblem(await t.req('GET', `/api/v1/events?cursor=${encodeURIComponent(c)}`, { key: k.writeKey }), 400).errors!.map((e) => e.field)).toEqual(['cursor'])
      const second = await t.req('GET', `/api/v1/events?limit=1&cursor=${cursor}`, { key: k.writeKey })
      expect(second.body.data.map((e: { userId: string }) => e.userId)).not.toEqual(first.body.data.map((e: { userId: string }) => e.userId))
      expect(second.body.meta.pagination).toMatchObject({ total: 2, hasMore: false, nextCursor: null })
      // A big tenant's total is counted only so far (10,001 = "more than 10,000"), so a list never scans everything.
      await q(`insert into events (tenant_id, event_type, user_id, product_id, ts)
        select $1::uuid, 'product_viewed', 'bulk' || g, 'p', now() - interval '1 hour' from generate_series(1, 10050) g`, [k.tenantId])
      const big = await t.req('GET', '/api/v1/events?limit=100&offset=9950', { key: k.writeKey })
      expect(big.body.meta.pagination).toMatchObject({ total: 10001, offset: 9950, hasMore: true, nextCursor: expect.any(String) })
      expect(big.body.data).toHaveLength(100)
    })

    test('eventId: a retry with the same key is acknowledged as a duplicate and stored once, even with another timestamp', async () => {
      const k = await t.tenantWithKeys()
      const e = { eventType: 'add_to_cart', userId: 'u', productId: 'p', eventId: 'order-42:line-1' }
      const a = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: e }) // no timestamp: now
      expect(a.status).toBe(202)
      const b = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { ...e, timestamp: new Date(Date.now() - 1000).toISOString() } })
      expect(b.status).toBe(200)
      expect(b.body.data).toEqual({ status: 'duplicate' })
      const batch = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [{ ...e, userId: 'other' }, { ...e, eventId: 'k2' }, { ...e, eventId: 'k2', userId: 'x' }] } })
      expect(batch.body.data).toEqual({ accepted: 1, duplicates: 2, rejected: [] })
      expect(await count(k.tenantId)).toBe(2)
      const listed = await t.req('GET', '/api/v1/events', { key: k.writeKey })
      expect(listed.body.data.map((x: { eventId: string | null }) => x.eventId).sort()).toEqual(['k2', 'order-42:line-1'])
      for (const eventId of ['', 'x'.repeat(129), 'has space', 'ü']) {
        expect(expectProblem(await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { ...e, eventId } }), 400).errors!.map((x) => x.field)).toEqual(['eventId'])
      }
    })

    test('eventId: independent per tenant', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      const e = ev({ eventId: 'shared-key-1' })
      expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: e })).status).toBe(202)
      expect((await t.req('POST', '/api/v1/events', { key: b.writeKey, body: { ...e, userId: 'someone-else' } })).status).toBe(202)
      expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: { ...e, userId: 'again' } })).status).toBe(200)
      expect([await count(a.tenantId), await count(b.tenantId)]).toEqual([1, 1])
    })

    test('eventId: the public key (/track) cannot pre-empt the eventIds a backend will send', async () => {
      const k = await t.tenantWithKeys()
      const e = { eventType: 'add_to_cart', userId: 'u', productId: 'p', eventId: 'order-7' }
      const tracked = await t.req('POST', '/api/v1/track', { key: k.readKey, body: [e, { ...e, userId: 'v' }] })
      expect(tracked.body.data).toEqual({ accepted: 1, duplicates: 1, rejected: [] }) // within /track, keys still dedupe
      expect((await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { ...e, eventType: 'purchase' } })).status).toBe(202)
      expect((await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { ...e, eventType: 'purchase', userId: 'w' } })).status).toBe(200)
      const listed = await t.req('GET', '/api/v1/events', { key: k.writeKey })
      expect(listed.body.data.map((x: { eventId: string }) => x.eventId)).toEqual(['order-7', 'order-7'])
    })
  })
}
