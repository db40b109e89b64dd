import { describe, expect, test } from 'bun:test'
import cases from '../../../assembly/cases.json'
import { jsKernels, loadKernels } from '../../kernels/load.ts'
import { BACKENDS, backend } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { armOf, assign, nextStatus } from './assignment.ts'
import { conversionRate } from './statistics.ts'
import { waitFor } from '../../test/wait-for.ts'
import type { RawSql } from '../../../db/client.ts'

/** Exposures are written in the background: how many there are once there are at least `n`. */
const exposuresReach = (raw: RawSql, experimentId: string, n: number) => waitFor(`${n} exposures`, async () => {
  const [{ count }] = await raw.query<{ count: number }>('select count(*)::int as count from experiment_exposures where experiment_id = $1', [experimentId])
  return count >= n && count
}, { everyMs: 20 })

const base = { name: 'Collab vs trending', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr' }

describe('assignment contract (shared with the SDK)', async () => {
  const wasm = await loadKernels()
  const js = jsKernels()
  test('bucket = murmur3(experimentId + ":" + userId) % 10000, in WASM and in TypeScript', () => {
    for (const v of cases.hash.buckets as { experimentId: string; userId: string; bucket: number }[]) {
      expect(wasm.bucket(v.experimentId, v.userId)).toBe(v.bucket)
      expect(js.bucket(v.experimentId, v.userId)).toBe(v.bucket)
    }
    expect(wasm.murmur3('hello')).toBe(0x248bfa47)
    expect(wasm.murmur3('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723)
    expect(wasm.murmur3('')).toBe(0)
  })
  test('variant when bucket < trafficSplit × 100', () => {
    expect(armOf(0, 1)).toBe('variant')
    expect(armOf(99, 1)).toBe('variant')
    expect(armOf(100, 1)).toBe('control')
    expect(armOf(9899, 99)).toBe('variant')
    expect(armOf(9900, 99)).toBe('control')
  })
  test('the split is honoured and buckets are uniform (chi-square over 100k ids)', () => {
    const bins = new Array(100).fill(0)
    let variant = 0
    for (let i = 0; i < 100_000; i++) {
      const b = wasm.bucket('exp-42', `user-${i}`)
      bins[Math.floor(b / 100)]++
      if (assign(wasm, 'exp-42', `user-${i}`, 30) === 'variant') variant++
    }
    const chi = bins.reduce((s, o) => s + (o - 1000) ** 2 / 1000, 0)
    expect(chi).toBeLessThan(148.23) // p = 0.001 critical value, df 99
    expect(variant / 100_000).toBeGreaterThan(0.29)
    expect(variant / 100_000).toBeLessThan(0.31)
  })
  test('state machine: draft → running ⇄ paused → completed', () => {
    expect(nextStatus('draft', 'start')).toBe('running')
    expect(nextStatus('running', 'pause')).toBe('paused')
    expect(nextStatus('paused', 'resume')).toBe('running')
    expect(nextStatus('paused', 'complete')).toBe('completed')
    expect(nextStatus('running', 'complete')).toBe('completed')
    for (const [s, t] of [['running', 'start'], ['draft', 'pause'], ['draft', 'resume'], ['draft', 'complete'], ['completed', 'resume'], ['completed', 'start']] as const) expect(nextStatus(s, t)).toBeUndefined()
  })
})

for (const name of BACKENDS) {
  describe(`experiments [${name}]`, async () => {
    const t = await testApp(name)
    const post = (key: string, path: string, body?: unknown) => t.req('POST', `/api/v1/experiments${path}`, { key, body })

    test('create: running by default (201), or draft; fields validated', async () => {
      const k = await t.tenantWithKeys()
      const r = await post(k.writeKey, '', { ...base, placement: 'home' })
      expect(r.status).toBe(201)
      expect(r.body.data).toMatchObject({ ...base, placement: 'home', status: 'running' })
      expect(r.body.data.startedAt).not.toBeNull()
      const d = await post(k.writeKey, '', { ...base, status: 'draft' })
      expect(d.body.data).toMatchObject({ status: 'draft', placement: null, startedAt: null })
      const field = async (body: object) => expectProblem(await post(k.writeKey, '', body), 400).errors!.map((e) => e.field)
      expect(await field({ ...base, control: 'magic' })).toEqual(['control'])
      expect(await field({ ...base, trafficSplit: 0 })).toEqual(['trafficSplit'])
      expect(await field({ ...base, trafficSplit: 100 })).toEqual(['trafficSplit'])
      expect(await field({ ...base, metric: 'happiness' })).toEqual(['metric'])
      expect(await field({ ...base, variant: 'collaborative' })).toEqual(['variant'])
      expect(await field({ ...base, status: 'completed' })).toEqual(['status'])
      // An admin token with X-Tenant-ID works too.
      expect((await t.req('POST', '/api/v1/experiments', { token: k.token, tenant: k.tenantId, body: { ...base, placement: 'cart', status: 'draft' } })).status).toBe(201)
    })

    test('analysis: sequential by default; fixed needs plannedSampleSize (400) and says peeking until it is reached', async () => {
      const k = await t.tenantWithKeys()
      const seq = await post(k.writeKey, '', { ...base, placement: 'a1' })
      expect(seq.body.data).toMatchObject({ analysis: 'sequential', plannedSampleSize: null })
      const fixed = await post(k.writeKey, '', { ...base, placement: 'a2', analysis: 'fixed', plannedSampleSize: 5000 })
      expect(fixed.status).toBe(201)
      expect(fixed.body.data).toMatchObject({ analysis: 'fixed', plannedSampleSize: 5000 })
      const field = async (body: object) => expectProblem(await post(k.writeKey, '', body), 400).errors!.map((e) => e.field)
      expect(await field({ ...base, analysis: 'fixed' })).toEqual(['plannedSampleSize'])
      expect(await field({ ...base, analysis: 'bayesian' })).toEqual(['analysis'])
      expect(await field({ ...base, plannedSampleSize: 0 })).toEqual(['plannedSampleSize'])
      expect(await field({ ...base, plannedSampleSize: 'lots' })).toEqual(['plannedSampleSize'])
      // A draft may switch to fixed only with a horizon, and cannot drop it while fixed.
      const draft = (await post(k.writeKey, '', { ...base, status: 'draft' })).body.data.id
      const patch = (body: object) => t.req('PATCH', `/api/v1/experiments/${draft}`, { key: k.writeKey, body })
      expect(expectProblem(await patch({ analysis: 'fixed' }), 400).errors!.map((e) => e.field)).toEqual(['plannedSampleSize'])
      expect((await patch({ analysis: 'fixed', plannedSampleSize: 2000 })).body.data).toMatchObject({ analysis: 'fixed', plannedSampleSize: 2000 })
      expectProblem(await patch({ plannedSampleSize: null }), 400)
      // Results: a sequential one carries the confidence sequence; a fixed one is peeking before its horizon.
      const results = async (id: string) => (await t.req('GET', `/api/v1/experiments/${id}/results`, { key: k.writeKey })).body.data
      const s = await results(seq.body.data.id)
      expect(s).toMatchObject({ analysis: 'sequential', peeking: false, isSignificant: false, decision: { status: 'continue', arm: null } })
      expect(s.sequential).toMatchObject({ pValue: null, liftInterval: null, tuning: { alpha: 0.05, expectedUsersPerArm: 35_000 } })
      const f = await results(fixed.body.data.id)
      expect(f).toMatchObject({ analysis: 'fixed', peeking: true, sequential: null, decision: { status: 'continue' } })
      expect(f.decision.reason).toContain('of 5,000 planned users per arm')
      // Another tenant sees neither.
      expectProblem(await t.req('GET', `/api/v1/experiments/${fixed.body.data.id}/results`, { key: (await t.tenantWithKeys()).writeKey }), 404)
    })

    test('one running experiment per placement; a placement-less one covers every placement (409)', async () => {
      const k = await t.tenantWithKeys()
      expect((await post(k.writeKey, '', { ...base, placement: 'home' })).status).toBe(201)
      expectProblem(await post(k.writeKey, '', { ...base, placement: 'home' }), 409)
      expect((await post(k.writeKey, '', { ...base, placement: 'pdp' })).status).toBe(201)
      expectProblem(await post(k.writeKey, '', { ...base }), 409) // would cover home and pdp
      expect((await post(k.writeKey, '', { ...base, status: 'draft' })).status).toBe(201) // drafts do not run
      const k2 = await t.tenantWithKeys()
      expect((await post(k2.writeKey, '', { ...base })).status).toBe(201)
      expectProblem(await post(k2.writeKey, '', { ...base, placement: 'home' }), 409)
    })

    test('transitions, and every illegal one is 409', async () => {
      const k = await t.tenantWithKeys()
      const id = (await post(k.writeKey, '', { ...base, placement: 'home', status: 'draft' })).body.data.id
      expectProblem(await post(k.writeKey, `/${id}/pause`), 409)
      expectProblem(await post(k.writeKey, `/${id}/resume`), 409)
      expectProblem(await post(k.writeKey, `/${id}/complete`), 409)
      expect((await post(k.writeKey, `/${id}/start`)).body.data.status).toBe('running')
      expectProblem(await post(k.writeKey, `/${id}/start`), 409)
      expect((await post(k.writeKey, `/${id}/pause`)).body.data.status).toBe('paused')
      // While paused, another may run on the placement; resuming then conflicts.
      const other = (await post(k.writeKey, '', { ...base, placement: 'home' })).body.data.id
      expectProblem(await post(k.writeKey, `/${id}/resume`), 409)
      await post(k.writeKey, `/${other}/complete`)
      expect((await post(k.writeKey, `/${id}/resume`)).body.data.status).toBe('running')
      const done = await post(k.writeKey, `/${id}/complete`)
      expect(done.body.data.status).toBe('completed')
      expect(done.body.data.completedAt).not.toBeNull()
      for (const tr of ['start', 'pause', 'resume', 'complete']) expectProblem(await post(k.writeKey, `/${id}/${tr}`), 409)
    })

    test('PATCH: drafts change freely; started ones only their name. DELETE: drafts only', async () => {
      const k = await t.tenantWithKeys()
      const draft = (await post(k.writeKey, '', { ...base, status: 'draft' })).body.data.id
      const p = await t.req('PATCH', `/api/v1/experiments/${draft}`, { key: k.writeKey, body: { trafficSplit: 20, placement: 'pdp' } })
      expect(p.body.data).toMatchObject({ trafficSplit: 20, placement: 'pdp' })
      const run = (await post(k.writeKey, '', { ...base, placement: 'home' })).body.data.id
      expect((await t.req('PATCH', `/api/v1/experiments/${run}`, { key: k.writeKey, body: { name: 'Renamed' } })).body.data.name).toBe('Renamed')
      expectProblem(await t.req('PATCH', `/api/v1/experiments/${run}`, { key: k.writeKey, body: { trafficSplit: 10 } }), 409)
      expectProblem(await t.req('DELETE', `/api/v1/experiments/${run}`, { key: k.writeKey }), 409)
      expect((await t.req('DELETE', `/api/v1/experiments/${draft}`, { key: k.writeKey })).status).toBe(204)
      expectProblem(await t.req('GET', `/api/v1/experiments/${draft}`, { key: k.readKey }), 404)
    })

    test('list with pagination and status (write key); read keys never write', async () => {
      const k = await t.tenantWithKeys()
      for (const placement of ['a', 'b', 'c']) await post(k.writeKey, '', { ...base, placement })
      await post(k.writeKey, '', { ...base, status: 'draft' })
      const all = await t.req('GET', '/api/v1/experiments?limit=2', { key: k.writeKey })
      expect(all.body.meta.pagination).toEqual({ total: 4, limit: 2, offset: 0, hasMore: true })
      expect((await t.req('GET', '/api/v1/experiments?status=draft', { key: k.writeKey })).body.data).toHaveLength(1)
      expect(expectProblem(await post(k.readKey, '', base), 403).detail).toBe('Insufficient permissions: write access required')
    })

    test('cross-tenant: another tenant cannot see or change an experiment', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      const id = (await post(a.writeKey, '', base)).body.data.id
      expectProblem(await t.req('GET', `/api/v1/experiments/${id}`, { key: b.readKey }), 404)
      expectProblem(await t.req('PATCH', `/api/v1/experiments/${id}`, { key: b.writeKey, body: { name: 'x' } }), 404)
      expectProblem(await post(b.writeKey, `/${id}/pause`), 404)
      expectProblem(await t.req('DELETE', `/api/v1/experiments/${id}`, { key: b.writeKey }), 404)
      expect((await t.req('GET', '/api/v1/experiments', { key: b.writeKey })).body.data).toHaveLength(0)
      expectProblem(await t.req('GET', `/api/v1/experiments/${id}`, { token: b.token, tenant: a.tenantId }), 404)
      expect((await t.req('GET', `/api/v1/experiments/${id}`, { key: a.readKey })).body.data.status).toBe('running')
    })

    test('recommendations run the assigned arm and report meta.experiment; the user counts as exposed', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: [
        { productId: 'p1', name: 'Blue ceramic mug', category: 'kitchen', description: 'ceramic coffee mug' },
        { productId: 'p2', name: 'Green ceramic mug', category: 'kitchen', description: 'ceramic coffee mug' },
      ] } })
      await t.app.services.models.build(k.tenantId)
      const exp = (await post(k.writeKey, '', { ...base, control: 'content_based', variant: 'collaborative', placement: 'home', trafficSplit: 50 })).body.data
      const kernels = jsKernels()
      const arms = new Set<string>()
      for (let i = 0; i < 20; i++) {
        const userId = `shopper-${i}`
        const r = await t.req('GET', `/api/v1/recommendations?userId=${userId}&placement=home&productId=p1`, { key: k.readKey })
        const arm = assign(kernels, exp.id, userId, 50)
        arms.add(arm)
        expect(r.body.meta.experiment).toEqual({ id: exp.id, variant: arm })
        // Control (content_based around p1) runs as itself; the variant (collaborative) needs history these new shoppers lack.
        if (arm === 'control') expect(r.body.meta.strategy).toBe('content_based')
        else expect(r.body.meta.strategy).not.toBe('content_based')
        // Consistent across requests.
        expect((await t.req('GET', `/api/v1/recommendations?userId=${userId}&placement=home`, { key: k.readKey })).body.meta.experiment.variant).toBe(arm)
      }
      expect(arms.size).toBe(2)
      // Other placements and explicit strategies are outside the experiment.
      expect((await t.req('GET', '/api/v1/recommendations?userId=shopper-1&placement=pdp', { key: k.readKey })).body.meta.experiment).toBeUndefined()
      expect((await t.req('GET', '/api/v1/recommendations?userId=shopper-1&placement=home&strategy=trending', { key: k.readKey })).body.meta.experiment).toBeUndefined()
      const { database } = await backend(name)
      expect(await exposuresReach(database.raw, exp.id, 20)).toBe(20)
      // Paused: no experiment any more.
      await post(k.writeKey, `/${exp.id}/pause`)
      expect((await t.req('GET', '/api/v1/recommendations?userId=shopper-1&placement=home', { key: k.readKey })).body.meta.experiment).toBeUndefined()
    })
  })
}

