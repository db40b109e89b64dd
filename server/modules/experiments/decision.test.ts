import { describe, expect, test } from 'bun:test'
import { decide, type DecisionInput } from './decision.ts'

const base: DecisionInput = {
  analysis: 'sequential', metric: 'ctr', control: 'trending', variant: 'content_based', lift: 0.061,
  pValue: 0.01, liftInterval: [0.012, 0.11], peeking: false, usersPerArm: 40_000, plannedSampleSize: null, srmDetected: false,
}

describe('decision', () => {
  test('ship_variant: significant and better, in the sentence the console shows', () => {
    expect(decide(base)).toEqual({ status: 'ship_variant', arm: 'variant', reason: 'Ship content_based: +6.1 % CTR, valid at any look' })
    expect(decide({ ...base, analysis: 'fixed', plannedSampleSize: 30_000 }).reason).toBe('Ship content_based: +6.1 % CTR, at the planned sample size')
  })
  test('keep_control: significant and worse', () => {
    expect(decide({ ...base, lift: -0.042, liftInterval: [-0.08, -0.004], metric: 'conversion_rate' }))
      .toEqual({ status: 'keep_control', arm: 'control', reason: 'Keep trending: content_based is −4.2 % conversion rate, valid at any look' })
  })
  test('no_difference: a sequential interval inside ±5 %; a fixed test not significant at its horizon', () => {
    const narrow = decide({ ...base, lift: 0.004, pValue: 0.9, liftInterval: [-0.03, 0.041] })
    expect(narrow.status).toBe('no_difference')
    expect(narrow.arm).toBe('control')
    expect(narrow.reason).toBe('No difference worth shipping: CTR lift between −3.0 % and +4.1 %, valid at any look; keep trending')
    expect(decide({ ...base, lift: 0.004, pValue: 0.9, liftInterval: [-0.03, 0.06] }).status).toBe('continue')
    expect(decide({ ...base, analysis: 'fixed', lift: 0.03, pValue: 0.2, liftInterval: [-0.02, 0.08], plannedSampleSize: 30_000 }).status).toBe('no_difference')
  })
  test('continue: not significant yet, no data, a fixed test before its horizon, or a sample ratio mismatch', () => {
    const open = decide({ ...base, lift: 0.03, pValue: 0.3, liftInterval: [-0.04, 0.1] })
    expect(open).toEqual({ status: 'continue', arm: null, reason: 'Keep running: CTR +3.0 % so far; the lift is between −4.0 % and +10.0 %, which still includes 0' })
    expect(decide({ ...base, lift: null, pValue: null, liftInterval: null }).status).toBe('continue')
    const peeking = decide({ ...base, analysis: 'fixed', peeking: true, usersPerArm: 1234, plannedSampleSize: 5000 })
    expect(peeking).toEqual({ status: 'continue', arm: null, reason: 'Keep running: 1,234 of 5,000 planned users per arm; a fixed-horizon result read earlier is peeking' })
    const srm = decide({ ...base, srmDetected: true })
    expect(srm.status).toBe('continue')
    expect(srm.reason).toContain('sample ratio mismatch')
  })
})
