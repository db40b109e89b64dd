// Results with more than two arms (issue 25): Holm across arms, the decision's arm, guardrail harm.
import { describe, expect, test } from 'bun:test'
import type { ExposedUserRow } from '../../../db/queries/experiments.ts'
import { decideArms, type DecisionInput } from './decision.ts'
import { experimentResults } from './results.ts'
import { holm } from './statistics.ts'

describe('Holm', () => {
  test('step-down: sorted p × (m − rank), made monotone, capped at 1; nulls left out', () => {
    // Worked by hand: sorted 0.01, 0.02, 0.04 → 0.03, 0.04, 0.04.
    expect(holm([0.04, 0.01, 0.02])).toEqual([0.04, 0.03, 0.04])
    expect(holm([0.5, 0.6])).toEqual([1, 1])
    expect(holm([0.03])).toEqual([0.03]) // one comparison: unchanged (the two-arm form's decision is as before)
    expect(holm([null, 0.02, 0.03])).toEqual([null, 0.04, 0.04])
    // Holm rejects where Bonferroni does not: 0.012 × 4 = 0.048 < 0.05 for the first, then 0.013 × 3 and 0.014 × 2.
    expect(holm([0.012, 0.013, 0.014, 0.9]).slice(0, 3).every((p) => p! < 0.05)).toBe(true)
  })
})

const arm = (key: string): DecisionInput => ({
  analysis: 'sequential', metric: 'ctr', control: 'trending', variant: key, lift: 0.02, pValue: 0.3, liftInterval: [-0.05, 0.09],
  peeking: false, usersPerArm: 40_000, plannedSampleSize: null, srmDetected: false, controlKey: 'control', variantKey: key,
})
const withOver = (key: string, over: Partial<DecisionInput>) => ({ ...arm(key), ...over })

describe('decision across arms', () => {
  test('ship the significant arm with the largest lift; its key is decision.arm', () => {
    const d = decideArms([withOver('b', { lift: 0.04, pValue: 0.01 }), withOver('c', { lift: 0.08, pValue: 0.02 }), arm('d')])
    expect(d).toMatchObject({ status: 'ship_variant', arm: 'c' })
    expect(d.reason).toBe('Ship c: +8.0 % CTR, valid at any look (Holm-corrected across 3 arms)')
  })
  test('keep control once every arm is worse or no different; continue while one is open', () => {
    expect(decideArms([withOver('b', { lift: -0.06, pValue: 0.001, liftInterval: [-0.1, -0.02] }), withOver('c', { lift: 0, pValue: 0.9, liftInterval: [-0.02, 0.02] })]))
      .toMatchObject({ status: 'keep_control', arm: 'control' })
    expect(decideArms([withOver('b', { lift: 0, pValue: 0.9, liftInterval: [-0.02, 0.02] }), withOver('c', { lift: 0.01, pValue: 0.8, liftInterval: [-0.03, 0.04] })]))
      .toMatchObject({ status: 'no_difference', arm: 'control' })
    expect(decideArms([withOver('b', { lift: -0.06, pValue: 0.001, liftInterval: [-0.1, -0.02] }), arm('c')]).status).toBe('continue')
  })
  test('a guardrail harm wins whatever the primary metric says', () => {
    const d = decideArms([withOver('b', { lift: 0.08, pValue: 0.001 })], [{ metric: 'conversion_rate', arm: 'b', strategy: 'collaborative', lift: -0.12, harm: true }])
    expect(d).toEqual({ status: 'guardrail_harm', arm: 'control', reason: 'Stop collaborative (b): it lowers conversion rate by 12.0 % (guardrail, valid at any look); keep trending' })
    expect(decideArms([withOver('b', { lift: 0.08, pValue: 0.001 })], [{ metric: 'conversion_rate', arm: 'b', strategy: 'x', lift: -0.01, harm: false }]).status).toBe('ship_variant')
  })
})

/** Deterministic per-user rows: `users` users whose conversion rate is `rate` and CTR `ctr`. */
function rows(armKey: string, users: number, ctr: number, rate: number): ExposedUserRow[] {
  return Array.from({ length: users }, (_, i) => {
    const impressions = 10, clicks = (i * 7919) % 1000 < ctr * 1000 ? 2 * Math.round(ctr * 5) || 1 : 0
    const conversions = (i * 104729) % 1000 < rate * 1000 ? 1 : 0
    return { arm: armKey, day: '2026-11-01', impressions, clicks: Math.min(clicks, impressions), conversions, revenue: conversions * 20 }
  })
}

