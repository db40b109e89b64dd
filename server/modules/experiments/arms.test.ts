// More than two arms (issue 25): the bucket ranges of the shared contract, and the API around them.
import { describe, expect, test } from 'bun:test'
import { jsKernels, loadKernels } from '../../kernels/load.ts'
import { BACKENDS, backend } from '../../test/backends.ts'
import { exposedUserMetrics } from '../../../db/queries/experiments.ts'
import { waitFor } from '../../test/wait-for.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { armsOf, assignArm, weightedArmOf } from './assignment.ts'

const three = [{ key: 'ctl', weight: 20 }, { key: 'b', weight: 30 }, { key: 'c', weight: 50 }]
const five = [{ key: 'a', weight: 10 }, { key: 'b', weight: 20 }, { key: 'c', weight: 30 }, { key: 'd', weight: 15 }, { key: 'e', weight: 25 }]

/** The contract, written out: arm i owns [Σ_{j<i} w_j × 100, Σ_{j≤i} w_j × 100). */
function contractArm(bucket: number, arms: { key: string; weight: number }[]): string {
  let lo = 0
  for (const a of arms) {
    const hi = lo + a.weight * 100
    if (bucket >= lo && bucket < hi) return a.key
    lo = hi
  }
  throw new Error(`bucket ${bucket} outside every range`)
}

describe('multi-arm assignment contract (shared with the SDK)', async () => {
  const wasm = await loadKernels()
  test('3 arms: every bucket in its range, the boundaries exact', () => {
    for (let b = 0; b < 10000; b++) expect(weightedArmOf(b, three)).toBe(contractArm(b, three))
    expect([0, 1999, 2000, 4999, 5000, 9999].map((b) => weightedArmOf(b, three))).toEqual(['ctl', 'ctl', 'b', 'b', 'c', 'c'])
  })
  test('5 arms: every bucket in its range, the boundaries exact', () => {
    for (let b = 0; b < 10000; b++) expect(weightedArmOf(b, five)).toBe(contractArm(b, five))
    expect([999, 1000, 2999, 3000, 5999, 6000, 7499, 7500, 9999].map((b) => weightedArmOf(b, five))).toEqual(['a', 'b', 'b', 'c', 'c', 'd', 'd', 'e', 'e'])
  })
  test('the weights are honoured over 100k users (within ±0.7 points)', () => {
    const e = { control: 'trending', variant: 'collaborative', trafficSplit: 90, variants: five.map((a) => ({ ...a, strategy: 'trending' })) }
    const counts: Record<string, number> = {}
    for (let i = 0; i < 100_000; i++) {
      const arm = assignArm(wasm, 'exp-5', `user-${i}`, e)
      counts[arm] = (counts[arm] ?? 0) + 1
    }
    for (const a of five) expect(Math.abs(counts[a.key]! / 1000 - a.weight)).toBeLessThan(0.7)
  })
  test('the two-arm form keeps its rule (variant below the split); armsOf lists control first', () => {
    const two = { control: 'trending', variant: 'collaborative', trafficSplit: 30, variants: null }
    const k = jsKernels()
    for (let i = 0; i < 200; i++) expect(assignArm(k, 'e', `u${i}`, two)).toBe(k.bucket('e', `u${i}`) < 3000 ? 'variant' : 'control')
    expect(armsOf(two)).toEqual([{ key: 'control', strategy: 'trending', weight: 70 }, { key: 'variant', strategy: 'collaborative', weight: 30 }])
  })
})

const variants3 = [
  { key: 'control', strategy: 'content_based', weight: 40 },
  { key: 'trend', strategy: 'trending', weight: 30 },
  { key: 'collab', strategy: 'collaborative', weight: 30 },
]
const body = { name: 'Three ways', metric: 'ctr', variants: variants3 }

