import { describe, expect, test } from 'bun:test'
import { mulberry32 } from '../../prng.ts'
import fixtures from './statistics.fixtures.json'
import {
  chiSquareSf, clickThroughRate, conversionRate, minimumSampleSize, normalCdf, normalQuantile, revenuePerVisitor,
  sampleRatioMismatch, studentTCdf, studentTQuantile, type Interval,
} from './statistics.ts'

// Fixtures come from scripts/eval/stats_reference.py (an independent Python
// stdlib implementation); regenerate with `python3 scripts/eval/stats_reference.py`.

const REL = 1e-6
const P_ABS = 1e-6

function near(actual: number | null | undefined, expected: number, label: string, rel = REL) {
  if (typeof actual !== 'number' || !Number.isFinite(actual)) throw new Error(`${label}: got ${actual}, expected ${expected}`)
  const tol = rel * Math.abs(expected) + 1e-12
  if (Math.abs(actual - expected) > tol) throw new Error(`${label}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`)
}
const nearP = (actual: number | null, expected: number, label: string) => {
  if (actual === null || Math.abs(actual - expected) > P_ABS) throw new Error(`${label}: p-value ${actual}, expected ${expected}`)
}
function nearInterval(actual: Interval | null, expected: number[] | null, label: string) {
  if (expected === null) return expect(actual).toBeNull()
  if (actual === null) throw new Error(`${label}: interval is null`)
  near(actual.lower, expected[0], `${label}.lower`)
  near(actual.upper, expected[1], `${label}.upper`)
}

