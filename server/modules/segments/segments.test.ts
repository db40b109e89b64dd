// Issue 21, segments: traits (endpoint and event metadata), segments over the live profile, the built-ins,
// per-segment strategies with meta.segment, segment-scoped experiments, and tenant isolation.
import { describe, expect, test } from 'bun:test'
import { createApp } from '../../app.ts'
import { loadConfig } from '../../config.ts'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, TEST_SECRETS, testApp } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'
import { profileFields, segmentsOf, compileSegments, spendOver } from './membership.ts'
import type { UserProfile } from '../../../db/queries/profiles.ts'

const H = 3_600_000
const DAY = 24 * H
const catalog = Array.from({ length: 12 }, (_, i) => ({ productId: `p${i}`, name: `Item ${i}`, category: i < 6 ? 'shoes' : 'bags', price: 10 + i }))

describe('membership (pure)', () => {
  const now = Date.UTC(2026, 5, 15, 12)
  const profile = (over: Partial<UserProfile>): UserProfile => ({
    recent: [], purchased: [], eventCount: 0, firstSeenAt: null, purchaseCount: 0, totalSpend: 0, lastPurchaseAt: null, spendDays: {}, traits: {}, updatedAt: 0, ...over,
  })
  test('built-ins: new_visitor, returning, buyer, high_value (by the threshold of the model)', () => {
    const list = compileSegments([], 100)
    expect(segmentsOf(list, undefined, now, undefined)).toEqual(['new_visitor'])
    expect(segmentsOf(list, profile({ eventCount: 3, firstSeenAt: now - H }), now, undefined)).toEqual([])
    expect(segmentsOf(list, profile({ eventCount: 3, firstSeenAt: now - 2 * DAY }), now, undefined)).toEqual(['returning'])
    const today = Math.floor(now / DAY)
    const spender = profile({ eventCount: 3, firstSeenAt: now - H, purchaseCount: 2, totalSpend: 500, lastPurchaseAt: now - H, spendDays: { [today]: 120, [today - 100]: 380 } })
    expect(spendOver(spender, now, 90)).toBe(120)
    expect(segmentsOf(list, spender, now, undefined)).toEqual(['buyer', 'high_value'])
    expect(segmentsOf(compileSegments([], 121), spender, now, undefined)).toEqual(['buyer'])
    expect(segmentsOf(compileSegments([], null), spender, now, undefined)).toEqual(['buyer']) // no threshold before a build with buyers
  })
  test('fields: averageOrderValue and daysSinceLastPurchase are absent before a purchase; traits; categories from the model', () => {
    const f = profileFields(profile({ eventCount: 1, traits: { tier: 'gold' } }), now, undefined)
    expect([f('averageOrderValue'), f('daysSinceLastPurchase'), f('traits.tier'), f('traits.none'), f('categoriesViewed')]).toEqual([undefined, undefined, 'gold', undefined, []])
    const g = profileFields(profile({ purchaseCount: 4, totalSpend: 100, lastPurchaseAt: now - 3 * DAY - 1 }), now, undefined)
    expect([g('averageOrderValue'), g('daysSinceLastPurchase')]).toEqual([25, 3])
  })
})

