// @recomengine/client against the real app (in process, on each backend): the
// generated types line up with what the server answers, the batch helpers
// split by the server's own limits, retries follow Retry-After, and a retried
// event is stored once thanks to the eventId the client adds.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../../server/test/backends.ts'
import { testApp, type TestApp } from '../../../server/test/harness.ts'
import { MAX_BATCH as SERVER_EVENTS_PER_BATCH } from '../../../server/modules/events/model.ts'
import { MAX_BATCH as SERVER_CATALOG_PER_BATCH } from '../../../server/modules/catalog/model.ts'
import { CATALOG_ITEMS_PER_BATCH, createClient, EVENTS_PER_BATCH, RecomEngineError, type ClientOptions } from '../src/index.ts'

/** The app's handler as the client's fetch, counting requests by path. */
function inProcess(t: TestApp) {
  const seen: string[] = []
  const fetch = async (req: Request) => { seen.push(`${req.method} ${new URL(req.url).pathname}`); return t.app.handle(req) }
  return { seen, fetch }
}
const noWait = (waits: number[] = []) => ({ sleep: async (ms: number) => { waits.push(ms) }, random: () => 1 })

test('the helpers chunk by the server\'s batch limits', () => {
  expect(EVENTS_PER_BATCH).toBe(SERVER_EVENTS_PER_BATCH)
  expect(CATALOG_ITEMS_PER_BATCH).toBe(SERVER_CATALOG_PER_BATCH)
})

for (const backend of BACKENDS) {
  describe(`@recomengine/client against the server [${backend}]`, async () => {
    const t = await testApp(backend)
    const k = await t.tenantWithKeys()
    const client = (o: Partial<ClientOptions> = {}) => {
      const p = inProcess(t)
      return { ...p, c: createClient({ baseUrl: 'http://localhost', apiKey: k.writeKey, fetch: p.fetch, retry: noWait(), ...o }) }
    }

    test('typed calls: the five-line example of the README', async () => {
      const { c } = client()
      await c.catalog.upsertMany([{ productId: 'sku-1', name: 'Trail shoe', price: 89.9, currency: 'USD' }])
      await c.events.send({ eventType: 'purchase', userId: 'u-42', productId: 'sku-1', metadata: { price: 89.9 } })
      const { data, error } = await c.GET('/api/v1/recommendations', { params: { query: { userId: 'u-42', limit: 4 } } })
      expect(error).toBeUndefined()
      expect(Array.isArray(data!.data)).toBe(true)
      const me = await c.GET('/api/v1/me')
      expect(me.data!.data.tenantId).toBe(k.tenantId)
    })

    test('an admin token with a tenant id works the same; a problem is a typed error', async () => {
      const admin = createClient({ baseUrl: 'http://localhost', accessToken: k.token, tenantId: k.tenantId, fetch: inProcess(t).fetch })
      const list = await admin.GET('/api/v1/catalog', { params: { query: { limit: 5 } } })
      expect(list.data!.meta.pagination.limit).toBe(5)
      const missing = await admin.GET('/api/v1/catalog/{productId}', { params: { path: { productId: 'no-such-sku' } } })
      expect(missing.response.status).toBe(404)
      expect(missing.error!.title).toBe('Not found')
      const reader = createClient({ baseUrl: 'http://localhost', apiKey: k.readKey, fetch: inProcess(t).fetch })
      const refused = await reader.events.send({ eventType: 'product_viewed', userId: 'u-1', productId: 'sku-1' }).catch((e) => e)
      expect(refused).toBeInstanceOf(RecomEngineError)
      expect(refused.status).toBe(403)
      expect(refused.problem.title).toBe('Forbidden')
    })

    test('catalog.upsertMany: 1,234 items in three requests of ≤ 500; a rejected item keeps its index', async () => {
      const { c, seen } = client()
      const items = Array.from({ length: 1234 }, (_, i) => ({ productId: `bulk-${i}`, name: `Item ${i}` }))
      items[700] = { productId: 'bulk-700', name: '' } // name must not be empty
      const r = await c.catalog.upsertMany(items)
      expect(seen.filter((s) => s === 'POST /api/v1/catalog/batch')).toHaveLength(3)
      expect(r.created).toBe(1233)
      expect(r.rejected.map((x) => x.index)).toEqual([700])
    }, 60_000)

    test('events.sendBatch: 250 events in three requests; every event gets an eventId, so a resend is all duplicates', async () => {
      const { c, seen } = client()
      const list = Array.from({ length: 250 }, (_, i) => ({ eventType: 'product_viewed' as const, userId: `u-${i % 7}`, productId: `bulk-${i % 50}` }))
      list[130] = { ...list[130]!, eventType: 'teleported' as never }
      const first = await c.events.sendBatch(list)
      expect(seen.filter((s) => s === 'POST /api/v1/events/batch')).toHaveLength(3)
      expect(first.accepted).toBe(249)
      expect(first.rejected.map((x) => x.index)).toEqual([130])
      const withIds = list.map((e, i) => ({ ...e, eventId: `batch-${backend}-${i}` }))
      await c.events.sendBatch(withIds)
      const again = await c.events.sendBatch(withIds)
      expect({ accepted: again.accepted, duplicates: again.duplicates }).toEqual({ accepted: 0, duplicates: 249 })
    }, 60_000)

    test('a retried event is stored once: the answer is lost (503) after the server stored it, the retry is a duplicate', async () => {
      const waits: number[] = []
      let lost = 0
      const fetch = async (req: Request) => {
        const res = await t.app.handle(req)
        if (lost++ === 0) return new Response('{"title":"Service Unavailable","status":503}', { status: 503, headers: { 'retry-after': '2', 'content-type': 'application/problem+json' } })
        return res
      }
      const c = createClient({ baseUrl: 'http://localhost', apiKey: k.writeKey, fetch, retry: noWait(waits) })
      const r = await c.events.send({ eventType: 'add_to_cart', userId: 'u-retry', productId: 'sku-1' })
      expect(r.status).toBe('duplicate')
      expect(waits).toEqual([2000])
      const stored = await c.GET('/api/v1/events', { params: { query: { userId: 'u-retry' } } })
      expect(stored.data!.data).toHaveLength(1)
    })

    test('429: waits as Retry-After says (seconds or a date), else backs off exponentially; gives up after `retries`', async () => {
      const waits: number[] = []
      const answers = [
        new Response(null, { status: 429, headers: { 'retry-after': '7' } }),
        new Response(null, { status: 429, headers: { 'retry-after': new Date(Date.UTC(2030, 0, 1, 0, 0, 3)).toUTCString() } }),
        new Response(null, { status: 503 }),
      ]
      const fetch = async (req: Request) => answers.shift() ?? t.app.handle(req)
      const c = createClient({ baseUrl: 'http://localhost', apiKey: k.writeKey, fetch, retry: { ...noWait(waits), now: () => Date.UTC(2030, 0, 1), baseDelayMs: 100 } })
      const me = await c.GET('/api/v1/me')
      expect(me.response.status).toBe(200)
      expect(waits).toEqual([7000, 3000, 400]) // Retry-After twice, then 100 · 2² with no header

      const always429 = async () => new Response(null, { status: 429 })
      const waits2: number[] = []
      const gaveUp = createClient({ baseUrl: 'http://localhost', apiKey: k.writeKey, fetch: always429, retry: { ...noWait(waits2), retries: 3, baseDelayMs: 100 } })
      expect((await gaveUp.GET('/api/v1/me')).response.status).toBe(429)
      expect(waits2).toEqual([100, 200, 400])
    })
  })
}