/** Every number in a result is finite or the value is null: what JSON can carry faithfully. */
function expectJsonSafe(value: unknown, path = 'result') {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`)
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) expectJsonSafe(v, `${path}.${k}`)
  }
}

describe('distributions against the Python reference', () => {
  test('normalCdf, relative accuracy including the far lower tail', () => {
    for (const c of fixtures.normalCdf) {
      const rel = Math.abs(normalCdf(c.x) - c.expected) / c.expected
      if (!(rel < 1e-8)) throw new Error(`Phi(${c.x}) = ${normalCdf(c.x)}, expected ${c.expected} (relative ${rel})`)
    }
  })
  test('normalQuantile', () => { for (const c of fixtures.normalQuantile) near(normalQuantile(c.p), c.expected, `Phi^-1(${c.p})`, 1e-9) })
  test('studentTCdf', () => { for (const c of fixtures.studentTCdf) near(studentTCdf(c.t, c.df), c.expected, `T_${c.df}(${c.t})`) })
  test('studentTQuantile', () => { for (const c of fixtures.studentTQuantile) near(studentTQuantile(c.p, c.df), c.expected, `T_${c.df}^-1(${c.p})`) })
  test('chiSquareSf', () => { for (const c of fixtures.chiSquareSf) near(chiSquareSf(c.x, c.df), c.expected, `chi2_${c.df}(>${c.x})`) })

  test('textbook values', () => {
    expect(Math.abs(normalQuantile(0.975) - 1.959963985)).toBeLessThan(1e-9)
    expect(Math.abs(normalQuantile(0.95) - 1.644853627)).toBeLessThan(1e-9)
    expect(Math.abs(normalCdf(1.96) - 0.9750021049)).toBeLessThan(1e-10)
    expect(Math.abs(studentTQuantile(0.975, 1) - 12.7062047)).toBeLessThan(1e-7) // = tan(0.475 pi)
    expect(Math.abs(studentTQuantile(0.975, 10) - 2.228138852)).toBeLessThan(1e-9)
    expect(Math.abs(chiSquareSf(3.841458821, 1) - 0.05)).toBeLessThan(1e-9)
    expect(Math.abs(chiSquareSf(5.991464547, 2) - 0.05)).toBeLessThan(1e-9)
    // the quantile inverts the CDF across the whole range, including far tails
    for (const p of [1e-300, 1e-15, 1e-8, 0.3, 0.5, 0.7, 1 - 1e-12]) near(normalCdf(normalQuantile(p)), p, `round trip ${p}`, 1e-9)
  })
})

describe('conversionRate', () => {
  for (const c of fixtures.conversionRate) {
    test(c.name, () => {
      const r = conversionRate(c.control, c.variant)
      const e = c.expected
      near(r.control.rate, e.controlRate, 'control.rate')
      near(r.variant.rate, e.variantRate, 'variant.rate')
      nearInterval(r.control.ci, e.controlCi, 'control.ci')
      nearInterval(r.variant.ci, e.variantCi, 'variant.ci')
      near(r.absoluteDifference, e.absoluteDifference, 'absoluteDifference')
      nearInterval(r.absoluteDifferenceCi, e.absoluteDifferenceCi, 'absoluteDifferenceCi')
      if (e.relativeLift === null) expect(r.relativeLift).toBeNull(); else near(r.relativeLift, e.relativeLift, 'relativeLift')
      nearInterval(r.relativeLiftCi, e.relativeLiftCi, 'relativeLiftCi')
      near(r.zScore, e.zScore, 'zScore')
      nearP(r.pValue, e.pValue, 'pValue')
      expect(r.isSignificant).toBe(e.isSignificant)
      expect(r.lowConfidence).toBe(e.lowConfidence)
      expectJsonSafe(r)
    })
  }

  test('textbook: 200/1000 vs 250/1000 gives z = 2.6774, p = 0.00742', () => {
    const r = conversionRate({ users: 1000, conversions: 200 }, { users: 1000, conversions: 250 })
    expect(r.zScore!).toBeCloseTo(2.6774, 4)
    expect(r.pValue!).toBeCloseTo(0.00742, 5)
    expect(r.isSignificant).toBe(true)
  })

  test('swapping arms negates the difference and z, keeps the p-value', () => {
    const a = { users: 12000, conversions: 610 }, b = { users: 11800, conversions: 530 }
    const ab = conversionRate(a, b), ba = conversionRate(b, a)
    near(ba.absoluteDifference!, -ab.absoluteDifference!, 'difference')
    near(ba.zScore!, -ab.zScore!, 'z')
    near(ba.pValue!, ab.pValue!, 'p', 1e-12)
    // lift is a ratio: (1 + l_ab)(1 + l_ba) = 1, so the sign flips
    near((1 + ab.relativeLift!) * (1 + ba.relativeLift!), 1, 'lift reciprocity')
    expect(Math.sign(ab.relativeLift!)).toBe(-Math.sign(ba.relativeLift!))
  })

  test('degenerate inputs never throw and never carry NaN', () => {
    const none = conversionRate({ users: 0, conversions: 0 }, { users: 0, conversions: 0 })
    expect(none).toMatchObject({ pValue: null, zScore: null, relativeLift: null, isSignificant: false, lowConfidence: true })
    expect(none.control.rate).toBeNull()
    expectJsonSafe(none)
    const oneEmpty = conversionRate({ users: 0, conversions: 0 }, { users: 100, conversions: 5 })
    expect(oneEmpty.pValue).toBeNull()
    expect(oneEmpty.variant.rate).toBe(0.05)
    expectJsonSafe(oneEmpty)
    const nobody = conversionRate({ users: 800, conversions: 0 }, { users: 700, conversions: 0 })
    expect(nobody).toMatchObject({ pValue: 1, zScore: 0, relativeLift: null, relativeLiftCi: null, isSignificant: false })
    expect(nobody.control.ci!.lower).toBe(0)
    expectJsonSafe(nobody)
    const everybody = conversionRate({ users: 50, conversions: 50 }, { users: 60, conversions: 60 })
    expect(everybody).toMatchObject({ pValue: 1, relativeLift: 0, isSignificant: false })
    expectJsonSafe(everybody)
    const zeroControl = conversionRate({ users: 1000, conversions: 0 }, { users: 1000, conversions: 12 })
    expect(zeroControl.relativeLift).toBeNull()
    expect(zeroControl.pValue!).toBeLessThan(0.05)
    expectJsonSafe(zeroControl)
    // nonsense counts are clamped rather than thrown on
    expectJsonSafe(conversionRate({ users: -5, conversions: 3 }, { users: 10, conversions: 20 }))
    expectJsonSafe(conversionRate({ users: NaN, conversions: NaN }, { users: 10, conversions: 2 }))
  })

  test('lowConfidence below 500 users in either arm', () => {
    expect(conversionRate({ users: 499, conversions: 10 }, { users: 5000, conversions: 100 }).lowConfidence).toBe(true)
    expect(conversionRate({ users: 500, conversions: 10 }, { users: 500, conversions: 12 }).lowConfidence).toBe(false)
  })

  test('A/A simulation: 2,000 experiments, false-positive rate within [0.03, 0.07]', () => {
    const rand = mulberry32(0xab7e57)
    const n = 1000, p = 0.1
    let positives = 0
    for (let i = 0; i < 2000; i++) {
      let xc = 0, xv = 0
      for (let u = 0; u < n; u++) { if (rand() < p) xc++; if (rand() < p) xv++ }
      if (conversionRate({ users: n, conversions: xc }, { users: n, conversions: xv }).isSignificant) positives++
    }
    const rate = positives / 2000
    expect(rate).toBeGreaterThanOrEqual(0.03)
    expect(rate).toBeLessThanOrEqual(0.07)
  })
})

describe('revenuePerVisitor', () => {
  for (const c of fixtures.revenuePerVisitor) {
    test(c.name, () => {
      const r = revenuePerVisitor(c.control, c.variant)
      const e = c.expected
      near(r.control.mean, e.controlMean, 'control.mean')
      near(r.variant.mean, e.variantMean, 'variant.mean')
      nearInterval(r.control.ci, e.controlCi, 'control.ci')
      nearInterval(r.variant.ci, e.variantCi, 'variant.ci')
      near(r.absoluteDifference, e.absoluteDifference, 'absoluteDifference')
      nearInterval(r.absoluteDifferenceCi, e.absoluteDifferenceCi, 'absoluteDifferenceCi')
      near(r.relativeLift, e.relativeLift, 'relativeLift')
      nearInterval(r.relativeLiftCi, e.relativeLiftCi, 'relativeLiftCi')
      near(r.tStatistic, e.tStatistic, 'tStatistic')
      near(r.degreesOfFreedom, e.degreesOfFreedom, 'degreesOfFreedom')
      nearP(r.pValue, e.pValue, 'pValue')
      expect(r.isSignificant).toBe(e.isSignificant)
      expect(r.lowConfidence).toBe(e.lowConfidence)
      expectJsonSafe(r)
    })
  }

  test('swapping arms negates t, keeps df and the p-value', () => {
    const a = { n: 900, sum: 2250, sumSq: 90000 }, b = { n: 1100, sum: 3300, sumSq: 160000 }
    const ab = revenuePerVisitor(a, b), ba = revenuePerVisitor(b, a)
    near(ba.tStatistic!, -ab.tStatistic!, 't')
    near(ba.degreesOfFreedom!, ab.degreesOfFreedom!, 'df')
    near(ba.pValue!, ab.pValue!, 'p', 1e-12)
    expect(Math.sign(ab.relativeLift!)).toBe(-Math.sign(ba.relativeLift!))
  })

  test('degenerate inputs', () => {
    const empty = revenuePerVisitor({ n: 0, sum: 0, sumSq: 0 }, { n: 0, sum: 0, sumSq: 0 })
    expect(empty).toMatchObject({ pValue: null, relativeLift: null, absoluteDifference: null, isSignificant: false })
    expectJsonSafe(empty)
    const single = revenuePerVisitor({ n: 1, sum: 10, sumSq: 100 }, { n: 3, sum: 30, sumSq: 400 })
    expect(single.pValue).toBeNull()
    expect(single.control.ci).toBeNull()
    expectJsonSafe(single)
    const nobodyBought = revenuePerVisitor({ n: 800, sum: 0, sumSq: 0 }, { n: 900, sum: 0, sumSq: 0 })
    expect(nobodyBought).toMatchObject({ pValue: 1, relativeLift: null, isSignificant: false })
    expectJsonSafe(nobodyBought)
    const constantButDifferent = revenuePerVisitor({ n: 10, sum: 50, sumSq: 250 }, { n: 10, sum: 70, sumSq: 490 })
    expect(constantButDifferent.pValue).toBeNull()
    expect(constantButDifferent.relativeLift!).toBeCloseTo(0.4, 12)
    expectJsonSafe(constantButDifferent)
    // zero variance in one arm only: df falls back to the other arm's n - 1
    const oneFlat = revenuePerVisitor({ n: 50, sum: 0, sumSq: 0 }, { n: 40, sum: 200, sumSq: 4000 })
    near(oneFlat.degreesOfFreedom!, 39, 'df')
    expectJsonSafe(oneFlat)
  })
})

describe('clickThroughRate', () => {
  for (const c of fixtures.clickThroughRate) {
    test(c.name, () => {
      const r = clickThroughRate(c.control, c.variant)
      const e = c.expected
      near(r.control.rate, e.controlRate, 'control.rate')
      near(r.variant.rate, e.variantRate, 'variant.rate')
      nearInterval(r.control.ci, e.controlCi, 'control.ci')
      nearInterval(r.variant.ci, e.variantCi, 'variant.ci')
      near(r.absoluteDifference, e.absoluteDifference, 'absoluteDifference')
      nearInterval(r.absoluteDifferenceCi, e.absoluteDifferenceCi, 'absoluteDifferenceCi')
      near(r.relativeLift, e.relativeLift, 'relativeLift')
      nearInterval(r.relativeLiftCi, e.relativeLiftCi, 'relativeLiftCi')
      near(r.zScore, e.zScore, 'zScore')
      nearP(r.pValue, e.pValue, 'pValue')
      expect(r.isSignificant).toBe(e.isSignificant)
      expect(r.lowConfidence).toBe(e.lowConfidence)
      expectJsonSafe(r)
    })
  }

  test('with one impression per user the ratio variance reduces to the binomial p(1-p)/n', () => {
    // x in {0,1}, y = 1: s_y = 0, s_xy = 0, so Var(R) = s_x^2 / n with the (n - 1) sample variance
    const n = 2000, x = 150
    const arm = { users: n, clicks: x, impressions: n, sumClicksSq: x, sumImpressionsSq: n, sumClicksImpressions: x }
    const r = clickThroughRate(arm, arm)
    const p = x / n
    near(r.control.standardError! ** 2, p * (1 - p) * n / (n - 1) / n, 'variance')
    expect(r.pValue).toBe(1)
  })

  test('swapping arms negates z and keeps the p-value', () => {
    const a = { users: 700, clicks: 300, impressions: 5000, sumClicksSq: 900, sumImpressionsSq: 60000, sumClicksImpressions: 4000 }
    const b = { users: 650, clicks: 360, impressions: 4800, sumClicksSq: 1200, sumImpressionsSq: 58000, sumClicksImpressions: 4600 }
    const ab = clickThroughRate(a, b), ba = clickThroughRate(b, a)
    near(ba.zScore!, -ab.zScore!, 'z')
    near(ba.pValue!, ab.pValue!, 'p', 1e-12)
    expect(Math.sign(ab.relativeLift!)).toBe(-Math.sign(ba.relativeLift!))
  })

  test('degenerate inputs', () => {
    const zero = { users: 0, clicks: 0, impressions: 0, sumClicksSq: 0, sumImpressionsSq: 0, sumClicksImpressions: 0 }
    const empty = clickThroughRate(zero, zero)
    expect(empty).toMatchObject({ pValue: null, relativeLift: null, isSignificant: false })
    expectJsonSafe(empty)
    const noImpressions = clickThroughRate({ ...zero, users: 100 }, { users: 100, clicks: 5, impressions: 300, sumClicksSq: 9, sumImpressionsSq: 1000, sumClicksImpressions: 30 })
    expect(noImpressions.control.rate).toBeNull()
    expect(noImpressions.pValue).toBeNull()
    expectJsonSafe(noImpressions)
    const noClicks = { users: 100, clicks: 0, impressions: 300, sumClicksSq: 0, sumImpressionsSq: 1000, sumClicksImpressions: 0 }
    const bothZero = clickThroughRate(noClicks, noClicks)
    expect(bothZero).toMatchObject({ pValue: 1, relativeLift: null })
    expectJsonSafe(bothZero)
  })
})

describe('sampleRatioMismatch', () => {
  for (const c of fixtures.sampleRatioMismatch) {
    test(c.name, () => {
      const r = sampleRatioMismatch(c.observed, c.expectedVariantShare)
      near(r.chiSquare, c.expected.chiSquare, 'chiSquare')
      nearP(r.pValue, c.expected.pValue, 'pValue')
      expect(r.detected).toBe(c.expected.detected)
    })
  }
  test('degenerate inputs', () => {
    expect(sampleRatioMismatch({ control: 0, variant: 0 }, 0.5)).toMatchObject({ pValue: null, detected: false })
    expect(sampleRatioMismatch({ control: 10, variant: 10 }, 1)).toMatchObject({ pValue: null, detected: false })
    expect(sampleRatioMismatch({ control: 0, variant: 100 }, 0.5)).toMatchObject({ detected: true })
    expect(sampleRatioMismatch({ control: 500, variant: 500 }, 0.5)).toMatchObject({ chiSquare: 0, pValue: 1, detected: false })
  })
})

describe('minimumSampleSize', () => {
  for (const c of fixtures.minimumSampleSize) {
    test(`${JSON.stringify(c.baseline)} ${JSON.stringify(c.options)} -> ${c.expected}`, () => {
      expect(minimumSampleSize(c.baseline, c.options)).toBe(c.expected)
    })
  }
  test('defaults are a 5 % relative MDE, alpha 0.05, power 0.8', () => {
    expect(minimumSampleSize({ rate: 0.03 })).toBe(minimumSampleSize({ rate: 0.03 }, { relativeMde: 0.05, alpha: 0.05, power: 0.8 }))
  })
  test('the PRD figure (~1,600 per arm) is a 5-point absolute change at a 50 % baseline', () => {
    // 0.50 -> 0.55 is a 10 % relative lift; Lehr's rule 16 p(1-p) / d^2 gives exactly 1,600.
    expect(minimumSampleSize({ rate: 0.5 }, { relativeMde: 0.1 })).toBe(1565)
  })
  test('impossible inputs give null', () => {
    expect(minimumSampleSize({ rate: 0 })).toBeNull()
    expect(minimumSampleSize({ rate: 0.99 }, { relativeMde: 0.05 })).toBeNull()
    expect(minimumSampleSize({ rate: 0.1 }, { relativeMde: 0 })).toBeNull()
    expect(minimumSampleSize({ mean: 10, standardDeviation: 0 })).toBeNull()
    expect(minimumSampleSize({ rate: 0.1 }, { power: 1 })).toBeNull()
  })
})
