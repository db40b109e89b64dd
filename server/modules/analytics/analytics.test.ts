import { describe, expect, test } from 'bun:test'
import { BACKENDS, backend } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { csvField, fillDays, resolveRange, splitRange, toCsv } from './compute.ts'

describe('analytics: pure parts', () => {
  const now = new Date('2026-03-18T23:59:59.999Z') // a Wednesday
  test('ranges: presets end today (UTC), default 30d; from/to inclusive, to defaults to today', () => {
    expect(resolveRange({}, now)).toEqual({ from: '2026-02-17', to: '2026-03-18', range: '30d' })
    expect(resolveRange({ range: '7d' }, now)).toEqual({ from: '2026-03-12', to: '2026-03-18', range: '7d' })
    expect(resolveRange({ range: '90d' }, now)).toEqual({ from: '2025-12-19', to: '2026-03-18', range: '90d' })
    expect(resolveRange({ from: '2026-03-01' }, now)).toEqual({ from: '2026-03-01', to: '2026-03-18', range: 'custom' })
    expect(resolveRange({ from: '2025-03-18', to: '2026-03-18' }, now).from).toBe('2025-03-18') // 366 days
  })
  test('ranges: bad dates, from after to, more than 366 days, range with from/to, to alone are refused', () => {
    const field = (q: object) => { try { resolveRange(q, now); return 'accepted' } catch (e) { return (e as { errors: { field: string }[] }).errors.map((x) => x.field).join() } }
    expect(field({ from: '2026-02-30', to: '2026-03-01' })).toBe('from')
    expect(field({ from: 'yesterday' })).toBe('from')
    expect(field({ from: '2026-03-01T00:00:00Z' })).toBe('from')
    expect(field({ from: '2026-03-02', to: '2026-03-01' })).toBe('from')
    expect(field({ from: '2025-03-17', to: '2026-03-18' })).toBe('to')
    expect(field({ range: '7d', from: '2026-03-01' })).toBe('range')
    expect(field({ to: '2026-03-01' })).toBe('from')
    expect(field({ range: '1y' })).toBe('range')
  })
  test('a range splits into whole ISO weeks and the days at either end', () => {
    // 2026-03-02 and 2026-03-09 are Mondays.
    expect(splitRange('2026-03-02', '2026-03-15')).toEqual({ head: null, weeks: ['2026-03-02', '2026-03-09'], tail: null })
    expect(splitRange('2026-02-26', '2026-03-18')).toEqual({ head: ['2026-02-26', '2026-03-01'], weeks: ['2026-03-02', '2026-03-09'], tail: ['2026-03-16', '2026-03-18'] })
    expect(splitRange('2026-03-03', '2026-03-14')).toEqual({ head: ['2026-03-03', '2026-03-14'], weeks: null, tail: null })
    expect(splitRange('2026-03-18', '2026-03-18')).toEqual({ head: ['2026-03-18', '2026-03-18'], weeks: null, tail: null })
    expect(splitRange('2026-03-09', '2026-03-15')).toEqual({ head: null, weeks: ['2026-03-09', '2026-03-09'], tail: null })
  })
  test('zero days are filled; CSV fields are quoted and formula-guarded', () => {
    const pts = fillDays('2026-03-01', '2026-03-03', [{ day: '2026-03-02', impressions: 4, clicks: 1, conversions: 1, revenue: 0.1 + 0.2 }])
    expect(pts).toEqual([
      { date: '2026-03-01', impressions: 0, clicks: 0, conversions: 0, revenue: 0 },
      { date: '2026-03-02', impressions: 4, clicks: 1, conversions: 1, revenue: 0.3 },
      { date: '2026-03-03', impressions: 0, clicks: 0, conversions: 0, revenue: 0 },
    ])
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvField('-1')).toBe("'-1")
    expect(csvField(-1)).toBe('-1')
    expect(csvField(null)).toBe('')
    expect(toCsv([{ header: ['A', 'B'], rows: [[1, 'x']] }, { header: ['C'], rows: [] }])).toBe('A,B\r\n1,x\r\n\r\nC\r\n')
  })
})