for (const name of BACKENDS) {
  describe(`experiment results [${name}]`, async () => {
    const t = await testApp(name)
    const H = 3600_000
    const at = (hoursAgo: number) => new Date(Date.now() - hoursAgo * H).toISOString()

    test('hand-computed results: exposed users, events after exposure only, attribution window, promote', async () => {
      const k = await t.tenantWithKeys({ attributionWindowHours: 24 })
      await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: [
        { productId: 'p1', name: 'One', category: 'c', price: 3 }, { productId: 'p2', name: 'Two', category: 'c', price: 7 }, { productId: 'p3', name: 'Three', category: 'c' },
      ] } })
      await t.app.services.models.build(k.tenantId)
      const exp = (await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { ...base, metric: 'conversion_rate', placement: 'home', control: 'trending', variant: 'content_based' } })).body.data
      // Four shoppers in each arm, by the shared contract.
      const kernels = jsKernels()
      const control: string[] = [], variant: string[] = []
      for (let i = 0; control.length < 4 || variant.length < 4; i++) {
        const u = `s${i}`
        const arm = assign(kernels, exp.id, u, 50)
        if (arm === 'control' && control.length < 4) control.push(u)
        if (arm === 'variant' && variant.length < 4) variant.push(u)
      }
      for (const u of [...control, ...variant]) await t.req('GET', `/api/v1/recommendations?userId=${u}&placement=home`, { key: k.readKey })
      const { database } = await backend(name)
      expect(await exposuresReach(database.raw, exp.id, 8)).toBe(8)
      await database.raw.query("update experiment_exposures set exposed_at = now() - interval '72 hours' where experiment_id = $1", [exp.id])
      const [c1, c2, c3, c4] = control, [v1, v2, v3, v4] = variant
      const ev = (userId: string, eventType: string, productId: string, hoursAgo: number, metadata?: object) => ({ userId, eventType, productId, timestamp: at(hoursAgo), placement: 'home', ...(metadata ? { metadata } : {}) })
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        ev(c3, 'recommendation_clicked', 'p1', 80), ev(c3, 'purchase', 'p1', 79, { price: 100 }), // before exposure: not counted
        ev(c1, 'recommendation_clicked', 'p1', 10), ev(c1, 'purchase', 'p1', 9, { price: 10, quantity: 2 }), // converted, 20
        ev(c2, 'recommendation_impressed', 'p1', 5), ev(c2, 'recommendation_impressed', 'p2', 5),
        ev(c4, 'purchase', 'p3', 2, { price: 50 }), // never clicked: not attributed
        ev(v1, 'recommendation_clicked', 'p1', 10), ev(v1, 'purchase', 'p1', 9, { price: 5 }), // converted, 5
        ev(v2, 'recommendation_clicked', 'p1', 10), ev(v2, 'purchase', 'p2', 9, { price: 5 }), // another product: no
        ev(v3, 'recommendation_clicked', 'p1', 60), ev(v3, 'purchase', 'p1', 30, { price: 5 }), // 30 h after the click: outside 24 h
        ev(v4, 'recommendation_clicked', 'p2', 4), ev(v4, 'purchase', 'p2', 3), // converted at the catalog price, 7
      ] } })
      expect(r.body.data.rejected).toEqual([])
      const res = (await t.req('GET', `/api/v1/experiments/${exp.id}/results`, { key: k.writeKey })).body.data
      const expected = conversionRate({ users: 4, conversions: 1 }, { users: 4, conversions: 2 })
      expect(res).toMatchObject({
        metric: 'conversion_rate', controlMetric: 0.25, variantMetric: 0.5, lift: 1, sampleSize: { control: 4, variant: 4 },
        isSignificant: false, lowConfidence: true, srm: { pValue: 1, detected: false },
      })
      expect(res.pValue).toBeCloseTo(expected.pValue!, 12)
      expect(res.liftCI).toEqual([expected.relativeLiftCi!.lower, expected.relativeLiftCi!.upper])
      expect(res.confidenceIntervals.control).toEqual([expected.control.ci!.lower, expected.control.ci!.upper])
      expect(res.duration).toBeGreaterThanOrEqual(0)
      expect(res.minimumSampleSize).toBeGreaterThan(1000)
      expect(res.daily).toHaveLength(1)
      expect(res.daily[0]).toMatchObject({ control: { users: 4, metric: 0.25 }, variant: { users: 4, metric: 0.5 } })
      // Another tenant cannot read the results.
      const other = await t.tenantWithKeys()
      expectProblem(await t.req('GET', `/api/v1/experiments/${exp.id}/results`, { key: other.writeKey }), 404)
      // Promote: not significant, so the control wins; it becomes the placement's strategy and the experiment completes.
      expectProblem(await t.req('POST', `/api/v1/experiments/${exp.id}/promote`, { key: k.readKey }), 403)
      const p = await t.req('POST', `/api/v1/experiments/${exp.id}/promote`, { key: k.writeKey })
      expect(p.status).toBe(200)
      expect(p.body.data).toMatchObject({ winner: 'control', promoted: { placement: 'home', strategy: 'trending' }, experiment: { status: 'completed' } })
      const tenant = await t.req('GET', `/api/v1/tenants/${k.tenantId}`, { token: k.token })
      expect(tenant.body.data.config.placementStrategies).toEqual({ home: 'trending' })
      const served = await t.req('GET', '/api/v1/recommendations?userId=s999&placement=home', { key: k.readKey })
      expect(served.body.meta.experiment).toBeUndefined()
      expect(['trending', 'trending_fallback', 'new_arrivals_fallback']).toContain(served.body.meta.strategy)
    })

    test('isSignificant and the decision follow the analysis: fixed p < 0.05 that the confidence sequence does not confirm', async () => {
      const { experimentResults } = await import('./results.ts')
      // Conversion 2,000 / 20,000 vs 2,130 / 20,000: fixed p = 0.032; sequential p = 0.41 (fixture "fixed p < 0.05 but not sequentially").
      const rows = (['control', 'variant'] as const).flatMap((arm) => Array.from({ length: 20_000 }, (_, i) => ({
        arm, day: '2026-11-20', impressions: 0, clicks: 0, conversions: i < (arm === 'control' ? 2000 : 2130) ? 1 : 0, revenue: 0,
      })))
      const e = { metric: 'conversion_rate' as const, trafficSplit: 50, startedAt: null, completedAt: null, control: 'trending', variant: 'content_based' }
      const seq = experimentResults({ ...e, analysis: 'sequential', plannedSampleSize: 35_000 }, rows, new Date())
      expect(seq.pValue!).toBeLessThan(0.05)
      expect(seq.sequential!.pValue!).toBeCloseTo(0.40676047851395025, 6)
      expect(seq.isSignificant).toBe(false)
      expect(seq.decision.status).toBe('continue')
      const atHorizon = experimentResults({ ...e, analysis: 'fixed', plannedSampleSize: 20_000 }, rows, new Date())
      expect(atHorizon).toMatchObject({ peeking: false, sequential: null, isSignificant: true, decision: { status: 'ship_variant', arm: 'variant', reason: 'Ship content_based: +6.5 % conversion rate, at the planned sample size' } })
      const early = experimentResults({ ...e, analysis: 'fixed', plannedSampleSize: 30_000 }, rows, new Date())
      expect(early).toMatchObject({ peeking: true, isSignificant: true, decision: { status: 'continue', arm: null } })
      // Stored before there was a planned size: fixed, with the minimum sample size as its horizon.
      const legacy = experimentResults({ ...e }, rows, new Date())
      expect(legacy.analysis).toBe('fixed')
      expect(legacy.peeking).toBe(20_000 < legacy.minimumSampleSize!)
    })

    test('revenue per visitor from the same per-user rows', async () => {
      const { experimentResults } = await import('./results.ts')
      const rows = [
        { arm: 'control' as const, day: '2026-11-20', impressions: 0, clicks: 1, conversions: 1, revenue: 20 },
        { arm: 'control' as const, day: '2026-11-20', impressions: 2, clicks: 0, conversions: 0, revenue: 0 },
        { arm: 'variant' as const, day: '2026-11-20', impressions: 0, clicks: 1, conversions: 1, revenue: 5 },
        { arm: 'variant' as const, day: '2026-11-21', impressions: 0, clicks: 1, conversions: 1, revenue: 7 },
      ]
      const r = experimentResults({ metric: 'revenue_per_visitor', trafficSplit: 50, startedAt: new Date(0), completedAt: new Date(10_000) }, rows, new Date())
      expect(r.controlMetric).toBe(10)
      expect(r.variantMetric).toBe(6)
      expect(r.lift).toBeCloseTo(-0.4, 12)
      expect(r.duration).toBe(10)
      expect(r.daily.map((d) => d.date)).toEqual(['2026-11-20', '2026-11-21'])
      expect(r.daily[0].variant).toEqual({ users: 1, metric: 5 })
      const ctr = experimentResults({ metric: 'ctr', trafficSplit: 50, startedAt: null, completedAt: null }, rows, new Date())
      expect(ctr.controlMetric).toBe(0.5) // 1 click / 2 impressions
      expect(ctr.variantMetric).toBeNull() // no impressions
    })
  })
}

