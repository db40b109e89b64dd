// An API process loads the most wanted tenants' stored models before it reports ready
// (MODEL_WARM_SECONDS): those asked for most since yesterday first, then the newest built;
// the warm-up stops when its list ends, its time is up, or the model cache is nearly full.
import { describe, expect, test } from 'bun:test'
import { tenantsToWarm } from '../../db/queries/models.ts'
import { jsKernels } from '../kernels/load.ts'
import { backend, BACKENDS, quietLog } from '../test/backends.ts'
import { seedTenants } from '../test/seed-tenants.ts'
import { testApp } from '../test/harness.ts'
import { DEFAULT_MODEL_OPTIONS, ModelStore, type ModelStoreOptions } from './store.ts'

const NIL = '00000000-0000-0000-0000-000000000000'

for (const name of BACKENDS) {
  describe(`warm-up before ready [${name}]`, async () => {
    const b = await backend(name)
    const raw = b.database.raw
    const storeWith = async (opts: Partial<ModelStoreOptions>, clock = () => new Date()) =>
      new ModelStore(raw, await b.makeCache(), quietLog, jsKernels(), clock, { ...DEFAULT_MODEL_OPTIONS, ...opts })
    const [a, c, d, unbuilt, suspended] = await seedTenants(raw, { tenants: 5, items: 40, events: 300, users: 30, label: `warm-${name}` }) as [string, string, string, string, string]
    const builder = await storeWith({})
    for (const id of [a, c, d, suspended]) expect(await builder.build(id)).toBeTruthy()
    await raw.query(`update tenants set status = 'suspended' where id = $1`, [suspended])
    const today = new Date().toISOString().slice(0, 10)
    const since = new Date(Date.now() - 86400_000).toISOString().slice(0, 10)
    // c is asked for most, then a; d not at all (it follows, by when it was built). Old usage does not count.
    await raw.query(
      `insert into usage_daily (tenant_id, day, key_id, recommendation_requests) values ($1, $3::date, $4, 50), ($2, $3::date, $4, 5), ($5, '2020-01-01', $4, 100000)`,
      [c, a, today, NIL, d])

    test('lists active tenants with a stored model, the most asked for since yesterday first', async () => {
      const mine = (await tenantsToWarm(raw, since, 10_000)).filter((id) => [a, c, d, unbuilt, suspended].includes(id))
      expect(mine).toEqual([c, a, d])
    })

    test('loads the listed models before any request; the most wanted is the most recently used', async () => {
      const store = await storeWith({ cacheBytes: 2 ** 40 })
      const r = await store.warmUp([c, a, unbuilt, d], Date.now() + 60_000)
      expect(r).toMatchObject({ models: 3, stoppedBy: 'done', tenantIds: [c, a, d] })
      expect(r.bytes).toBe(store.cacheStats().bytes)
      expect(store.heldTenants()).toEqual([d, a, c])
      // Served from memory: no promise, no load.
      expect(store.serving(c)).not.toBeInstanceOf(Promise)
      expect(store.cacheStats().loads).toBe(3)
    })

    test('stops when its time is up', async () => {
      const store = await storeWith({})
      expect(await store.warmUp([c, a, d], Date.now() - 1)).toEqual({ models: 0, bytes: 0, stoppedBy: 'time', tenantIds: [] })
      expect(store.heldTenants()).toEqual([])
    })

    test('stops when the cache is nearly full, before loading the whole list', async () => {
      const store = await storeWith({ cacheBytes: 1, loadThreads: 1 })
      const r = await store.warmUp([c, a, d], Date.now() + 60_000)
      expect(r.stoppedBy).toBe('budget')
      // Two lanes may each have begun a load before the first filled the cache; the third is never loaded.
      expect(store.cacheStats().loads).toBeLessThanOrEqual(2)
      expect(store.heldTenants()).not.toContain(d)
    })

    test("the app's warm-up loads the most asked-for tenant first, and its rules; MODEL_WARM_SECONDS=0 loads nothing", async () => {
      // Far above any other test's usage in the shared database: c is first in the list.
      await raw.query(`update usage_daily set recommendation_requests = 1000000000 where tenant_id = $1 and day = $2::date`, [c, today])
      const off = await testApp(name, { modelWarmSeconds: 0 })
      expect(await off.app.warmUp()).toBeUndefined()
      expect(off.app.services.models.cacheStats().loads).toBe(0)
      const t = await testApp(name, { modelWarmSeconds: 3 })
      const r = await t.app.warmUp()
      expect(r!.listed).toBeGreaterThanOrEqual(3)
      expect(r!.models).toBeGreaterThanOrEqual(1)
      expect(t.app.services.models.heldTenants().at(-1)).toBe(c)
      expect(t.app.services.models.serving(c)).not.toBeInstanceOf(Promise)
      // Its rules were read with it: the first request finds them in memory.
      expect(t.app.services.rules.bookFor(c)).not.toBeInstanceOf(Promise)
    })

    test('/health answers 503 starting until the runtime marks the app ready after its warm-up', async () => {
      const t = await testApp(name, { modelWarmSeconds: 3 }, undefined, { ready: false })
      const before = await t.req('GET', '/health')
      expect(before.status).toBe(503)
      expect(before.body.status).toBe('starting')
      await t.app.warmUp()
      t.app.markReady()
      const after = await t.req('GET', '/health')
      expect(after.status).toBe(200)
      expect(after.body.status).toBe('ok')
    })
  })
}