for (const name of BACKENDS) {
  describe(`multi-arm experiments [${name}]`, async () => {
    const t = await testApp(name)
    const post = (key: string, path: string, b?: unknown) => t.req('POST', `/api/v1/experiments${path}`, { key, body: b })

    test('create with variants (201); the two-arm columns mirror the first two arms', async () => {
      const k = await t.tenantWithKeys()
      const r = await post(k.writeKey, '', { ...body, placement: 'home', guardrails: ['conversion_rate'] })
      expect(r.status).toBe(201)
      expect(r.body.data).toMatchObject({ variants: variants3, control: 'content_based', variant: 'trending', trafficSplit: 60, guardrails: ['conversion_rate'], cuped: true })
      const two = await post(k.writeKey, '', { name: 'Two', metric: 'ctr', control: 'trending', variant: 'collaborative', trafficSplit: 50, placement: 'pdp' })
      expect(two.body.data).toMatchObject({ variants: null, guardrails: [], cuped: true })
    })

    test('bad arms → 400 with the field', async () => {
      const k = await t.tenantWithKeys()
      const field = async (b: object) => expectProblem(await post(k.writeKey, '', b), 400).errors!.map((e) => e.field)
      const v = (over: Partial<(typeof variants3)[number]>[]) => ({ ...body, variants: variants3.map((a, i) => ({ ...a, ...over[i] })) })
      expect(await field(v([{ weight: 50 }]))).toEqual(['variants'])                           // sums to 110
      expect(await field(v([{}, { key: 'control' }]))).toEqual(['variants'])                   // duplicate key
      expect((await field(v([{ key: 'has space' }])))[0]).toStartWith('variants')              // key pattern
      expect((await field(v([{ strategy: 'magic' }])))[0]).toStartWith('variants')
      expect((await field(v([{ weight: 0 }])))[0]).toStartWith('variants')
      expect((await field({ ...body, variants: variants3.slice(0, 1) }))[0]).toStartWith('variants') // one arm
      const six = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, strategy: 'trending', weight: i ? 16 : 20 }))
      expect((await field({ ...body, variants: six }))[0]).toStartWith('variants')
      expect(await field({ ...body, trafficSplit: 50 })).toEqual(['trafficSplit'])            // both forms
      expect(await field({ name: 'x', metric: 'ctr', control: 'trending', trafficSplit: 50 })).toEqual(['variant']) // neither complete
      expect((await field({ ...body, guardrails: ['happiness'] }))[0]).toStartWith('guardrails')
      expect((await field({ ...body, guardrails: ['conversion_rate', 'conversion_rate'] }))[0]).toStartWith('guardrails')
      // A variants draft changes its arms only as a whole.
      const draft = (await post(k.writeKey, '', { ...body, status: 'draft' })).body.data.id
      expect(expectProblem(await t.req('PATCH', `/api/v1/experiments/${draft}`, { key: k.writeKey, body: { trafficSplit: 20 } }), 400).errors!.map((e) => e.field)).toEqual(['variants'])
      const five = variants3.concat([{ key: 'fbt', strategy: 'frequently_bought_together', weight: 10 }, { key: 'aa', strategy: 'content_based', weight: 10 }]).map((a, i) => (i === 0 ? { ...a, weight: 20 } : a))
      const p = await t.req('PATCH', `/api/v1/experiments/${draft}`, { key: k.writeKey, body: { variants: five, cuped: false } })
      expect(p.body.data).toMatchObject({ variants: five, trafficSplit: 80, cuped: false })
    })

    test('serving: meta.experiment.variant is the arm key by the contract; the SDK reads the arms; cross-tenant 404', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: [
        { productId: 'p1', name: 'Blue ceramic mug', category: 'kitchen', description: 'ceramic coffee mug' },
        { productId: 'p2', name: 'Green ceramic mug', category: 'kitchen', description: 'ceramic coffee mug' },
      ] } })
      await t.app.services.models.build(k.tenantId)
      const exp = (await post(k.writeKey, '', { ...body, placement: 'home' })).body.data
      const kernels = jsKernels()
      const seen = new Set<string>()
      for (let i = 0; i < 30; i++) {
        const userId = `shopper-${i}`
        const r = await t.req('GET', `/api/v1/recommendations?userId=${userId}&placement=home&productId=p1`, { key: k.readKey })
        const arm = contractArm(kernels.bucket(exp.id, userId), variants3)
        seen.add(arm)
        expect(r.body.meta.experiment).toEqual({ id: exp.id, variant: arm })
        if (arm === 'control') expect(r.body.meta.strategy).toBe('content_based')
      }
      expect(seen.size).toBe(3)
      // The public read of a running experiment carries the arms (what the SDK's getVariant needs).
      expect((await t.req('GET', `/api/v1/experiments/${exp.id}`, { key: k.readKey })).body.data.variants).toEqual(variants3)
      const other = await t.tenantWithKeys()
      expectProblem(await t.req('GET', `/api/v1/experiments/${exp.id}`, { key: other.readKey }), 404)
      expectProblem(await t.req('GET', `/api/v1/experiments/${exp.id}/results`, { key: other.writeKey }), 404)
    })

    test('results: every arm with Holm, guardrails and the CUPED covariate from the 14 days before exposure; promote by key', async () => {
      const k = await t.tenantWithKeys({ attributionWindowHours: 24 })
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: [{ productId: 'p1', name: 'One', category: 'c', price: 3 }] } })
      await t.app.services.models.build(k.tenantId)
      const exp = (await post(k.writeKey, '', { ...body, metric: 'conversion_rate', placement: 'home', guardrails: ['revenue_per_visitor'] })).body.data
      const kernels = jsKernels()
      const users: Record<string, string[]> = { control: [], trend: [], collab: [] }
      for (let i = 0; Object.values(users).some((u) => u.length < 2); i++) {
        const u = `s${i}`, arm = contractArm(kernels.bucket(exp.id, u), variants3)
        if (users[arm]!.length < 2) users[arm]!.push(u)
      }
      const all = Object.values(users).flat()
      for (const u of all) await t.req('GET', `/api/v1/recommendations?userId=${u}&placement=home`, { key: k.readKey })
      const { database } = await backend(name)
      await waitFor('6 exposures', async () => (await database.raw.query<{ n: number }>('select count(*)::int as n from experiment_exposures where experiment_id = $1', [exp.id]))[0]!.n === 6, { everyMs: 20 })
      await database.raw.query("update experiment_exposures set exposed_at = now() - interval '72 hours' where experiment_id = $1", [exp.id])
      const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString()
      const ev = (userId: string, eventType: string, hoursAgo: number, metadata?: object) => ({ userId, eventType, productId: 'p1', timestamp: at(hoursAgo), placement: 'home', ...(metadata ? { metadata } : {}) })
      const [c1, c2] = users.control as [string, string], [t1] = users.trend as [string], [l1, l2] = users.collab as [string, string]
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev(c1, 'recommendation_clicked', 100), ev(c1, 'purchase', 99, { price: 40 }),     // before exposure: the covariate
        ev(c1, 'recommendation_clicked', 10), ev(c1, 'purchase', 9, { price: 10 }),       // after: the outcome
        ev(c2, 'product_viewed', 200),                                                   // pre-exposure data, nothing to count
        ev(t1, 'recommendation_clicked', 5), ev(t1, 'purchase', 4, { price: 10 }),
        ev(l1, 'recommendation_clicked', 72 + 15 * 24), ev(l1, 'purchase', 72 + 15 * 24 - 1, { price: 9 }), // more than 14 days before: ignored
        ev(l2, 'recommendation_impressed', 80),
      ] } })
      expect(r.body.data.rejected).toEqual([])
      const rows = await exposedUserMetrics(database.raw, k.tenantId, exp.id, 24, 14)
      expect(rows).toHaveLength(6)
      const sorted = rows.map((x) => [x.arm, x.conversions, x.revenue, x.preConversions, x.preRevenue, x.preImpressions, x.hasPre]).sort()
      expect(sorted).toEqual([
        ['collab', 0, 0, 0, 0, 0, false], ['collab', 0, 0, 0, 0, 1, true],
        ['control', 0, 0, 0, 0, 0, true], ['control', 1, 10, 1, 40, 0, true],
        ['trend', 0, 0, 0, 0, 0, false], ['trend', 1, 10, 0, 0, 0, false],
      ].sort())
      // Without CUPED the query reads no pre-exposure period.
      expect((await exposedUserMetrics(database.raw, k.tenantId, exp.id, 24, 0)).every((x) => x.preConversions === 0 && !x.hasPre)).toBe(true)
      const res = (await t.req('GET', `/api/v1/experiments/${exp.id}/results`, { key: k.writeKey })).body.data
      expect(res.arms.map((a: { key: string; sampleSize: number }) => [a.key, a.sampleSize])).toEqual([['control', 2], ['trend', 2], ['collab', 2]])
      expect(res.arms[0]).toMatchObject({ metric: 0.5, lift: null, cuped: null })
      expect(res.arms[2]).toMatchObject({ metric: 0, lift: -1 })
      expect(res.guardrails.map((g: { metric: string; arm: string }) => [g.metric, g.arm])).toEqual([['revenue_per_visitor', 'trend'], ['revenue_per_visitor', 'collab']])
      expect(res.decision.status).toBe('continue')
      const p = await t.req('POST', `/api/v1/experiments/${exp.id}/promote`, { key: k.writeKey })
      expect(p.body.data).toMatchObject({ winner: 'control', promoted: { placement: 'home', strategy: 'content_based' } })
    })
  })
}