for (const name of BACKENDS) {
  describe(`segments [${name}]`, async () => {
    const t = await testApp(name)
    const send = async (key: string, events: object[]) => {
      const r = await t.req('POST', '/api/v1/events/batch', { key, body: { events } })
      expect(r.body.data?.rejected ?? r.body).toEqual([])
    }
    const segmentsOfUser = async (key: string, userId: string) => {
      const r = await t.req('GET', `/api/v1/users/${userId}/segments`, { key })
      expect(r.status).toBe(200)
      return r.body.data.segments as string[]
    }
    const withCatalog = async () => {
      const k = await t.tenantWithKeys()
      expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })).status).toBe(200)
      return k
    }

    test('membership follows the live profile: a view leaves new_visitor, a purchase makes a buyer at once', async () => {
      const k = await withCatalog()
      expect(await segmentsOfUser(k.writeKey, 'ann')).toEqual(['new_visitor'])
      await send(k.writeKey, [{ eventType: 'product_viewed', userId: 'ann', productId: 'p1' }])
      expect(await segmentsOfUser(k.writeKey, 'ann')).toEqual([])
      await send(k.writeKey, [{ eventType: 'purchase', userId: 'ann', productId: 'p1', metadata: { price: 30, quantity: 2 } }])
      // No wait: ingestion drops the cached profile before it answers.
      expect(await segmentsOfUser(k.writeKey, 'ann')).toEqual(['buyer'])
      const seen = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'product_viewed', userId: 'bob', productId: 'p2', timestamp: new Date(Date.now() - 3 * DAY).toISOString() } })
      expect(seen.status).toBeLessThan(300)
      expect(await segmentsOfUser(k.writeKey, 'bob')).toEqual(['returning'])
    })

    test('traits: by the endpoint and by event metadata; conditions over traits, spend and categories', async () => {
      const k = await withCatalog()
      const created = await t.req('POST', '/api/v1/segments', { key: k.writeKey, body: { key: 'gold', name: 'Gold tier', conditions: { field: 'traits.tier', op: 'eq', value: 'gold' } } })
      expect(created.status).toBe(201)
      expect(created.body.data).toMatchObject({ key: 'gold', name: 'Gold tier', builtIn: false })
      const big = await t.req('POST', '/api/v1/segments', { key: k.writeKey, body: { key: 'big-bag-buyers', name: 'Big bag buyers', conditions: { and: [{ field: 'totalSpend', op: 'gte', value: 50 }, { field: 'categoriesViewed', op: 'contains', value: 'bags' }] } } })
      expect(big.status).toBe(201)

      const set = await t.req('POST', '/api/v1/users/cleo/traits', { key: k.writeKey, body: { traits: { tier: 'gold', country: 'DE' } } })
      expect(set.status).toBe(200)
      expect(set.body.data).toEqual({ userId: 'cleo', traits: { tier: 'gold', country: 'DE' } })
      expect(await segmentsOfUser(k.writeKey, 'cleo')).toEqual(['new_visitor', 'gold']) // traits alone: still no events
      expect((await t.req('POST', '/api/v1/users/cleo/traits', { key: k.writeKey, body: { traits: { tier: null } } })).body.data.traits).toEqual({ country: 'DE' })
      expect(await segmentsOfUser(k.writeKey, 'cleo')).toEqual(['new_visitor'])
      expect((await t.req('GET', '/api/v1/users/cleo', { key: k.writeKey })).body.data).toMatchObject({ eventCount: 0, traits: { country: 'DE' } })

      await send(k.writeKey, [{ eventType: 'product_viewed', userId: 'dan', productId: 'p8', metadata: { traits: { tier: 'gold' } } }])
      expect(await segmentsOfUser(k.writeKey, 'dan')).toEqual(['gold'])
      // Spend from the catalog price when the event names none: p8 costs 18, three of them 54.
      await t.app.services.models.build(k.tenantId) // categoriesViewed reads the model's categories
      await send(k.writeKey, [{ eventType: 'purchase', userId: 'dan', productId: 'p8', metadata: { quantity: 3 } }])
      expect(await segmentsOfUser(k.writeKey, 'dan')).toEqual(['buyer', 'big-bag-buyers', 'gold']) // built-ins first, then by key (no high_value: the build saw no buyer)

      const bad = expectProblem(await t.req('POST', '/api/v1/users/cleo/traits', { key: k.writeKey, body: { traits: { 'bad name': 1 } } }), 400)
      expect(JSON.stringify(bad.errors)).toContain('traits')
      const badEvent = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [{ eventType: 'product_viewed', userId: 'x', productId: 'p1', metadata: { traits: { tier: { nested: true } } } }] } })
      expect(badEvent.body.data.rejected[0].errors[0].field).toStartWith('metadata.traits')
      const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, i]))
      expect((await t.req('POST', '/api/v1/users/eve/traits', { key: k.writeKey, body: { traits: many } })).status).toBe(200)
      expectProblem(await t.req('POST', '/api/v1/users/eve/traits', { key: k.writeKey, body: { traits: { one_more: 1 } } }), 400)
      expectProblem(await t.req('POST', '/api/v1/users/eve/traits', { key: k.writeKey, body: { traits: { ...many, t50: 1 } } }), 400)
    })

    test('high_value: the top 10 % of spend over 90 days, the threshold set by the model build', async () => {
      const k = await withCatalog()
      const events = Array.from({ length: 10 }, (_, u) => ({ eventType: 'purchase', userId: `buyer-${u}`, productId: 'p1', metadata: { price: (u + 1) * 10 } }))
      await send(k.writeKey, events)
      expect(await segmentsOfUser(k.writeKey, 'buyer-9')).toEqual(['buyer']) // no build yet: no threshold
      await t.app.services.models.build(k.tenantId)
      const hv = (await t.req('GET', '/api/v1/segments/high_value', { key: k.writeKey })).body.data
      expect(hv).toMatchObject({ key: 'high_value', builtIn: true })
      expect(hv.conditions.value).toBeCloseTo(91) // percentile_cont(0.9) of 10..100
      expect(await segmentsOfUser(k.writeKey, 'buyer-9')).toEqual(['buyer', 'high_value'])
      expect(await segmentsOfUser(k.writeKey, 'buyer-8')).toEqual(['buyer'])
    })

    test('CRUD: built-ins listed first and fixed; invalid conditions are a 400 naming the path; sizes count recent shoppers', async () => {
      const k = await withCatalog()
      const mk = (body: object) => t.req('POST', '/api/v1/segments', { key: k.writeKey, body })
      expect((await mk({ key: 'loyal', name: 'Loyal', conditions: { field: 'purchaseCount', op: 'gte', value: 3 } })).status).toBe(201)
      expectProblem(await mk({ key: 'loyal', name: 'Again', conditions: { field: 'purchaseCount', op: 'gte', value: 3 } }), 409)
      expectProblem(await mk({ key: 'buyer', name: 'Mine', conditions: { field: 'purchaseCount', op: 'gte', value: 3 } }), 409)
      const bad = expectProblem(await mk({ key: 'x', name: 'X', conditions: { and: [{ field: 'eventCount', op: 'gt', value: 1 }, { field: 'eventCount', op: 'between', value: 1 }] } }), 400)
      expect(bad.errors![0]!.field).toBe('conditions.and[1].op')
      expect(expectProblem(await mk({ key: 'x', name: 'X', conditions: { field: 'price', op: 'lt', value: 1 } }), 400).errors![0]!.field).toBe('conditions.field')
      expectProblem(await mk({ key: 'Bad Key', name: 'X', conditions: { field: 'eventCount', op: 'gt', value: 1 } }), 400)

      const list = await t.req('GET', '/api/v1/segments', { key: k.writeKey })
      expect(list.body.data.map((s: { key: string }) => s.key)).toEqual(['new_visitor', 'returning', 'buyer', 'high_value', 'loyal'])
      const put = await t.req('PUT', '/api/v1/segments/loyal', { key: k.writeKey, body: { name: 'Loyal (2+)', conditions: { field: 'purchaseCount', op: 'gte', value: 2 } } })
      expect(put.body.data).toMatchObject({ key: 'loyal', name: 'Loyal (2+)', conditions: { value: 2 } })
      expectProblem(await t.req('PUT', '/api/v1/segments/buyer', { key: k.writeKey, body: { name: 'n', conditions: { field: 'eventCount', op: 'gt', value: 1 } } }), 409)
      expectProblem(await t.req('DELETE', '/api/v1/segments/new_visitor', { key: k.writeKey }), 409)

      await send(k.writeKey, [
        ...['a', 'b'].flatMap((u) => [1, 2].map((n) => ({ eventType: 'purchase', userId: u, productId: `p${n}`, metadata: { price: 5 } }))),
        { eventType: 'product_viewed', userId: 'c', productId: 'p1' },
      ])
      const sized = await t.req('GET', '/api/v1/segments?sizes=true', { token: k.token, tenant: k.tenantId })
      expect(sized.status).toBe(200)
      expect(Object.fromEntries(sized.body.data.map((s: { key: string; shoppers: number }) => [s.key, s.shoppers]))).toEqual({ new_visitor: 0, returning: 0, buyer: 2, high_value: 0, loyal: 2 })
      expect(sized.body.meta.sizes).toEqual({ days: 30, counted: 3, complete: true })

      expect((await t.req('DELETE', '/api/v1/segments/loyal', { key: k.writeKey })).status).toBe(204)
      expectProblem(await t.req('GET', '/api/v1/segments/loyal', { key: k.writeKey }), 404)
    })

    test('read keys get 403; another tenant\'s segment is a 404 there and never counts for its shoppers', async () => {
      const a = await withCatalog()
      const b = await withCatalog()
      expect((await t.req('POST', '/api/v1/segments', { key: a.writeKey, body: { key: 'viewers', name: 'Viewers', conditions: { field: 'eventCount', op: 'gte', value: 1 } } })).status).toBe(201)
      for (const [method, path, body] of [['GET', '/api/v1/segments'], ['POST', '/api/v1/segments', { key: 'z', name: 'z', conditions: { field: 'eventCount', op: 'gte', value: 1 } }], ['GET', '/api/v1/segments/viewers'],
        ['DELETE', '/api/v1/segments/viewers'], ['GET', '/api/v1/users/u/segments'], ['POST', '/api/v1/users/u/traits', { traits: { a: 1 } }]] as const) {
        expectProblem(await t.req(method, path, { key: a.readKey, body }), 403)
      }
      expectProblem(await t.req('GET', '/api/v1/segments/viewers', { key: b.writeKey }), 404)
      expectProblem(await t.req('PUT', '/api/v1/segments/viewers', { key: b.writeKey, body: { name: 'mine', conditions: { field: 'eventCount', op: 'gte', value: 1 } } }), 404)
      expectProblem(await t.req('DELETE', '/api/v1/segments/viewers', { key: b.writeKey }), 404)
      expectProblem(await t.req('GET', '/api/v1/segments/viewers', { token: b.token, tenant: b.tenantId }), 404)
      await send(b.writeKey, [{ eventType: 'product_viewed', userId: 'same', productId: 'p1' }])
      await send(a.writeKey, [{ eventType: 'product_viewed', userId: 'same', productId: 'p1' }])
      expect(await segmentsOfUser(b.writeKey, 'same')).toEqual([])
      expect(await segmentsOfUser(a.writeKey, 'same')).toEqual(['viewers'])
      // An experiment of b cannot name a's segment.
      expectProblem(await t.req('POST', '/api/v1/experiments', { key: b.writeKey, body: { name: 'e', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', segment: 'viewers' } }), 400)
      // Nor can b's segment strategies: a's key matches nobody there.
      await t.req('PUT', `/api/v1/tenants/${b.tenantId}`, { token: b.token, body: { config: { segmentStrategies: [{ segment: 'viewers', strategy: 'trending' }] } } })
      await t.app.services.models.build(b.tenantId)
      const r = await t.req('GET', '/api/v1/recommendations?userId=same&limit=3', { key: b.readKey })
      expect(r.body.meta.segment).toBeUndefined()
    })

    test('per-segment strategy: the first matching entry (and placement) wins, before the default; meta.segment names it', async () => {
      const k = await withCatalog()
      await send(k.writeKey, [
        // Hours old, so the model's trending list holds them.
        ...Array.from({ length: 36 }, (_, n) => ({ eventType: 'product_viewed', userId: `v${n % 6}`, productId: `p${(n * 5) % 12}`, timestamp: new Date(Date.now() - 2 * H - n * 1000).toISOString() })),
        { eventType: 'purchase', userId: 'payer', productId: 'p3', metadata: { price: 20 }, timestamp: new Date(Date.now() - 2 * H).toISOString() },
      ])
      await t.app.services.models.build(k.tenantId)
      const config = { segmentStrategies: [{ segment: 'buyer', placement: 'cart', strategy: 'frequently_bought_together' }, { segment: 'buyer', strategy: 'trending' }, { segment: 'new_visitor', strategy: 'content_based' }] }
      expect((await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { config } })).status).toBe(200)
      const ask = async (qs: string) => (await t.req('GET', `/api/v1/recommendations?${qs}&limit=4`, { key: k.readKey })).body.meta
      const home = await ask('userId=payer&placement=home')
      expect([home.strategy, home.segment]).toEqual(['trending', 'buyer'])
      expect((await ask('userId=payer&placement=home')).segment).toBe('buyer') // cached answers keep it
      const cart = await ask('userId=payer&placement=cart')
      expect(cart.segment).toBe('buyer')
      expect(cart.strategy).not.toBe('trending')
      expect((await ask('userId=nobody&placement=home')).segment).toBe('new_visitor')
      const viewer = await ask('userId=v1&placement=home')
      expect(viewer.segment).toBeUndefined()
      expect(viewer.strategy).toBe('collaborative')
      expect((await ask('userId=payer&strategy=collaborative')).segment).toBeUndefined() // an explicit strategy wins
      // The shopper buys: the next answer is decided by their new segment.
      await send(k.writeKey, [{ eventType: 'purchase', userId: 'v2', productId: 'p2', metadata: { price: 20 } }])
      expect((await ask('userId=v2&placement=home')).segment).toBe('buyer')
      const bad = await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { config: { segmentStrategies: [{ segment: 'buyer', strategy: 'nope' }] } } })
      expect(bad.status).toBe(400)
    })

    test('a change made on one instance is used by another within a second (broadcast): segments and traits', async () => {
      const { database, makeCache } = await backend(name)
      const cache = name === 'pglite' ? new MemoryCache() : await makeCache()
      const make = () => createApp({ config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database, cache, log: quietLog, mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS })
      const [one, two] = [await make(), await make()]
      const k = await withCatalog()
      const call = async (app: typeof one, method: string, path: string, body?: object) => {
        const r = await app.handle(new Request(`http://localhost${path}`, { method, headers: { 'x-api-key': k.writeKey, 'content-type': 'application/json' }, body: body && JSON.stringify(body) }))
        return r.status === 204 ? null : JSON.parse(await r.text())
      }
      await call(one, 'POST', '/api/v1/users/fay/traits', { traits: { tier: 'gold' } })
      expect((await call(two, 'GET', '/api/v1/users/fay/segments')).data.segments).toEqual(['new_visitor'])
      await call(one, 'POST', '/api/v1/segments', { key: 'gold', name: 'Gold', conditions: { field: 'traits.tier', op: 'eq', value: 'gold' } })
      await waitFor('instance two sees the new segment', async () => (await call(two, 'GET', '/api/v1/users/fay/segments')).data.segments.includes('gold'), { timeoutMs: 1000 })
      await call(one, 'PUT', '/api/v1/segments/gold', { name: 'Gold', conditions: { field: 'traits.tier', op: 'eq', value: 'platinum' } })
      await waitFor('instance two drops the changed segment', async () => !(await call(two, 'GET', '/api/v1/users/fay/segments')).data.segments.includes('gold'), { timeoutMs: 1000 })
      await call(one, 'POST', '/api/v1/users/fay/traits', { traits: { tier: 'platinum' } })
      await waitFor('instance two reads the new trait', async () => (await call(two, 'GET', '/api/v1/users/fay/segments')).data.segments.includes('gold'), { timeoutMs: 1000 })
      await Promise.all([one.shutdown(), two.shutdown()])
    }, 30_000)

    test('analytics: recommendation traffic per segment, shoppers counted in the segments they are in now', async () => {
      const k = await withCatalog()
      const shown = (u: string, n: number, placement = 'home') => Array.from({ length: n }, (_, i) => ({ eventType: 'recommendation_impressed', userId: u, productId: `p${i}`, placement, strategy: 'collaborative' }))
      await send(k.writeKey, [
        ...shown('buyer-1', 4), { eventType: 'recommendation_clicked', userId: 'buyer-1', productId: 'p1', placement: 'home', strategy: 'collaborative' },
        { eventType: 'purchase', userId: 'buyer-1', productId: 'p1', metadata: { price: 10 } },
        ...shown('looker', 6), ...shown('looker', 2, 'pdp').map((e) => ({ ...e, productId: `p${e.productId.slice(1)}x` })),
      ])
      const r = await t.req('GET', '/api/v1/analytics/segments?range=7d', { token: k.token, tenant: k.tenantId })
      expect(r.status).toBe(200)
      const by = Object.fromEntries(r.body.data.map((x: { segment: string }) => [x.segment, x]))
      expect(by.buyer).toEqual({ segment: 'buyer', shoppers: 1, impressions: 4, clicks: 1, ctr: 0.25 })
      expect(by.new_visitor).toMatchObject({ shoppers: 0, impressions: 0 })
      expect(r.body.meta).toMatchObject({ shoppers: 2, complete: true, membership: 'now' })
      const home = await t.req('GET', '/api/v1/analytics/segments?range=7d&placement=pdp', { token: k.token, tenant: k.tenantId })
      expect(home.body.meta.shoppers).toBe(1)
      // Like the other analytics: a write key (a backend secret) reads them, a read key (in pages) does not.
      expect((await t.req('GET', '/api/v1/analytics/segments', { key: k.writeKey })).status).toBe(200)
      expectProblem(await t.req('GET', '/api/v1/analytics/segments', { key: k.readKey }), 403)
    })

    test('a segment-scoped experiment enrols only the segment\'s shoppers; its results count only them', async () => {
      const k = await withCatalog()
      await send(k.writeKey, Array.from({ length: 6 }, (_, u) => ({ eventType: 'product_viewed', userId: `s${u}`, productId: `p${u}` })))
      await t.app.services.models.build(k.tenantId)
      expect((await t.req('POST', '/api/v1/segments', { key: k.writeKey, body: { key: 'gold', name: 'Gold', conditions: { field: 'traits.tier', op: 'eq', value: 'gold' } } })).status).toBe(201)
      expectProblem(await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'e', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', segment: 'nope' } }), 400)
      const exp = await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'gold only', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', placement: 'home', segment: 'gold' } })
      expect(exp.status).toBe(201)
      expect(exp.body.data.segment).toBe('gold')
      for (const u of ['s0', 's1', 's2']) await t.req('POST', `/api/v1/users/${u}/traits`, { key: k.writeKey, body: { traits: { tier: 'gold' } } })
      for (let u = 0; u < 6; u++) {
        const meta = (await t.req('GET', `/api/v1/recommendations?userId=s${u}&placement=home&limit=3`, { key: k.readKey })).body.meta
        expect(meta.experiment === undefined).toBe(u >= 3)
      }
      const results = await waitFor('three exposures', async () => {
        const r = (await t.req('GET', `/api/v1/experiments/${exp.body.data.id}/results`, { key: k.writeKey })).body.data
        return r.sampleSize.control + r.sampleSize.variant === 3 && r
      })
      expect(results.sampleSize.control + results.sampleSize.variant).toBe(3)
    })
  })
}
