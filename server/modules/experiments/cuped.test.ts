// CUPED (issue 25) against the Python reference (scripts/eval/stats_reference.py → cuped.fixtures.json)
// and a planted covariate whose variance reduction must come out close to ρ².
import { describe, expect, test } from 'bun:test'
import type { ExposedUserRow } from '../../../db/queries/experiments.ts'
import fixtures from './cuped.fixtures.json'
import { adjustedArm, covariateMean, cupedTheta } from './cuped.ts'
import { experimentResults } from './results.ts'

type Row = [number, number, number, number, number, number, number, number, boolean]
const toRows = (key: string, rows: Row[]): ExposedUserRow[] => rows.map(([impressions, clicks, conversions, revenue, preImpressions, preClicks, preConversions, preRevenue, hasPre]) => ({
  arm: key, day: '2026-11-01', impressions, clicks, conversions, revenue, preImpressions, preClicks, preConversions, preRevenue, hasPre,
}))
const now = new Date('2026-11-20')

describe('CUPED against the Python reference', () => {
  for (const c of fixtures) {
    test(c.name, () => {
      const n = c.arms.length
      const arms = c.arms.map((_, i) => ({ key: `a${i}`, strategy: 'trending', weight: i === 0 ? 100 - 30 * (n - 1) : 30 }))
      const rows = c.arms.flatMap((r, i) => toRows(`a${i}`, r as Row[]))
      const r = experimentResults({
        metric: c.metric as 'ctr', trafficSplit: 50, startedAt: new Date('2026-11-01'), completedAt: null,
        analysis: c.analysis as 'fixed', plannedSampleSize: c.expectedUsersPerArm, arms, cuped: true,
      }, rows, now)
      c.expected.forEach((x, k) => {
        const got = r.arms[k + 1]!.cuped!
        expect(got.theta).toBeCloseTo(x.theta, 10)
        expect(got.adjustedLift!).toBeCloseTo(x.adjustedLift, 10)
        expect(got.varianceReduction).toBeCloseTo(x.varianceReduction, 10)
        expect(got.covariateUsers).toBe(x.covariateUsers)
        expect(got.pValue!).toBeCloseTo(x.pValue, 6)
        expect(got.adjustedInterval![0]).toBeCloseTo(x.adjustedInterval[0]!, 6)
        expect(got.adjustedInterval![1]).toBeCloseTo(x.adjustedInterval[1]!, 6)
        expect(got.usedForDecision).toBe(true) // well over 10 % of users have pre-exposure events
      })
    })
  }
})

/** A seeded normal (Box–Muller over a small LCG): the planted data is the same every run. */
function normals(seed: number) {
  let s = seed >>> 0
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())
}

describe('CUPED on a planted covariate', () => {
  // Revenue Y = 50 + 10 (ρ X + sqrt(1 − ρ²) ε) (+5 in the variant), X standard normal: corr(Y, X) = ρ.
  const planted = (rho: number, users: number, withPre = 1) => {
    const z = normals(Math.round(rho * 1000) + users)
    const rows: ExposedUserRow[] = []
    for (const [arm, shift] of [['control', 0], ['variant', 5]] as const) {
      for (let i = 0; i < users; i++) {
        const x = z(), y = 50 + shift + 10 * (rho * x + Math.sqrt(1 - rho * rho) * z())
        rows.push({ arm, day: '2026-11-01', impressions: 1, clicks: 0, conversions: 1, revenue: y, preRevenue: x, hasPre: i < users * withPre })
      }
    }
    return rows
  }
  const input = { metric: 'revenue_per_visitor' as const, trafficSplit: 50, startedAt: new Date('2026-11-01'), completedAt: null, analysis: 'sequential' as const, control: 'trending', variant: 'collaborative' }

  for (const rho of [0.3, 0.6, 0.9]) {
    test(`ρ = ${rho}: variance reduction ≈ ρ² = ${(rho * rho).toFixed(2)}; the lift unbiased, its interval narrower`, () => {
      const r = experimentResults({ ...input, cuped: true }, planted(rho, 20_000), now)
      const c = r.cuped!
      expect(Math.abs(c.varianceReduction - rho * rho)).toBeLessThan(0.02)
      expect(c.theta).toBeCloseTo(10 * rho, 0)
      expect(Math.abs(c.adjustedLift! - 0.1)).toBeLessThan(0.01)
      const width = (i: [number, number]) => i[1] - i[0]
      expect(width(c.adjustedInterval!) / width(r.sequential!.liftInterval!)).toBeCloseTo(Math.sqrt(1 - rho * rho), 1)
      expect(c.usedForDecision).toBe(true)
    })
  }
  test('used for the decision only from 10 % of users with pre-exposure data; off switch gives null', () => {
    // A small effect at ρ = 0.9: significant only once adjusted.
    const rows = planted(0.9, 3000).map((r) => (r.arm === 'variant' ? { ...r, revenue: r.revenue - 4.2 } : r))
    const on = experimentResults({ ...input, cuped: true }, rows, now)
    expect(on.cuped!.usedForDecision).toBe(true)
    expect(on.decision.status).toBe('ship_variant')
    expect(on.sequential!.pValue!).toBeGreaterThan(0.05) // unadjusted: not yet
    const sparse = experimentResults({ ...input, cuped: true }, rows.map((r, i) => ({ ...r, hasPre: i % 20 === 0 })), now)
    expect(sparse.cuped!.usedForDecision).toBe(false)
    expect(sparse.decision.status).toBe('no_difference') // unadjusted: the +1.6 % lift is within ±5 %
    const off = experimentResults({ ...input, cuped: false }, rows, now)
    expect(off.cuped).toBeNull()
    expect(off.decision).toEqual(sparse.decision)
  })
  test('θ pooled across arms by hand; no covariate variance → null', () => {
    const a = [{ y: 1, x: 0 }, { y: 3, x: 2 }], b = [{ y: 2, x: 1 }, { y: 6, x: 3 }]
    // x̄ = 1.5, ȳ = 3; cov = Σ(x−x̄)(y−ȳ) = 3 + 0 + 0.5 + 4.5 = 8 (over 4); var = 2.25+.25+.25+2.25 = 5
    expect(cupedTheta([a, b])).toBeCloseTo(8 / 5, 12)
    expect(covariateMean([a, b])).toBe(1.5)
    expect(adjustedArm(a, 1.6, 1.5).value).toBeCloseTo(2 - 1.6 * (1 - 1.5), 12)
    expect(cupedTheta([[{ y: 1, x: 0 }, { y: 2, x: 0 }]])).toBeNull()
  })
})