describe('results per arm', () => {
  const base = { metric: 'conversion_rate' as const, trafficSplit: 50, startedAt: new Date('2026-11-01'), completedAt: null, analysis: 'sequential' as const }
  const specs = [{ key: 'control', strategy: 'trending', weight: 34 }, { key: 'b', strategy: 'collaborative', weight: 33 }, { key: 'c', strategy: 'content_based', weight: 33 }]
  test('three arms: each against control, Holm-adjusted, the winner shipped by key', () => {
    const data = [...rows('control', 20_000, 0.1, 0.05), ...rows('b', 20_000, 0.1, 0.05), ...rows('c', 20_000, 0.1, 0.065)]
    const r = experimentResults({ ...base, arms: specs }, data, new Date('2026-11-10'))
    expect(r.arms.map((a) => a.key)).toEqual(['control', 'b', 'c'])
    expect(r.arms[0]).toMatchObject({ sampleSize: 20_000, lift: null, pValue: null, sequential: null })
    const [b, c] = [r.arms[1]!, r.arms[2]!]
    expect(b.lift).toBeCloseTo(0, 6)
    expect(c.lift).toBeCloseTo(0.3, 2)
    // Holm over two sequential p-values: the smaller doubled, the larger max(itself, that).
    const pb = b.sequential!.pValue!, pc = c.sequential!.pValue!
    expect(c.adjustedPValue).toBeCloseTo(Math.min(1, 2 * pc), 12)
    expect(b.adjustedPValue).toBeCloseTo(Math.max(Math.min(1, 2 * pc), Math.min(1, pb)), 12)
    expect(r.decision).toMatchObject({ status: 'ship_variant', arm: 'c' })
    expect(r.srm.detected).toBe(false)
    // By day: the last day's sequence per arm is the current one (the chart of the sequence over time).
    expect(r.daily.at(-1)!.arms).toEqual([
      { key: 'b', lift: b.lift, liftInterval: b.sequential!.liftInterval }, { key: 'c', lift: c.lift, liftInterval: c.sequential!.liftInterval },
    ])
    // The top-level fields still compare the control with the first other arm.
    expect(r.sampleSize).toEqual({ control: 20_000, variant: 20_000 })
  })
  test('a planted guardrail harm (conversion down 40 %) overrides a CTR winner', () => {
    const data = [...rows('control', 20_000, 0.1, 0.05), ...rows('b', 20_000, 0.2, 0.03)]
    const two = specs.slice(0, 2).map((a) => ({ ...a, weight: 50 }))
    const r = experimentResults({ ...base, metric: 'ctr', arms: two, guardrails: ['conversion_rate'] }, data, new Date('2026-11-10'))
    expect(r.arms[1]!.lift!).toBeGreaterThan(0.5)
    expect(r.guardrails).toHaveLength(1)
    expect(r.guardrails[0]).toMatchObject({ metric: 'conversion_rate', arm: 'b', harm: true })
    expect(r.guardrails[0]!.interval![1]).toBeLessThan(0)
    expect(r.decision).toMatchObject({ status: 'guardrail_harm', arm: 'control' })
    // No harm when the guardrail metric is flat.
    const flat = experimentResults({ ...base, metric: 'ctr', arms: two, guardrails: ['conversion_rate'] }, [...rows('control', 20_000, 0.1, 0.05), ...rows('b', 20_000, 0.2, 0.05)], new Date('2026-11-10'))
    expect(flat.guardrails[0]!.harm).toBe(false)
    expect(flat.decision).toMatchObject({ status: 'ship_variant', arm: 'b' })
  })
  test('a sample ratio mismatch over three arms is detected (chi-square, df 2)', () => {
    const data = [...rows('control', 20_000, 0.1, 0.05), ...rows('b', 20_000, 0.1, 0.05), ...rows('c', 15_000, 0.1, 0.05)]
    expect(experimentResults({ ...base, arms: specs }, data, new Date('2026-11-10')).srm.detected).toBe(true)
  })
})
