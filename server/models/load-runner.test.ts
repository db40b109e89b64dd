// A stored model loads on a load thread — read there (PostgreSQL) or read here and handed over
// (PGlite's path) — into what an inline load makes: the same model, index and bytes estimate.
// A tenant without a model loads nothing; a model that cannot be decoded, or a database the
// thread cannot reach, fails that load, and the threads go on loading the next.
import { afterAll, describe, expect, test } from 'bun:test'
import { loadModelBase64 } from '../../db/queries/models.ts'
import { compactForServing } from '../engine/strategies/model-index.ts'
import { jsKernels } from '../kernels/load.ts'
import { backend, BACKENDS, quietLog } from '../test/backends.ts'
import { seedTenants } from '../test/seed-tenants.ts'
import { loadStoredModel, stopLoadThread } from './load-runner.ts'
import { loadedModelBytes } from './model-bytes.ts'
import { gunzipModel } from './model-decode.ts'
import { DEFAULT_MODEL_OPTIONS, ModelStore } from './store.ts'

afterAll(() => stopLoadThread())
// A load's failure is caught, then checked: bun test's `expect(pending).rejects` waits for the promise
// without delivering the load thread's reply, so the load would never settle.
const failure = (p: Promise<unknown>) => p.then(() => 'loaded', (e: unknown) => String(e))

for (const name of BACKENDS) {
  describe(`model loads on a thread [${name}]`, async () => {
    const b = await backend(name)
    const raw = b.database.raw
    const [built, bad, none] = await seedTenants(raw, { tenants: 3, items: 2500, events: 6000, users: 300, label: `load-thread-${name}` })
    const builder = new ModelStore(raw, await b.makeCache(), quietLog, jsKernels(), () => new Date(), DEFAULT_MODEL_OPTIONS)
    expect(await builder.build(built!)).toBeTruthy()
    expect(await builder.build(bad!)).toBeTruthy()
    await raw.query(`update recommendation_models set model = decode('1f8b0000', 'hex') where tenant_id = $1`, [bad])
    const paths = [{ label: 'read here, decoded on the thread', threads: 2 }, ...(b.database.url ? [{ label: 'read and decoded on the thread', threads: 2, databaseUrl: b.database.url }] : [])]

    for (const opts of paths) {
      test(`${opts.label}: the model, index and bytes an inline load makes, its items in slices`, async () => {
        const inline = gunzipModel((await loadModelBase64(raw, built!))!.model64)
        const want = compactForServing(inline)
        let pauses = 0
        const got = (await loadStoredModel(raw, built!, opts, async () => { pauses++ }))!
        expect(got.thread).toBe(true)
        expect(got.model.items).toHaveLength(2500)
        expect(pauses).toBe(3) // 2,500 items: three slices of at most 1,000, a turn after each
        expect(got.model).toEqual(inline)
        expect([...got.index.byId]).toEqual([...want.byId])
        for (const k of ['popular', 'popularByCategory', 'trending', 'newest', 'neighbors', 'boughtWith'] as const) expect(got.index[k]).toEqual(want[k])
        expect(got.index.neighbors.item.length).toBeGreaterThan(0)
        expect(got.index.content).toEqual(want.content)
        expect(got.bytes).toBe(loadedModelBytes(inline, want))
      })

      test(`${opts.label}: a tenant without a model loads nothing; a model that cannot be decoded fails its load only`, async () => {
        expect(await loadStoredModel(raw, none!, opts)).toBeUndefined()
        expect(await failure(loadStoredModel(raw, bad!, opts))).toMatch(/model load failed/)
        expect((await loadStoredModel(raw, built!, opts))?.model.items).toHaveLength(2500)
      })
    }

    if (b.database.url) {
      test('a database the load thread cannot reach fails the load; the next load is served', async () => {
        const unreachable = b.database.url!.replace(/@[^/]+\//, '@127.0.0.1:1/')
        expect(await failure(loadStoredModel(raw, built!, { threads: 1, databaseUrl: unreachable }))).toMatch(/model load failed/)
        expect((await loadStoredModel(raw, built!, { threads: 1, databaseUrl: b.database.url }))?.model.items).toHaveLength(2500)
      })
    }
  })
}
