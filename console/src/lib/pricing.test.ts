import { describe, expect, test } from 'bun:test'
import { quote, TIERS } from './pricing'

describe('pricing quote', () => {
  test('small shops are free', () => {
    expect(quote(50_000, 200)).toMatchObject({ monthly: 0, tier: { id: 'free' } })
    expect(quote(100_000, 1_000).tier.id).toBe('free')
  })
  test('one event over the free allowance moves to Growth at its base price', () => {
    expect(quote(100_001, 10)).toMatchObject({ monthly: 99, tier: { id: 'growth' }, overageEvents: 0 })
  })
  test('catalog size alone sets the floor tier', () => {
    expect(quote(10, 1_001).tier.id).toBe('growth')
    expect(quote(10, 50_001)).toMatchObject({ tier: { id: 'scale' }, monthly: 499 })
  })
  test('overage is charged per started 1,000 events', () => {
    // 2,000,500 events on Growth: 1,000,500 over → 1,001 blocks × $0.05 = $50.05
    expect(quote(2_000_500, 100)).toMatchObject({ tier: { id: 'growth' }, overageEvents: 1_000_500, overageCost: 50.05, monthly: 149.05 })
  })
  test('Scale wins once Growth overage costs more than the step up', () => {
    // Growth at 9M: 99 + 8,000 × 0.05 = 499 (tie → the first, Growth); at 9.5M Growth = 524 > Scale 499.
    expect(quote(9_000_000, 100)).toMatchObject({ tier: { id: 'growth' }, monthly: 499 })
    expect(quote(9_500_000, 100)).toMatchObject({ tier: { id: 'scale' }, monthly: 499 })
    expect(quote(20_000_000, 100)).toMatchObject({ tier: { id: 'scale' }, monthly: 499 + 10_000 * 0.03 })
  })
  test('beyond Scale it is a quote', () => {
    expect(quote(100_000_001, 100)).toMatchObject({ tier: { id: 'enterprise' }, monthly: null })
    expect(quote(1, 600_000).tier.id).toBe('enterprise')
  })
  test('nonsense input counts as zero', () => {
    expect(quote(Number.NaN, -5)).toMatchObject({ tier: { id: 'free' }, monthly: 0 })
  })
  test('tiers are ordered by price', () => {
    const bases = TIERS.filter((t) => t.base !== null).map((t) => t.base!)
    expect([...bases].sort((a, b) => a - b)).toEqual(bases)
  })
})
