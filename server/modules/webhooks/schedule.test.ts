import { describe, expect, test } from 'bun:test'
import { nextAttemptAt, RETRY_DELAYS_MS, RETRY_WINDOW_MS } from './schedule.ts'

describe('retry schedule', () => {
  const first = new Date('2026-01-01T00:00:00Z')
  test('about 5 s, 30 s, 2 min, 10 min, 30 min, 2 h, 6 h, 12 h, then 12 h; ±20 % jitter', () => {
    expect(RETRY_DELAYS_MS.map((ms) => ms / 1000)).toEqual([5, 30, 120, 600, 1800, 7200, 21600, 43200])
    for (let attempts = 1; attempts <= 10; attempts++) {
      const base = RETRY_DELAYS_MS[Math.min(attempts, 8) - 1]!
      const low = nextAttemptAt(attempts, first, first, 0)!.getTime() - first.getTime()
      const mid = nextAttemptAt(attempts, first, first, 0.5)!.getTime() - first.getTime()
      const high = nextAttemptAt(attempts, first, first, 0.999999)!.getTime() - first.getTime()
      expect(mid).toBe(base)
      expect(low).toBe(Math.round(base * 0.8))
      expect(high).toBeLessThanOrEqual(Math.round(base * 1.2))
    }
  })
  test('failed for good once the next attempt would fall past 3 days after the event', () => {
    const late = new Date(first.getTime() + RETRY_WINDOW_MS - 3600_000)
    expect(nextAttemptAt(9, first, late, 0.5)).toBeNull()
    expect(nextAttemptAt(1, first, late, 0.5)).not.toBeNull()
  })
})
