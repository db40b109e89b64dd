// Models held per instance, bounded by bytes (MODEL_CACHE_MB): least recently used tenants'
// models are evicted and loaded again on their next request; a tenant whose model is not in
// memory yet is answered from the fallback list at once (meta.modelLoading) while one load,
// however many requests ask, brings it in; /metrics reports the cache.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../db/client.ts'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { jsKernels } from '../kernels/load.ts'
import { backend, BACKENDS, quietLog } from '../test/backends.ts'
import { TEST_SECRETS, testApp } from '../test/harness.ts'
import { seedTenants } from '../test/seed-tenants.ts'
import { waitFor } from '../test/wait-for.ts'
import { DEFAULT_MODEL_OPTIONS, LOADING, ModelStore, type ModelStoreOptions } from './store.ts'

/** A database whose model reads wait until `release` (a slow load, held as long as the test needs), counted. */
function gatedModelReads(raw: RawSql) {
  let release!: () => void
  const gate = new Promise<void>((r) => { release = r })
  const counter = { reads: 0, release }
  const gated: RawSql = {
    query: (async (text: string, params?: unknown[]) => {
      // A load begins with the stored version; the model itself is then read here or, on PostgreSQL, by a load thread.
      if (text.startsWith('select version from recommendation_models')) { counter.reads++; await gate }
      return raw.query(text, params)
    }) as RawSql['query'],
    transaction: raw.transaction.bind(raw) as RawSql['transaction'],
  }
  return { gated, counter }
}

