// When a failed delivery is tried again: about 5 s, 30 s, 2 min, 10 min, 30 min, 2 h, 6 h, then every 12 h,
// each ±20 % (so endpoints that failed together do not all come back at once), for 3 days from the event.
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000, 21_600_000, 43_200_000]
export const RETRY_WINDOW_MS = 3 * 24 * 3600_000
export const JITTER = 0.2

/**
 * The time of the next attempt after `attempts` failed ones, or null when it would fall past the window (the
 * delivery has failed for good). `random` is in [0, 1).
 */
export function nextAttemptAt(attempts: number, firstAt: Date, now: Date, random: number): Date | null {
  const base = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0]!
  const at = now.getTime() + Math.round(base * (1 + JITTER * (2 * random - 1)))
  return at > firstAt.getTime() + RETRY_WINDOW_MS ? null : new Date(at)
}
