import { describe, expect, test } from 'bun:test'
import fixtures from './statistics.fixtures.json'
import { armEstimates, mixturePrecision, mixtureTest, relativeLiftEstimate, sequentialLift } from './sequential.ts'
import { clickThroughRate, conversionRate, normalQuantile, revenuePerVisitor, type MeanArm, type RatioArm } from './statistics.ts'

// Fixtures from scripts/eval/stats_reference.py: the mixture likelihood ratio by
// quadrature and the interval by bisection (not the closed forms used here).

function near(actual: number | null | undefined, expected: number, label: string, rel = 1e-6) {
  if (typeof actual !== 'number' || !Number.isFinite(actual)) throw new Error(`${label}: got ${actual}, expected ${expected}`)
  const tol = rel * Math.abs(expected) + 1e-12
  if (Math.abs(actual - expected) > tol) throw new Error(`${label}: got ${actual}, expected ${expected}`)
}

type Case = (typeof fixtures.sequential)[number]
function comparison(c: Case) {
  if (c.metric === 'conversion_rate') return conversionRate(c.control as { users: number; conversions: number }, c.variant as { users: number; conversions: number })
  if (c.metric === 'revenue_per_visitor') return revenuePerVisitor(c.control as MeanArm, c.variant as MeanArm)
  return clickThroughRate(c.control as RatioArm, c.variant as RatioArm)
}

describe('sequential lift against the Python reference', () => {
  for (const c of fixtures.sequential) {
    test(c.name, () => {
      const { control, variant } = armEstimates(comparison(c))
      const est = relativeLiftEstimate(control, variant)!
      near(est.lift, c.expected.lift, 'lift', 1e-9)
      near(est.variance, c.expected.liftVariance, 'lift variance', 1e-7)
      const s = sequentialLift(control, variant, c.expectedUsersPerArm)
      near(s.tuning.rho2, c.expected.rho2, 'rho2', 1e-12)
      near(s.tuning.mixtureVariance, c.expected.mixtureVariance, 'mixture variance', 1e-7)
      if (Math.abs(s.pValue! - c.expected.pValue) > 1e-7) throw new Error(`pValue ${s.pValue}, expected ${c.expected.pValue}`)
      near(s.liftInterval![0], c.expected.liftInterval[0], 'interval.lower', 1e-6)
      near(s.liftInterval![1], c.expected.liftInterval[1], 'interval.upper', 1e-6)
      expect(s.pValue! < 0.05).toBe(c.expected.isSignificant)
    })
  }
})

describe('mixture test', () => {
  test('p ≤ α exactly when the interval excludes 0', () => {
    for (const z of [0, 0.5, 1.9, 2.5, 2.9, 3.1, 3.5, 5, -3.3]) {
      const { pValue, interval } = mixtureTest(z * 0.01, 1e-4, 4e-4)
      expect(pValue! <= 0.05).toBe(interval![0] > 0 || interval![1] < 0)
    }
  })
  test('wider than the fixed-horizon interval, by a factor that depends only on n / n*', () => {
    const fixedHalf = normalQuantile(0.975) * 0.01
    const ratioAt = (n: number, nStar: number) => {
      const tau2 = mixturePrecision(nStar) * 1e-4 * n
      const i = mixtureTest(0.02, 1e-4, tau2).interval!
      return (i[1] - i[0]) / 2 / fixedHalf
    }
    expect(ratioAt(1000, 1000)).toBeGreaterThan(1.4)
    expect(ratioAt(1000, 1000)).toBeLessThan(1.7)
    expect(ratioAt(5000, 5000)).toBeCloseTo(ratioAt(1000, 1000), 12)
    // tightest (relative to the fixed interval) near n = n*
    expect(ratioAt(100, 1000)).toBeGreaterThan(ratioAt(1000, 1000))
    expect(ratioAt(10_000, 1000)).toBeGreaterThan(ratioAt(1000, 1000))
  })
  test('huge effects do not overflow: p underflows towards 0, never NaN', () => {
    const { pValue, interval } = mixtureTest(1, 1e-8, 1e-6)
    expect(pValue).toBe(0)
    expect(interval![0]).toBeGreaterThan(0.99)
  })
  test('degenerate input gives null, or p = 1 when nothing differs', () => {
    expect(mixtureTest(0, 0, 1)).toEqual({ pValue: 1, interval: null })
    expect(mixtureTest(0.1, 0, 1)).toEqual({ pValue: null, interval: null })
    expect(mixtureTest(Number.NaN, 1, 1)).toEqual({ pValue: null, interval: null })
    const empty = sequentialLift({ value: null, variance: null, users: 0 }, { value: 0.1, variance: 1e-4, users: 100 })
    expect(empty.pValue).toBeNull()
    expect(empty.liftInterval).toBeNull()
    expect(empty.tuning.mixtureVariance).toBeNull()
    const zeroControl = sequentialLift({ value: 0, variance: 0, users: 100 }, { value: 0.1, variance: 1e-4, users: 100 })
    expect(zeroControl.pValue).toBeNull()
  })
})
