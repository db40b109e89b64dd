// Freshness end to end: events count in trending, the popularity fallback and
// bought-together within a second of their 202, without a build — on each backend,
// across two instances sharing Redis, and never across tenants.
import { describe, expect, test } from 'bun:test'
import { BACKENDS, REAL_BACKENDS } from '../../test/backends.ts'
import { testApp, type TestApp } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'

const catalog = Array.from({ length: 12 }, (_, i) => ({ productId: `p-${i}`, name: `Product ${i}`, category: i < 6 ? 'shoes' : 'mugs', price: 10 + i, description: `a product number ${i}` }))
const H = 3600_000

/** A tenant with a catalog and a model built with some history: p-0..p-2 busy in the last day. */
async function store(t: TestApp) {
  const k = await t.tenantWithKeys()
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })).status).toBe(200)
  const events = []
  for (let u = 0; u < 10; u++) for (const p of [0, 1, 2]) events.push({ eventType: 'product_viewed', userId: `old-${u}`, productId: `p-${p}`, timestamp: new Date(Date.now() - (2 + u) * H).toISOString() })
  expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).body.data.accepted).toBe(30)
  await t.app.services.models.build(k.tenantId)
  return k
}

const burst = (t: TestApp, key: string, productId: string, n: number, user = 'burst') =>
  t.req('POST', '/api/v1/events/batch', { key, body: { events: Array.from({ length: n }, (_, i) => ({ eventType: 'product_viewed', userId: `${user}-${i}`, productId })) } })

const trending = async (t: TestApp, key: string) => {
  const r = await t.req('GET', '/api/v1/recommendations?userId=someone&strategy=trending&limit=3', { key })
  expect(r.status).toBe(200)
  return r.body as { data: { productId: string; reason: string }[]; meta: { strategy: string } }
}

for (const name of BACKENDS) {
  describe(`live counters [${name}]`, async () => {
    const t = await testApp(name)

    test('a burst on a product that had none puts it in the trending top 3 within 1 s of its 202', async () => {
      const k = await store(t)
      expect((await trending(t, k.readKey)).data.map((x) => x.productId)).not.toContain('p-9')
      expect((await burst(t, k.writeKey, 'p-9', 40)).status).toBe(202)
      const accepted = performance.now()
      const top = await waitFor('p-9 trending', async () => (await trending(t, k.readKey)).data.find((x) => x.productId === 'p-9'), { timeoutMs: 1000 })
      expect(performance.now() - accepted).toBeLessThan(1000)
      expect(top.reason).toBe('Trending: 40 interactions in the last 24 h')
    })

    test('a cold shopper\'s fallback and padded lists follow the live counts too', async () => {
      const k = await store(t)
      await burst(t, k.writeKey, 'p-11', 25)
      const r = await waitFor('p-11 in the fallback', async () => {
        const x = await t.req('GET', '/api/v1/recommendations?userId=newcomer&limit=3', { key: k.readKey })
        return x.body.data[0]?.productId === 'p-11' && x.body
      }, { timeoutMs: 1000 })
      expect(r.meta.strategy).toBe('trending_fallback')
    })

    test('bought-together partner counts update on purchases, without a build', async () => {
      const k = await store(t)
      const fbt = () => t.req('GET', '/api/v1/recommendations?userId=someone&strategy=frequently_bought_together&productId=p-4&limit=3', { key: k.readKey })
      expect((await fbt()).body.data.map((x: { productId: string }) => x.productId)).not.toContain('p-7')
      const purchases = []
      for (let o = 0; o < 3; o++) for (const p of ['p-4', 'p-7']) purchases.push({ eventType: 'purchase', userId: `buyer-${o}`, productId: p, metadata: { orderId: `order-${o}`, price: 12 } })
      expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: purchases } })).body.data.accepted).toBe(6)
      const top = await waitFor('p-7 bought with p-4', async () => { const first = (await fbt()).body.data[0]; return first?.productId === 'p-7' && first }, { timeoutMs: 1000 })
      expect(top).toMatchObject({ productId: 'p-7', reason: 'Often bought with Product 4 (3 orders)' })
    })

    test('live counts never cross tenants, even for the same product ids', async () => {
      const a = await store(t)
      const b = await store(t)
      await burst(t, a.writeKey, 'p-10', 40)
      await waitFor('p-10 trending for its own tenant', async () => (await trending(t, a.readKey)).data.some((x) => x.productId === 'p-10'), { timeoutMs: 1000 })
      expect((await trending(t, b.readKey)).data.map((x) => x.productId)).not.toContain('p-10')
    })
  })
}

describe.skipIf(!REAL_BACKENDS)('live counters across instances sharing Redis', () => {
  test('events sent to one instance count in trending on another within 1 s', async () => {
    const one = await testApp('postgres')
    const two = await testApp('postgres')
    const k = await store(one)
    await two.app.services.models.build(k.tenantId) // both instances hold the model
    expect((await trending(two, k.readKey)).data.map((x) => x.productId)).not.toContain('p-8')
    expect((await burst(one, k.writeKey, 'p-8', 40)).status).toBe(202)
    const top = await waitFor('p-8 trending on the other instance', async () => (await trending(two, k.readKey)).data.find((x) => x.productId === 'p-8'), { timeoutMs: 1000 })
    expect(top.reason).toBe('Trending: 40 interactions in the last 24 h')
  })
})
