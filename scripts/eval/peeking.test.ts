import { expect, test } from 'bun:test'
import { mulberry32 } from '../../server/prng.ts'
import { binomial, simulate } from './peeking.ts'

test('binomial draws have the binomial mean and variance', () => {
  const rand = mulberry32(1)
  const xs = Array.from({ length: 20_000 }, () => binomial(rand, 500, 0.1))
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)
  expect(Math.abs(mean - 50)).toBeLessThan(0.2) // sd of the mean ≈ 0.05
  expect(Math.abs(variance / 45 - 1)).toBeLessThan(0.05)
  expect(binomial(rand, 10, 0)).toBe(0)
  expect(binomial(rand, 10, 1)).toBe(10)
})

test('daily peeking inflates the fixed test; the sequential one stays under 5 % (A/A)', () => {
  const { rules } = simulate({ experiments: 400, days: 28, dailyUsers: 10_000, baseline: 0.1, lift: 0.05, seed: 3 }, 0)
  const [peeking, once, sequential] = rules
  expect(peeking!.share).toBeGreaterThan(0.15)
  expect(once!.share).toBeLessThan(0.1)
  expect(sequential!.share).toBeLessThanOrEqual(0.05)
})
