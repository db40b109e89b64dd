// Builds run on a thread of their own, so the API's thread keeps answering; the
// model is the one an inline build gives, and a failed build is reported as such.
import { afterAll, expect, test } from 'bun:test'
import { gunzipSync } from 'node:zlib'
import { ensureKernels } from '../../scripts/build-kernels.ts'
import { syntheticStore } from '../../scripts/eval/synthetic.ts'
import { loadKernels } from '../kernels/load.ts'
import { buildModel } from '../engine/build.ts'
import { buildTunedModel } from '../engine/tune.ts'
import { runBuild, stopBuildThread } from './build-runner.ts'
import { packInteractions, unpackInteractions } from './packed-interactions.ts'
import type { Interaction, TenantModel } from '../engine/types.ts'

afterAll(() => stopBuildThread())

const withoutTime = (m: TenantModel) => ({ ...m, stats: { ...m.stats, buildMs: 0 } })

test('a build runs on its own thread, this one going on meanwhile, and gives the model an inline build gives', async () => {
  await ensureKernels()
  const kernels = await loadKernels()
  const { input } = syntheticStore()
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  const built = await runBuild(input, { maxItemsPerUser: 40 }, kernels)
  clearInterval(timer)
  expect(built.thread).toBe(true)
  // Timers fired while the model was being built: an inline build would have held them all back.
  expect(ticks).toBeGreaterThan(0)
  expect(withoutTime(built.model)).toEqual(withoutTime(buildModel(input, kernels, { maxItemsPerUser: 40 })))
  expect(JSON.parse(gunzipSync(built.gzipped).toString('utf8'))).toEqual(built.model)
})

test('a build that chooses its settings does so on the thread, as inline, and brings its grade back', async () => {
  const { input } = syntheticStore()
  const tuning = { fixed: { regularisation: 20 }, excludePurchased: true, profileEvents: 100 }
  const built = await runBuild(input, {}, undefined, tuning)
  expect(built.thread).toBe(true)
  const inline = buildTunedModel(input, tuning)
  const untimed = (m: TenantModel) => ({ ...withoutTime(m), stats: { ...m.stats, buildMs: 0, tuneMs: 0 } })
  expect(untimed(built.model)).toEqual(untimed(inline.model))
  expect(built.evaluation).toEqual(inline.evaluation)
  expect(built.evaluation!.chosenSettings.regularisation).toBe(20)
})

test('a build that fails on the thread is reported as failed; the next one works', async () => {
  const { input } = syntheticStore()
  await expect(runBuild({ ...input, items: null as never }, {}, undefined)).rejects.toThrow('model build failed')
  const next = await runBuild(input, {}, undefined)
  expect(next.thread).toBe(true)
  expect(next.model.items.length).toBe(input.items.length)
})

test('interactions packed into columns come back as they were, optional ids included', () => {
  const xs: Interaction[] = [
    { userId: 'u1', productId: 'p1', eventType: 'purchase', ts: 1_700_000_000_123, orderId: 'o1' },
    { userId: 'u2', productId: 'p1', eventType: 'product_viewed', ts: 1_700_000_000_456, sessionId: 's\u00001' },
    { userId: 'u1', productId: 'p2', eventType: 'add_to_cart', ts: 1_700_000_000_789, orderId: 'o1', sessionId: 's2' },
    { userId: 'ü ✓', productId: '', eventType: 'product_clicked', ts: 0 },
  ]
  const packed = packInteractions(xs)
  expect(packed.strings.filter((s) => s === 'u1').length).toBe(1) // each distinct id once
  expect(unpackInteractions(packed)).toEqual(xs)
  expect(unpackInteractions(packInteractions([]))).toEqual([])
})
