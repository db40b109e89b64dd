import { describe, expect, test } from 'bun:test'
import { estimateDuration, SEQUENTIAL_FACTOR, shoppersPerArm } from './duration.ts'
import { minimumSampleSize } from './statistics.ts'

describe('shoppersPerArm', () => {
  test('10 % baseline, 5 % lift, fixed: (1.96 + 0.8416)² · 2 · 0.1 · 0.9 / 0.005² = 56,512', () => {
    expect(shoppersPerArm(0.1, 0.05, false)).toBe(56_512)
  })
  test('slightly below the Fleiss formula the results use (it ignores the variance of the lifted arm), within 10 %', () => {
    for (const [p, m] of [[0.1, 0.05], [0.03, 0.1], [0.02, 0.2]] as const) {
      const ours = shoppersPerArm(p, m, false)!, fleiss = minimumSampleSize({ rate: p }, { relativeMde: m })!
      expect(ours).toBeLessThanOrEqual(fleiss)
      expect(ours / fleiss).toBeGreaterThan(0.9)
    }
  })
  test('sequential costs 1.75x', () => {
    expect(shoppersPerArm(0.1, 0.05)).toBe(98_896)
    expect(shoppersPerArm(0.1, 0.05)! / 56_512).toBeCloseTo(SEQUENTIAL_FACTOR, 3)
  })
  test('halving the effect quadruples the sample', () => {
    expect(shoppersPerArm(0.05, 0.05, false)! / shoppersPerArm(0.05, 0.1, false)!).toBeCloseTo(4, 3)
  })
  test('no rate or no effect → null', () => {
    for (const [p, m] of [[0, 0.05], [1, 0.05], [0.1, 0], [0.1, -0.05], [Number.NaN, 0.05], [0.1, Infinity]]) expect(shoppersPerArm(p!, m!)).toBeNull()
  })
})

describe('estimateDuration', () => {
  test('two arms at 10,000 shoppers a day: ceil(2 · perArm / 10,000)', () => {
    const e = estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 2, shoppersPerDay: 10_000, sequential: false })!
    expect(e).toEqual({ perArm: 56_512, days: 12 })
    expect(estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 3, shoppersPerDay: 10_000, sequential: false })!.days).toBe(17)
  })
  test('sequential by default: about 20 days', () => {
    expect(estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 2, shoppersPerDay: 10_000 })!.days).toBe(20)
  })
  test('an uneven split waits for its smallest arm: 80/20 takes 2.5x an even split', () => {
    const e = estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 2, shoppersPerDay: 10_000, smallestShare: 0.2, sequential: false })!
    expect(e.days).toBe(Math.ceil(56_512 / 2_000))
    expect(estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 2, shoppersPerDay: 10_000, smallestShare: 0.6 })).toBeNull()
  })
  test('no traffic → null', () => {
    expect(estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 2, shoppersPerDay: 0 })).toBeNull()
    expect(estimateDuration({ rate: 0, relativeMde: 0.05, arms: 2, shoppersPerDay: 100 })).toBeNull()
    expect(estimateDuration({ rate: 0.1, relativeMde: 0.05, arms: 1, shoppersPerDay: 100 })).toBeNull()
  })
})
