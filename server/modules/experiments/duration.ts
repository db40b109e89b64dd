// How long an experiment must run: pure, with no imports, so the console's
// new-experiment form computes the same estimate the server would.

/** z_{α/2} for α = 0.05 two-sided and z_β for power 0.8 (normal quantiles 0.975 and 0.8). */
const Z_ALPHA = 1.959963984540054
const Z_BETA = 0.8416212335729143

/**
 * A sequential (always-valid) test read every day needs more users than a fixed test read once:
 * scripts/eval/peeking.ts measured 80 % power on day 21 against day 12 for the fixed test,
 * ≈ 1.75x (BENCHMARKS.md "Peeking").
 */
export const SEQUENTIAL_FACTOR = 1.75

/**
 * Shoppers needed per arm for a two-sided test (α = 0.05, power 0.8) to detect a relative
 * change m of a baseline rate p: n = (z_{α/2} + z_β)² · 2p(1−p) / (p·m)², times
 * SEQUENTIAL_FACTOR when the results are watched with the sequential test.
 * Null when p or m cannot describe a detectable change.
 */
export function shoppersPerArm(p: number, m: number, sequential = true): number | null {
  if (!(p > 0 && p < 1) || !(m > 0 && Number.isFinite(m))) return null
  const n = (Z_ALPHA + Z_BETA) ** 2 * 2 * p * (1 - p) / (p * m) ** 2
  return Math.ceil(n * (sequential ? SEQUENTIAL_FACTOR : 1) - 1e-9)
}

export interface DurationEstimate { perArm: number; days: number }

/**
 * days = ceil(perArm · arms / shoppersPerDay) for an even split; an uneven one waits for its
 * smallest arm (`smallestShare` of the shoppers, e.g. 0.2 for 80/20). Null without traffic or a detectable change.
 */
export function estimateDuration(input: { rate: number; relativeMde: number; arms: number; shoppersPerDay: number; smallestShare?: number; sequential?: boolean }): DurationEstimate | null {
  const { rate, relativeMde, arms, shoppersPerDay, smallestShare = 1 / arms, sequential = true } = input
  if (!(shoppersPerDay > 0) || !(Number.isInteger(arms) && arms >= 2) || !(smallestShare > 0 && smallestShare <= 1 / arms)) return null
  const perArm = shoppersPerArm(rate, relativeMde, sequential)
  if (perArm === null) return null
  return { perArm, days: Math.ceil(perArm / (shoppersPerDay * smallestShare) - 1e-9) }
}