for (const name of BACKENDS) {
  test(`completed experiments keep full results 90 days, then a summary only (FR-048) [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const k = await t.tenantWithKeys()
    const mk = async (placement: string) => {
      const e = (await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { ...base, metric: 'conversion_rate', placement } })).body.data
      for (let i = 0; i < 6; i++) await t.req('GET', `/api/v1/recommendations?userId=arch-${i}&placement=${placement}`, { key: k.readKey })
      await t.req('POST', `/api/v1/experiments/${e.id}/complete`, { key: k.writeKey })
      return e.id as string
    }
    const old = await mk('old'), recent = await mk('recent')
    const exposures = async (id: string) => (await database.raw.query<{ n: number }>('select count(*)::int as n from experiment_exposures where experiment_id = $1', [id]))[0].n
    await waitFor('the exposures written behind', async () => (await exposures(old)) >= 6 && (await exposures(recent)) >= 6)
    const before = (await t.req('GET', `/api/v1/experiments/${old}/results`, { key: k.writeKey })).body.data
    await database.raw.query("update experiments set completed_at = now() - interval '91 days' where id = $1", [old])
    expect(await t.app.services.experiments.archiveOld()).toBeGreaterThanOrEqual(1)
    const after = (await t.req('GET', `/api/v1/experiments/${old}/results`, { key: k.writeKey })).body.data
    expect(after).toMatchObject({ archived: true, sampleSize: before.sampleSize, controlMetric: before.controlMetric, pValue: before.pValue })
    expect(after.daily).toBeUndefined()
    expect(after.details).toBeUndefined()
    expect(await exposures(old)).toBe(0)
    // A recently completed one keeps its full results and data.
    expect(await exposures(recent)).toBe(6)
    expect((await t.req('GET', `/api/v1/experiments/${recent}/results`, { key: k.writeKey })).body.data.daily).toBeDefined()
  }, 30_000)
}