// A fixed "now": Wednesday 2026-03-18, 12:00 UTC. Hand-computed fixture, window 24 h:
//   03-10  u1 sees and clicks p2 on home/collaborative (outside 7d, inside 30d)
//   03-16  impressions: u1 p1, u1 p2, u3 p2 (home/collaborative), u2 p1, u2 p3 (pdp/trending)
//          clicks: u1 p1 10:05 (home/collaborative), u2 p3 10:06 (pdp/trending)
//   03-17  u1 buys p1 at 10:05:00.000 = exactly 24 h after the click: attributed, 12.5 × 2 = 25
//          u2 buys p3 at 10:06:00.001 = 24 h + 1 ms after the click: not attributed
//          u3 clicks p2 08:00 (home/collaborative), buys 3 at 09:00 without a price: catalog 40 × 3 = 120
//          u4 buys p1 without ever clicking: not attributed
//          u5 sees p1 (trending, no placement) and clicks p3 13:00 (pdp/trending)
const NOW = new Date('2026-03-18T12:00:00Z')
const at = (s: string) => `2026-03-${s}Z`
const home = { placement: 'home', strategy: 'collaborative' }
const pdp = { placement: 'pdp', strategy: 'trending' }
const FIXTURE = [
  { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p2', timestamp: at('10T09:00:00'), ...home },
  { eventType: 'recommendation_clicked', userId: 'u1', productId: 'p2', timestamp: at('10T09:01:00'), ...home },
  { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p1', timestamp: at('16T10:00:00'), ...home },
  { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p2', timestamp: at('16T10:00:00'), ...home },
  { eventType: 'recommendation_impressed', userId: 'u3', productId: 'p2', timestamp: at('16T11:00:00'), ...home },
  { eventType: 'recommendation_impressed', userId: 'u2', productId: 'p1', timestamp: at('16T10:00:00'), ...pdp },
  { eventType: 'recommendation_impressed', userId: 'u2', productId: 'p3', timestamp: at('16T10:00:00'), ...pdp },
  { eventType: 'recommendation_clicked', userId: 'u1', productId: 'p1', timestamp: at('16T10:05:00.000'), ...home },
  { eventType: 'recommendation_clicked', userId: 'u2', productId: 'p3', timestamp: at('16T10:06:00.000'), ...pdp },
  { eventType: 'recommendation_clicked', userId: 'u3', productId: 'p2', timestamp: at('17T08:00:00'), ...home },
  { eventType: 'recommendation_impressed', userId: 'u5', productId: 'p1', timestamp: at('17T12:00:00'), strategy: 'trending' },
  { eventType: 'recommendation_clicked', userId: 'u5', productId: 'p3', timestamp: at('17T13:00:00'), ...pdp },
]
const PURCHASES = [
  { eventType: 'purchase', userId: 'u1', productId: 'p1', timestamp: at('17T10:05:00.000'), metadata: { price: 12.5, quantity: 2, orderId: 'o1' } },
  { eventType: 'purchase', userId: 'u2', productId: 'p3', timestamp: at('17T10:06:00.001'), metadata: { price: 99 } },
  { eventType: 'purchase', userId: 'u3', productId: 'p2', timestamp: at('17T09:00:00'), metadata: { quantity: 3 } },
  { eventType: 'purchase', userId: 'u4', productId: 'p1', timestamp: at('17T09:30:00'), metadata: { price: 500 } },
]
const CATALOG = [
  { productId: 'p1', name: 'Espresso cup', price: 10, currency: 'EUR' },
  { productId: 'p2', name: 'Grinder', price: 40, currency: 'EUR' },
  { productId: 'p3', name: '=Kettle, "steel"', price: 30, currency: 'USD' },
]
const zero = (date: string) => ({ date, impressions: 0, clicks: 0, conversions: 0, revenue: 0 })

for (const name of BACKENDS) {
  describe(`analytics API [${name}]`, async () => {
    const t = await testApp(name, {}, () => new Date(NOW))
    const a = await t.tenantWithKeys({ attributionWindowHours: 24 })
    const asAdmin = { token: a.token, tenant: a.tenantId }
    const get = (path: string) => t.req('GET', `/api/v1/analytics/${path}`, asAdmin)
    expect((await t.req('POST', '/api/v1/catalog/batch', { key: a.writeKey, body: { items: CATALOG } })).body.data.rejected).toEqual([])
    // Clicks first, purchases in a later request (as a shop's backend would send them).
    const sent = await t.req('POST', '/api/v1/events/batch', { key: a.writeKey, body: { events: FIXTURE } })
    expect(sent.body.data).toEqual({ accepted: FIXTURE.length, duplicates: 0, rejected: [] })
    expect((await t.req('POST', '/api/v1/events/batch', { key: a.writeKey, body: { events: PURCHASES } })).body.data.accepted).toBe(4)

    test('summary: KPIs for 7d, the attribution window inclusive at exactly 24 h and not 1 ms later', async () => {
      const r = await get('summary?range=7d')
      expect(r.status).toBe(200)
      expect(r.body).toEqual({
        data: { impressions: 6, clicks: 4, ctr: 4 / 6, conversions: 2, revenue: 145, currency: 'EUR' },
        meta: { from: '2026-03-12', to: '2026-03-18', range: '7d' },
      })
      // Default 30d includes 03-10.
      expect((await get('summary')).body).toEqual({
        data: { impressions: 7, clicks: 5, ctr: 5 / 7, conversions: 2, revenue: 145, currency: 'EUR' },
        meta: { from: '2026-02-17', to: '2026-03-18', range: '30d' },
      })
      expect((await get('summary?from=2026-03-16&to=2026-03-16')).body).toEqual({
        data: { impressions: 5, clicks: 2, ctr: 0.4, conversions: 0, revenue: 0, currency: 'EUR' },
        meta: { from: '2026-03-16', to: '2026-03-16', range: 'custom' },
      })
      // Nothing at all: CTR is 0, not NaN.
      expect((await get('summary?from=2026-01-01&to=2026-01-31')).body.data).toEqual({ impressions: 0, clicks: 0, ctr: 0, conversions: 0, revenue: 0, currency: 'EUR' })
    })

    test('filters: placement and strategy', async () => {
      expect((await get('summary?range=7d&placement=home')).body.data).toEqual({ impressions: 3, clicks: 2, ctr: 2 / 3, conversions: 2, revenue: 145, currency: 'EUR' })
      expect((await get('summary?range=7d&strategy=trending')).body.data).toEqual({ impressions: 3, clicks: 2, ctr: 2 / 3, conversions: 0, revenue: 0, currency: 'EUR' })
      expect((await get('summary?range=7d&placement=home&strategy=trending')).body.data.impressions).toBe(0)
      expect((await get('timeseries?range=7d&placement=pdp')).body.data.map((p: { clicks: number }) => p.clicks)).toEqual([0, 0, 0, 0, 1, 1, 0])
    })

    test('timeseries: one point per day, zero days included', async () => {
      const r = await get('timeseries?range=7d')
      expect(r.status).toBe(200)
      expect(r.body.meta).toEqual({ from: '2026-03-12', to: '2026-03-18', range: '7d' })
      expect(r.body.data).toEqual([
        zero('2026-03-12'), zero('2026-03-13'), zero('2026-03-14'), zero('2026-03-15'),
        { date: '2026-03-16', impressions: 5, clicks: 2, conversions: 0, revenue: 0 },
        { date: '2026-03-17', impressions: 1, clicks: 2, conversions: 2, revenue: 145 },
        zero('2026-03-18'),
      ])
      const month = await get('timeseries')
      expect(month.body.data).toHaveLength(30)
      expect(month.body.data[21]).toEqual({ date: '2026-03-10', impressions: 1, clicks: 1, conversions: 0, revenue: 0 })
    })

    test('top products: most recommended and most clicked, with names; weekly and filtered paths agree', async () => {
      const rec = await get('top-products?range=7d')
      expect(rec.body.meta).toEqual({ from: '2026-03-12', to: '2026-03-18', range: '7d', by: 'recommended' })
      expect(rec.body.data).toEqual([
        { productId: 'p1', name: 'Espresso cup', impressions: 3, clicks: 1, ctr: 1 / 3, conversions: 1, revenue: 25 },
        { productId: 'p2', name: 'Grinder', impressions: 2, clicks: 1, ctr: 0.5, conversions: 1, revenue: 120 },
        { productId: 'p3', name: '=Kettle, "steel"', impressions: 1, clicks: 2, ctr: 2, conversions: 0, revenue: 0 },
      ])
      const clicked = await get('top-products?range=7d&by=clicked')
      expect(clicked.body.data.map((p: { productId: string }) => p.productId)).toEqual(['p3', 'p1', 'p2'])
      // 30d covers the whole week of 03-09 (read from weekly totals): p2 ties p1 on impressions and wins on clicks.
      const month = await get('top-products?range=30d')
      expect(month.body.data.map((p: { productId: string; impressions: number; clicks: number }) => [p.productId, p.impressions, p.clicks])).toEqual([['p2', 3, 2], ['p1', 3, 1], ['p3', 1, 2]])
      // Filtered by placement or strategy (their own totals), or both (the per-placement rollups);
      // products without impressions there are left out.
      const pairs = async (q: string) => (await get(`top-products?${q}`)).body.data.map((p: { productId: string; impressions: number; clicks: number }) => [p.productId, p.impressions, p.clicks])
      expect(await pairs('range=30d&placement=home')).toEqual([['p2', 3, 2], ['p1', 1, 1]])
      expect(await pairs('range=30d&strategy=trending')).toEqual([['p1', 2, 0], ['p3', 1, 2]])
      expect(await pairs('range=30d&placement=pdp&strategy=trending')).toEqual([['p3', 1, 2], ['p1', 1, 0]])
      expect(await pairs('range=30d&placement=pdp&strategy=trending&by=clicked')).toEqual([['p3', 1, 2]])
      expect(await pairs('range=30d&placement=nowhere')).toEqual([])
      // A product that is not in the catalog has no name.
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'recommendation_impressed', userId: 'x', productId: 'ghost', timestamp: at('18T10:00:00'), placement: 'home' } })
      expect((await t.req('GET', '/api/v1/analytics/top-products?range=7d', { token: k.token, tenant: k.tenantId })).body.data).toEqual([
        { productId: 'ghost', name: null, impressions: 1, clicks: 0, ctr: 0, conversions: 0, revenue: 0 },
      ])
    })

    test('placements: per placement, events without one as null, most impressions first', async () => {
      const r = await get('placements?range=7d')
      expect(r.status).toBe(200)
      expect(r.body.data).toEqual([
        { placement: 'home', impressions: 3, clicks: 2, ctr: 2 / 3, conversions: 2, revenue: 145 },
        { placement: 'pdp', impressions: 2, clicks: 2, ctr: 1, conversions: 0, revenue: 0 },
        { placement: null, impressions: 1, clicks: 0, ctr: 0, conversions: 0, revenue: 0 },
      ])
      expect((await get('placements?range=7d&strategy=collaborative')).body.data.map((p: { placement: string }) => p.placement)).toEqual(['home'])
    })

    test('export.csv: every section with displayed headers, totals, proper escaping, as an attachment', async () => {
      const r = await get('export.csv?range=7d')
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toStartWith('text/csv')
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="analytics-${a.tenantId}-2026-03-12-to-2026-03-18.csv"`)
      const sections = r.text.split('\r\n\r\n')
      expect(sections[0].split('\r\n')).toEqual([
        'Date,Impressions,Clicks,CTR,Conversions,Revenue',
        '2026-03-12,0,0,0,0,0', '2026-03-13,0,0,0,0,0', '2026-03-14,0,0,0,0,0', '2026-03-15,0,0,0,0,0',
        '2026-03-16,5,2,0.4,0,0', '2026-03-17,1,2,2,2,145', '2026-03-18,0,0,0,0,0',
        'Total,6,4,0.666667,2,145',
      ])
      expect(sections[1].split('\r\n')).toEqual(['Placement,Impressions,Clicks,CTR,Conversions,Revenue', 'home,3,2,0.666667,2,145', 'pdp,2,2,1,0,0', '(none),1,0,0,0,0'])
      expect(sections[2].split('\r\n')).toEqual([
        'Top recommended product,Product ID,Impressions,Clicks,CTR,Conversions,Revenue',
        'Espresso cup,p1,3,1,0.333333,1,25', 'Grinder,p2,2,1,0.5,1,120', `"'=Kettle, ""steel""",p3,1,2,2,0,0`,
      ])
      expect(sections[3].split('\r\n')[1]).toBe(`"'=Kettle, ""steel""",p3,1,2,2,0,0`)
      expect(sections[4]).toBe('From,To,Currency\r\n2026-03-12,2026-03-18,EUR\r\n')
      expectProblem(await get('export.csv?from=2026-03-05&to=2026-03-01'), 400)
    })

    test('overview: every tenant of the admin, and only theirs', async () => {
      const second = await t.req('POST', '/api/v1/tenants', { token: a.token, body: { name: 'Second shop' } })
      const other = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/events', { key: other.writeKey, body: { eventType: 'recommendation_impressed', userId: 'o', productId: 'p1', timestamp: at('17T10:00:00') } })
      const r = await t.req('GET', '/api/v1/analytics/overview?range=7d', { token: a.token })
      expect(r.status).toBe(200)
      expect(r.body.meta).toEqual({ from: '2026-03-12', to: '2026-03-18', range: '7d' })
      expect(r.body.data).toEqual([
        { tenantId: a.tenantId, name: expect.any(String), status: 'active', impressions: 6, clicks: 4, ctr: 4 / 6, conversions: 2, revenue: 145, currency: 'EUR' },
        { tenantId: second.body.data.id, name: 'Second shop', status: 'active', impressions: 0, clicks: 0, ctr: 0, conversions: 0, revenue: 0, currency: null },
      ])
      const theirs = await t.req('GET', '/api/v1/analytics/overview?range=7d', { token: other.token })
      expect(theirs.body.data.map((x: { tenantId: string; impressions: number }) => [x.tenantId, x.impressions])).toEqual([[other.tenantId, 1]])
      expectProblem(await t.req('GET', '/api/v1/analytics/overview', {}), 401)
      expectProblem(await t.req('GET', '/api/v1/analytics/overview', { key: a.readKey }), 401) // admin-only, like every admin route
      expectProblem(await t.req('GET', '/api/v1/analytics/overview?range=5d', { token: a.token }), 400)
    })

    test('cross-tenant: another admin gets 404; read keys are refused (403); a write key reads its own tenant only', async () => {
      const b = await t.tenantWithKeys()
      for (const path of ['summary', 'timeseries', 'top-products', 'placements', 'export.csv']) {
        expectProblem(await t.req('GET', `/api/v1/analytics/${path}`, { token: b.token, tenant: a.tenantId }), 404)
        expect(expectProblem(await t.req('GET', `/api/v1/analytics/${path}`, { key: a.readKey }), 403).detail).toBe('Insufficient permissions: write access required')
        expectProblem(await t.req('GET', `/api/v1/analytics/${path}`, { headers: { authorization: `Bearer ${a.readKey}` } }), 403)
        // A write key is its tenant's: X-Tenant-ID naming another tenant changes nothing.
        const own = await t.req('GET', `/api/v1/analytics/${path}?range=7d`, { key: a.writeKey, tenant: b.tenantId })
        expect(own.status).toBe(200)
        expect(own.text).toBe((await t.req('GET', `/api/v1/analytics/${path}?range=7d`, asAdmin)).text)
        expectProblem(await t.req('GET', `/api/v1/analytics/${path}`, { token: a.token }), 400) // X-Tenant-ID missing
        expectProblem(await t.req('GET', `/api/v1/analytics/${path}`, {}), 401)
      }
      // B's own analytics see nothing of A's.
      expect((await t.req('GET', '/api/v1/analytics/summary?range=30d', { token: b.token, tenant: b.tenantId })).body.data).toEqual({ impressions: 0, clicks: 0, ctr: 0, conversions: 0, revenue: 0, currency: null })
      expect((await t.req('GET', '/api/v1/analytics/top-products?range=30d', { token: b.token, tenant: b.tenantId })).body.data).toEqual([])
    })

    test('a click that arrives after its purchase attributes it then, once, on the purchase day; window edges hold', async () => {
      const k = await t.tenantWithKeys({ attributionWindowHours: 24 })
      const send = (e: object) => t.req('POST', '/api/v1/events', { key: k.writeKey, body: { userId: 'late', productId: 'p1', ...e } })
      const kpi = async () => (await t.req('GET', '/api/v1/analytics/timeseries?from=2026-03-15&to=2026-03-17', { token: k.token, tenant: k.tenantId })).body.data
        .map((p: { conversions: number; revenue: number }) => [p.conversions, p.revenue])
      const click = (ts: string, placement = 'home') => ({ eventType: 'recommendation_clicked', timestamp: ts, placement, strategy: 'collaborative' })
      expect((await send({ eventType: 'purchase', timestamp: at('17T10:00:00.000'), metadata: { price: 8, quantity: 2 } })).status).toBe(202)
      expect(await kpi()).toEqual([[0, 0], [0, 0], [0, 0]])
      // A click 1 ms after the purchase, and one 24 h + 1 ms before it: neither attributes.
      await send(click(at('17T10:00:00.001')))
      await send(click(at('16T09:59:59.999')))
      expect(await kpi()).toEqual([[0, 0], [0, 0], [0, 0]])
      // Exactly 24 h before: attributed now, counted on the purchase's day (03-17), once.
      await send(click(at('16T10:00:00.000'), 'pdp'))
      expect(await kpi()).toEqual([[0, 0], [0, 0], [1, 16]])
      // Another late click in the window, and a duplicate of the first: nothing more.
      await send(click(at('17T09:00:00.000')))
      await send(click(at('16T10:00:00.000'), 'pdp'))
      expect(await kpi()).toEqual([[0, 0], [0, 0], [1, 16]])
      const places = (await t.req('GET', '/api/v1/analytics/placements?range=7d', { token: k.token, tenant: k.tenantId })).body.data
      expect(places.map((p: { placement: string; clicks: number; conversions: number }) => [p.placement, p.clicks, p.conversions])).toEqual([['home', 3, 0], ['pdp', 1, 1]])
      // Two late clicks in one batch for a purchase without a price: one conversion at the catalog price, to the later click.
      await t.req('POST', '/api/v1/catalog', { key: k.writeKey, body: { productId: 'p2', name: 'Mug', price: 6 } })
      await send({ eventType: 'purchase', productId: 'p2', timestamp: at('17T12:00:00') })
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        { userId: 'late', productId: 'p2', ...click(at('17T11:00:00'), 'cart') }, { userId: 'late', productId: 'p2', ...click(at('17T11:30:00'), 'search') },
      ] } })
      expect(await kpi()).toEqual([[0, 0], [0, 0], [2, 22]])
      const top = (await t.req('GET', '/api/v1/analytics/top-products?range=7d&by=clicked', { token: k.token, tenant: k.tenantId })).body.data
      expect(top.map((p: { productId: string; conversions: number; revenue: number }) => [p.productId, p.conversions, p.revenue])).toEqual([['p1', 1, 16], ['p2', 1, 6]])
      const search = (await t.req('GET', '/api/v1/analytics/summary?range=7d&placement=search', { token: k.token, tenant: k.tenantId })).body.data
      expect([search.conversions, search.revenue]).toEqual([1, 6])
    })

    test('bad queries: 400 problem+json', async () => {
      for (const q of ['range=1y', 'from=2026-02-30&to=2026-03-01', 'from=yesterday', 'from=2026-03-05&to=2026-03-01', 'from=2025-01-01&to=2026-03-01',
        'range=7d&from=2026-03-01', 'to=2026-03-01', 'placement=', `strategy=${'s'.repeat(65)}`]) {
        expectProblem(await get(`summary?${q}`), 400)
      }
      expectProblem(await get('top-products?by=bought'), 400)
      expectProblem(await get('timeseries?from=2026-13-01&to=2026-13-02'), 400)
    })

    test('every analytics route is in the OpenAPI document with its response schema', async () => {
      const doc = (await t.req('GET', '/api/v1/openapi.json')).body
      for (const p of ['summary', 'timeseries', 'top-products', 'placements', 'export.csv', 'overview']) {
        const op = doc.paths[`/api/v1/analytics/${p}`]?.get
        expect(op).toBeDefined()
        expect(op.responses['200']).toBeDefined()
      }
      const summary = JSON.stringify(doc.paths['/api/v1/analytics/summary'].get.responses['200'])
      for (const f of ['impressions', 'clicks', 'ctr', 'conversions', 'revenue', 'currency']) expect(summary).toContain(f)
    })

    test('placements are many free strings: the table and the export list the 100 with most impressions', async () => {
      const b = await t.tenantWithKeys()
      const raw = (await backend(name)).database.raw
      await raw.query(`insert into analytics_daily (tenant_id, day, placement, impressions)
        select $1::uuid, '2026-03-17'::date, 'slot-' || i, i from generate_series(1, 150) as i`, [b.tenantId])
      const r = await t.req('GET', '/api/v1/analytics/placements?range=7d', { token: b.token, tenant: b.tenantId })
      expect(r.body.data.length).toBe(100)
      expect(r.body.data[0]).toMatchObject({ placement: 'slot-150', impressions: 150 })
      const csv = await t.req('GET', '/api/v1/analytics/export.csv?range=7d', { token: b.token, tenant: b.tenantId })
      expect(csv.text.split('\r\n\r\n')[1].split('\r\n').length).toBe(101) // its header and 100 rows
    })
  })
}
