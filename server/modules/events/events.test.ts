import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { createApp } from '../../app.ts'
import { loadConfig } from '../../config.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'

const iso = (d: Date) => d.toISOString()
const NOW = Date.now()
const ago = (ms: number) => new Date(NOW - ms)
const H = 3600_000

for (const name of BACKENDS) {
  describe(`events [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const q = database.raw.query.bind(database.raw)
    const ev = (o: Record<string, unknown> = {}) => ({ eventType: 'product_viewed', userId: 'u1', productId: 'p1', timestamp: iso(ago(60_000)), ...o })

    test('one event: 202 with its id once stored; the same event again: 200 duplicate, one row (FR-016)', async () => {
      const k = await t.tenantWithKeys()
      const e = ev({ sessionId: 's1', metadata: { source: 'test' } })
      const a = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: e })
      expect(a.status).toBe(202)
      expect(a.body.data).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'accepted' })
      const b = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: e })
      expect(b.status).toBe(200)
      expect(b.body.data).toEqual({ status: 'duplicate' })
      const rows = await q<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [k.tenantId])
      expect(rows[0].n).toBe(1)
      // timestamp defaults to now
      const c = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'add_to_cart', userId: 'u1', productId: 'p2' } })
      expect(c.status).toBe(202)
    })

    test('field-level 400s, and nothing stored', async () => {
      const k = await t.tenantWithKeys()
      const fields = async (body: unknown) => expectProblem(await t.req('POST', '/api/v1/events', { key: k.writeKey, body }), 400).errors!.map((e) => e.field).sort()
      expect(await fields({ eventType: 'product_viewed', productId: 'p' })).toEqual(['userId'])
      expect(await fields(ev({ eventType: 'teleported' }))).toEqual(['eventType'])
      expect(await fields(ev({ timestamp: iso(new Date(Date.now() + 6 * 60_000)) }))).toEqual(['timestamp'])
      expect(await fields(ev({ timestamp: 'yesterday' }))).toEqual(['timestamp'])
      expect(await fields(ev({ metadata: { blob: 'x'.repeat(5000) } }))).toEqual(['metadata'])
      expect(await fields(ev({ metadata: [1, 2] }))).toEqual(['metadata'])
      expect(await fields(ev({ eventType: 'purchase', metadata: { price: -1 } }))).toEqual(['metadata.price'])
      expect(await fields(ev({ userId: 42 }))).toEqual(['userId'])
      expect(await fields(ev({ colour: 'red' }))).toEqual(['colour'])
      expectProblem(await t.req('POST', '/api/v1/events', { key: k.writeKey, raw: '{"eventType":' }), 400)
      expect((await t.req('POST', '/api/v1/events', { key: k.writeKey, body: ev({ timestamp: iso(new Date(Date.now() + 4 * 60_000)) }) })).status).toBe(202)
      expect((await q<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [k.tenantId]))[0].n).toBe(1)
    })

    test('batch: partial acceptance with per-index errors; duplicates counted; 101 events refused whole', async () => {
      const k = await t.tenantWithKeys()
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ userId: 'a' }), ev({ userId: 'b' }), { eventType: 'nope' }, ev({ userId: 'a' }), ev({ userId: 'c', timestamp: iso(new Date(Date.now() + H)) }),
      ] } })
      expect(r.status).toBe(202)
      expect(r.body.data.accepted).toBe(2)
      expect(r.body.data.duplicates).toBe(1)
      expect(r.body.data.rejected.map((x: { index: number }) => x.index)).toEqual([2, 4])
      expect(r.body.data.rejected[1].errors).toEqual([{ field: 'timestamp', message: expect.stringContaining('future') }])
      const big = { events: Array.from({ length: 101 }, (_, i) => ev({ userId: `big${i}` })) }
      const p = expectProblem(await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: big }), 400)
      expect(p.errors![0].field).toBe('events')
      expect((await q<{ n: number }>("select count(*)::int as n from events where tenant_id = $1 and user_id like 'big%'", [k.tenantId]))[0].n).toBe(0)
      const full = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: big.events.slice(0, 100) } })
      expect(full.body.data.accepted).toBe(100)
    })

    test('read keys may not write events (403 with the exact detail); no key: 401', async () => {
      const k = await t.tenantWithKeys()
      expect(expectProblem(await t.req('POST', '/api/v1/events', { key: k.readKey, body: ev() }), 403).detail).toBe('Insufficient permissions: write access required')
      expectProblem(await t.req('POST', '/api/v1/events/batch', { key: k.readKey, body: { events: [ev()] } }), 403)
      expectProblem(await t.req('POST', '/api/v1/events', { body: ev() }), 401)
      expect((await q<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [k.tenantId]))[0].n).toBe(0)
    })

    test('/track: read key, text/plain (sendBeacon), one or many, browser-safe types only, CORS', async () => {
      const k = await t.tenantWithKeys()
      const plain = { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' }
      const one = await t.req('POST', '/api/v1/track', { key: k.readKey, raw: JSON.stringify(ev({ eventType: 'recommendation_impressed', placement: 'home' })), headers: plain })
      expect(one.status).toBe(202)
      expect(one.headers.get('access-control-allow-origin')).toBe('https://shop.example')
      const many = await t.req('POST', '/api/v1/track', { key: k.readKey, raw: JSON.stringify([ev({ eventType: 'recommendation_clicked', placement: 'home' }), ev({ eventType: 'purchase' })]), headers: plain })
      expect(many.status).toBe(202)
      expect(many.body.data.accepted).toBe(1)
      expect(many.body.data.rejected[0]).toEqual({ index: 1, errors: [{ field: 'eventType', message: expect.stringContaining('backend') }] })
      expectProblem(await t.req('POST', '/api/v1/track', { key: k.readKey, body: ev({ eventType: 'purchase', metadata: { price: 1e6 } }) }), 400)
      expectProblem(await t.req('POST', '/api/v1/track', { key: k.readKey, raw: 'not json', headers: plain }), 400)
      expectProblem(await t.req('POST', '/api/v1/track', { key: k.readKey, body: Array.from({ length: 51 }, () => ev()) }), 413)
      const pre = await t.req('OPTIONS', '/api/v1/track', { headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' } })
      expect(pre.status).toBeLessThan(300)
      expect((await q<{ n: number }>("select count(*)::int as n from events where tenant_id = $1 and event_type = 'purchase'", [k.tenantId]))[0].n).toBe(0)
    })

    test('GET /events: newest first, filters, pagination; an accepted event is listed at once', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ userId: 'x', timestamp: iso(ago(3 * H)) }), ev({ userId: 'x', eventType: 'add_to_cart', timestamp: iso(ago(2 * H)) }),
        ev({ userId: 'y', productId: 'p9', timestamp: iso(ago(1 * H)) }),
      ] } })
      const all = await t.req('GET', '/api/v1/events', { key: k.writeKey })
      expect(all.body.data.map((e: { userId: string }) => e.userId)).toEqual(['y', 'x', 'x'])
      expect(all.body.meta.pagination).toEqual({ total: 3, limit: 20, offset: 0, hasMore: false, nextCursor: null })
      expect((await t.req('GET', '/api/v1/events?userId=x&eventType=add_to_cart', { key: k.writeKey })).body.data).toHaveLength(1)
      expect((await t.req('GET', '/api/v1/events?productId=p9', { key: k.writeKey })).body.data[0].userId).toBe('y')
      expect((await t.req('GET', `/api/v1/events?from=${encodeURIComponent(iso(ago(2.5 * H)))}`, { key: k.writeKey })).body.data).toHaveLength(2)
      expect((await t.req('GET', `/api/v1/events?to=${encodeURIComponent(iso(ago(2.5 * H)))}`, { key: k.writeKey })).body.data).toHaveLength(1)
      const p2 = await t.req('GET', '/api/v1/events?limit=2&offset=2', { token: k.token, tenant: k.tenantId })
      expect(p2.body.data).toHaveLength(1)
      expectProblem(await t.req('GET', '/api/v1/events?eventType=nope', { key: k.writeKey }), 400)
      expectProblem(await t.req('GET', '/api/v1/events?from=yesterday', { key: k.writeKey }), 400)
    })

    test('cross-tenant: events are invisible to other tenants; the same event is independent per tenant', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      const e = ev({ userId: 'shared-user' })
      expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: e })).status).toBe(202)
      expect((await t.req('POST', '/api/v1/events', { key: b.writeKey, body: e })).status).toBe(202)
      await t.req('POST', '/api/v1/events', { key: a.writeKey, body: ev({ userId: 'only-a' }) })
      const listB = await t.req('GET', '/api/v1/events', { key: b.writeKey })
      expect(listB.body.data.map((x: { userId: string }) => x.userId)).toEqual(['shared-user'])
      expect((await t.req('GET', '/api/v1/events?userId=only-a', { key: b.writeKey })).body.data).toHaveLength(0)
      // An admin may not read another admin's tenant through X-Tenant-ID.
      expectProblem(await t.req('GET', '/api/v1/events', { token: b.token, tenant: a.tenantId }), 404)
      expectProblem(await t.req('POST', '/api/v1/events', { token: b.token, tenant: a.tenantId, body: ev() }), 404)
    })

    test('back-dated events land in a monthly partition created on demand', async () => {
      // A clock in 2011: the event lies within its retention window, in a month no partition covers yet.
      const then = await testApp(name, {}, () => new Date('2011-01-20T00:00:00Z'))
      const k = await then.tenantWithKeys()
      expect((await then.req('POST', '/api/v1/events', { key: k.writeKey, body: ev({ timestamp: '2010-12-01T08:26:00Z' }) })).status).toBe(202)
      const parts = await q<{ name: string }>("select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass")
      expect(parts.map((p) => p.name)).toContain('events_y2010m12')
      const [{ rel }] = await q<{ rel: string }>("select tableoid::regclass::text as rel from events where tenant_id = $1", [k.tenantId])
      expect(rel).toBe('events_y2010m12')
    })

    test('rollups and attribution: impressions, clicks, and purchases within the window (price × quantity, else catalog price)', async () => {
      // Counted back from 23:00 UTC yesterday, so the clicks and purchases share a day whatever the hour
      // (from now, the run between 09:00 and 10:00 UTC put them either side of midnight).
      const ago = (ms: number) => new Date(NOW - (NOW % (24 * H)) - H - ms)
      const k = await t.tenantWithKeys({ attributionWindowHours: 24 })
      await q("insert into catalog_items (tenant_id, product_id, name, price) values ($1, 'p2', 'Grinder', 40)", [k.tenantId])
      const day = iso(ago(10 * H)).slice(0, 10)
      const base = { placement: 'product-page', strategy: 'collaborative' }
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ eventType: 'recommendation_impressed', userId: 'u', productId: 'p1', timestamp: iso(ago(10 * H)), ...base }),
        ev({ eventType: 'recommendation_impressed', userId: 'u', productId: 'p2', timestamp: iso(ago(10 * H)), ...base }),
        ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p1', timestamp: iso(ago(10 * H - 1000)), ...base }),
        ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p2', timestamp: iso(ago(10 * H - 2000)), ...base }),
      ] } })
      // Purchases: p1 with price × quantity (attributed), p2 without price (catalog 40, attributed),
      // p3 never clicked (not attributed), and p1 by a user who never clicked.
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ eventType: 'purchase', userId: 'u', productId: 'p1', timestamp: iso(ago(9 * H)), metadata: { price: 12.5, quantity: 2, orderId: 'o1' } }),
        ev({ eventType: 'purchase', userId: 'u', productId: 'p2', timestamp: iso(ago(9 * H)), metadata: { orderId: 'o1' } }),
        ev({ eventType: 'purchase', userId: 'u', productId: 'p3', timestamp: iso(ago(9 * H)), metadata: { price: 99 } }),
        ev({ eventType: 'purchase', userId: 'other', productId: 'p1', timestamp: iso(ago(9 * H)), metadata: { price: 99 } }),
      ] } })
      const daily = await q<{ day: string; placement: string; impressions: number; clicks: number; conversions: number; revenue: number }>(
        'select day::text as day, placement, impressions::int, clicks::int, conversions::int, revenue from analytics_daily where tenant_id = $1', [k.tenantId])
      expect(daily).toEqual([{ day, placement: 'product-page', impressions: 2, clicks: 2, conversions: 2, revenue: 65 }])
      const prod = await q<{ product_id: string; conversions: number; revenue: number }>(
        'select product_id, conversions::int, revenue from analytics_product_daily where tenant_id = $1 and conversions > 0 order by product_id', [k.tenantId])
      expect(prod).toEqual([{ product_id: 'p1', conversions: 1, revenue: 25 }, { product_id: 'p2', conversions: 1, revenue: 40 }])
      // Outside the window: a purchase 25 h after the click is not attributed.
      const k2 = await t.tenantWithKeys({ attributionWindowHours: 24 })
      await t.req('POST', '/api/v1/events', { key: k2.writeKey, body: ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p1', timestamp: iso(ago(30 * H)), ...base }) })
      await t.req('POST', '/api/v1/events', { key: k2.writeKey, body: ev({ eventType: 'purchase', userId: 'u', productId: 'p1', timestamp: iso(ago(5 * H)), metadata: { price: 10 } }) })
      const d2 = await q<{ conversions: number }>('select sum(conversions)::int as conversions from analytics_daily where tenant_id = $1', [k2.tenantId])
      expect(d2[0].conversions).toBe(0)
      // Out of order: a later click is already recorded when an earlier purchase
      // arrives; the click before the purchase is found in the history.
      const k3 = await t.tenantWithKeys({ attributionWindowHours: 24 })
      await t.req('POST', '/api/v1/events/batch', { key: k3.writeKey, body: { events: [
        ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p1', timestamp: iso(ago(8 * H)), placement: 'early', strategy: 'trending' }),
        ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p1', timestamp: iso(ago(2 * H)), placement: 'late', strategy: 'trending' }),
      ] } })
      await t.req('POST', '/api/v1/events', { key: k3.writeKey, body: ev({ eventType: 'purchase', userId: 'u', productId: 'p1', timestamp: iso(ago(5 * H)), metadata: { price: 7 } }) })
      const d3 = await q<{ placement: string; conversions: number; revenue: number }>('select placement, conversions::int, revenue from analytics_daily where tenant_id = $1 and conversions > 0', [k3.tenantId])
      expect(d3).toEqual([{ placement: 'early', conversions: 1, revenue: 7 }])
      // Duplicates change nothing.
      await t.req('POST', '/api/v1/events', { key: k.writeKey, body: ev({ eventType: 'recommendation_clicked', userId: 'u', productId: 'p1', timestamp: iso(ago(10 * H - 1000)), ...base }) })
      expect((await q<{ clicks: number }>('select sum(clicks)::int as clicks from analytics_daily where tenant_id = $1', [k.tenantId]))[0].clicks).toBe(2)
    })

    test('the user profile is updated in the same transaction: newest first, purchases remembered', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events', { key: k.writeKey, body: ev({ userId: 'pf', productId: 'a', timestamp: iso(ago(3000)) }) })
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ userId: 'pf', productId: 'b', eventType: 'purchase', timestamp: iso(ago(1000)) }), ev({ userId: 'pf', productId: 'c', timestamp: iso(ago(2000)) }),
      ] } })
      const { findProfiles } = await import('../../../db/queries/profiles.ts')
      const found = await findProfiles(database.raw, k.tenantId, ['pf', 'nobody'])
      expect([...found.keys()]).toEqual(['pf'])
      const p = found.get('pf')!
      expect(p.recent.map((x) => x.productId)).toEqual(['b', 'c', 'a'])
      expect(p.purchased).toEqual(['b'])
      expect(p.eventCount).toBe(3)
    })

    test('retention: events older than 90 days are folded into daily summaries and dropped', async () => {
      const k = await t.tenantWithKeys()
      // Stored while 2011 was recent (a clock then), kept past their retention window.
      const then = await testApp(name, {}, () => new Date('2011-03-20T00:00:00Z'))
      await then.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev({ userId: 'r1', productId: 'px', timestamp: '2011-03-15T10:00:00Z', eventId: 'old-1' }), ev({ userId: 'r2', productId: 'px', timestamp: '2011-03-15T11:00:00Z' }),
      ] } })
      await t.req('POST', '/api/v1/events', { key: k.writeKey, body: ev({ userId: 'r1', productId: 'px', timestamp: iso(ago(H)), eventId: 'new-1' }) })
      const { folded } = await t.app.services.events.maintain()
      expect(folded).toBeGreaterThanOrEqual(2)
      // Their idempotency keys go with them; a recent one stays.
      expect((await q<{ event_id: string }>('select event_id from event_ids where tenant_id = $1', [k.tenantId])).map((r) => r.event_id)).toEqual(['new-1'])
      const left = await q<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [k.tenantId])
      expect(left[0].n).toBe(1)
      const sums = await q<{ day: string; events: number; users: number }>("select day::text as day, events::int, users::int from event_daily_summaries where tenant_id = $1", [k.tenantId])
      expect(sums).toEqual([{ day: '2011-03-15', events: 2, users: 2 }])
      const parts = await q<{ name: string }>("select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass")
      expect(parts.map((p) => p.name)).not.toContain('events_y2011m03')
    })
  })
}

for (const name of BACKENDS) describe(`database outage [${name}]`, () => {
  test('events get 503 with Retry-After, never a false 202; recovery needs no restart', async () => {
    const b = await backend(name)
    let down = true
    // As the drivers report it: a socket error with its code (an error without one is a bug: 500).
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const failing = {
      ...b.database,
      raw: {
        query: ((text: string, params?: unknown[]) => (down ? Promise.reject(refused()) : b.database.raw.query(text, params))) as RawSql['query'],
        transaction: (<T>(fn: (tx: RawSql) => Promise<T>) => (down ? Promise.reject(refused()) : b.database.raw.transaction(fn))) as RawSql['transaction'],
      },
    }
    const app = await createApp({
      config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database: failing, cache: new MemoryCache(), log: quietLog,
      mailer: { send: async () => {} }, usageFlushMs: 0,
      secrets: { jwtSecret: 'x'.repeat(40), apiKeyPepper: 'y'.repeat(40) },
    })
    // Accounts and keys go through the drizzle client, which stays up; only the raw event path fails.
    const admin = await app.handle(new Request('http://localhost/api/v1/auth/signup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `outage-${Date.now()}@example.com`, password: 'correct horse battery', name: 'O' }) }))
    const token = (await admin.json()).data.accessToken
    const tenant = await (await app.handle(new Request('http://localhost/api/v1/tenants', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"name":"Outage"}' }))).json()
    const key = await (await app.handle(new Request(`http://localhost/api/v1/tenants/${tenant.data.id}/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"name":"w","permissions":"write"}' }))).json()
    const send = () => app.handle(new Request('http://localhost/api/v1/events', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key.data.key }, body: JSON.stringify({ eventType: 'product_viewed', userId: 'u', productId: 'p', timestamp: new Date(Date.now() - 1000).toISOString() }) }))
    const r = await send()
    expect(r.status).toBe(503)
    expect(r.headers.get('content-type')).toStartWith('application/problem+json')
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await b.database.raw.query<{ n: number }>('select count(*)::int as n from events where tenant_id = $1', [tenant.data.id]))[0].n).toBe(0)
    down = false
    expect((await send()).status).toBe(202)
  })
})