for (const name of BACKENDS) {
  describe(`models held in memory [${name}]`, async () => {
    const b = await backend(name)
    const raw = b.database.raw
    const storeWith = async (opts: Partial<ModelStoreOptions>, db: RawSql = raw) =>
      new ModelStore(db, await b.makeCache(), quietLog, jsKernels(), () => new Date(), { ...DEFAULT_MODEL_OPTIONS, ...opts })
    const ids = await seedTenants(raw, { tenants: 3, items: 60, events: 600, users: 40, label: `memory-${name}` })
    const builder = await storeWith({})
    for (const id of ids) expect(await builder.build(id)).toBeTruthy()
    // Each model's bytes, as another instance loading it counts them.
    const probe = await storeWith({ cacheBytes: 2 ** 40 })
    const sizes: number[] = []
    for (const id of ids) { const before = probe.cacheStats().bytes; await probe.get(id); sizes.push(probe.cacheStats().bytes - before) }
    const largest = Math.max(...sizes)

    test('least recently used models are evicted by bytes, never above the budget, and load again when asked for', async () => {
      const [a, b2, c] = ids as [string, string, string]
      const budget = Math.floor(2.5 * largest) // two models fit, not three
      const store = await storeWith({ cacheBytes: budget })
      const evicted: string[] = []
      store.onEvicted((t) => evicted.push(t))
      const within = () => expect(store.cacheStats().bytes).toBeLessThanOrEqual(budget)
      expect((await store.get(a))?.items).toHaveLength(60)
      await store.get(b2)
      within()
      expect(store.get(a)).not.toBeInstanceOf(Promise) // in memory: a is now the most recently used
      await store.get(c)
      within()
      expect(evicted).toEqual([b2])
      expect(store.heldTenants()).toEqual([a, c])
      const again = await store.get(b2)
      within()
      expect(again?.version).toBe((await probe.get(b2))!.version)
      expect(evicted).toEqual([b2, a])
      expect(store.heldTenants()).toEqual([c, b2])
      expect(store.cacheStats()).toMatchObject({ models: 2, loads: 4, evictions: 2, budgetBytes: budget })
    })

    test('a model larger than the whole budget is still held, alone', async () => {
      const store = await storeWith({ cacheBytes: 1 })
      expect(await store.get(ids[0]!)).toBeTruthy()
      expect(await store.get(ids[1]!)).toBeTruthy()
      expect(store.heldTenants()).toEqual([ids[1]!])
      expect(store.cacheStats()).toMatchObject({ models: 1, evictions: 1 })
    })

    test('a model still loading answers LOADING within the wait, and is loaded once however many ask', async () => {
      const { gated, counter } = gatedModelReads(raw)
      const store = await storeWith({ coldWaitMs: 0 }, gated)
      const answers = await Promise.all(Array.from({ length: 5 }, () => store.serving(ids[2]!)))
      expect(answers).toEqual([LOADING, LOADING, LOADING, LOADING, LOADING])
      // The read starts after the version check, which may come after the answers: once started, it is the only one.
      await waitFor('the model read to start', () => counter.reads > 0)
      expect(await store.serving(ids[2]!)).toBe(LOADING)
      expect(counter.reads).toBe(1)
      counter.release()
      await waitFor('the model loaded', () => store.heldTenants().includes(ids[2]!))
      const served = store.serving(ids[2]!)
      expect(served).not.toBeInstanceOf(Promise)
      expect((served as { items: unknown[] }).items).toHaveLength(60)
      expect(counter.reads).toBe(1)
      expect(store.cacheStats().loads).toBe(1)
    })

    test('over HTTP: a cold tenant gets the newest products at once (meta.modelLoading, no build asked for), then its model; /metrics counts the load', async () => {
      const t = await testApp(name)
      const k = await t.tenantWithKeys()
      const items = Array.from({ length: 12 }, (_, i) => ({ productId: `p-${i}`, name: `Product ${i}`, category: i % 2 ? 'odd' : 'even' }))
      expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })).status).toBe(200)
      const events = Array.from({ length: 60 }, (_, i) => ({ eventType: 'product_viewed', userId: `u-${i % 6}`, productId: `p-${(i * 7) % 12}` }))
      expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).body.data.rejected).toEqual([])
      const version = await t.app.services.models.build(k.tenantId)
      expect(version).toBeTruthy()

      // Another instance, whose model reads are slow.
      const { gated, counter } = gatedModelReads(raw)
      const other = await createApp({
        config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent', MAX_TENANT_RATE_LIMIT: '10000000' }), database: { ...b.database, raw: gated }, cache: await b.makeCache(),
        log: quietLog, mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS,
      })
      other.markReady()
      const ask = async () => {
        const res = await other.handle(new Request('http://localhost/api/v1/recommendations?userId=u-1&limit=4', { headers: { 'x-api-key': k.readKey } }))
        expect(res.status).toBe(200)
        return await res.json() as { data: { productId: string }[]; meta: { modelLoading?: boolean; modelVersion: string | null; strategy: string } }
      }
      const cold = await ask()
      expect(cold.meta).toMatchObject({ modelLoading: true, modelVersion: null })
      expect(cold.data.length).toBe(4)
      await waitFor('the model read to start', () => counter.reads > 0)
      expect((await ask()).meta.modelLoading).toBe(true) // still loading: the same answer, one load
      expect(counter.reads).toBe(1)
      expect((await t.req('GET', '/api/v1/models', { key: k.writeKey })).body.data.status).toBe('ready') // no build was asked for

      counter.release()
      await waitFor('the model loaded', () => other.services.models.heldTenants().includes(k.tenantId))
      const warm = await ask()
      expect(warm.meta.modelLoading).toBeUndefined()
      expect(warm.meta.modelVersion).toBe(version!)
      const metrics = await (await other.handle(new Request('http://localhost/metrics'))).text()
      expect(metrics).toMatch(/^recomengine_model_cache_loads_total 1$/m)
      expect(metrics).toMatch(/^recomengine_model_cache_models 1$/m)
      expect(metrics).toMatch(/^recomengine_model_cache_evictions_total 0$/m)
      expect(Number(metrics.match(/^recomengine_model_cache_bytes (\d+)$/m)?.[1])).toBeGreaterThan(3_000) // 12 items: their objects, strings, lists and content rows
      await other.shutdown()
    }, 60_000)
  })
}
