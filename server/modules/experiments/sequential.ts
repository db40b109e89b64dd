// Sequential (always-valid) inference for experiment results. Pure, like
// statistics.ts, whose per-metric comparisons it reuses: the per-arm estimate
// and its variance come from the same per-user metric (delta method for CTR,
// proportions for conversion, Welch-style unpooled variances for revenue).
//
// Method: the normal-mixture boundary (Robbins 1970; Howard et al. 2021,
// "Time-uniform, nonparametric, nonasymptotic confidence sequences"), used as an
// asymptotic confidence sequence with a plug-in variance (Waudby-Smith et al.
// 2024, "Time-uniform central limit theory and asymptotic confidence
// sequences"); equivalently the mixture SPRT of Johari et al. (2017). For an
// estimate θ̂ of the relative lift with variance V and a N(0, τ²) mixture over
// the true lift, the likelihood ratio against "no lift" is
//   Λ = sqrt(V / (V + τ²)) · exp(τ² θ̂² / (2 V (V + τ²)))
// and by Ville's inequality P(Λ ever reaches 1/α | no lift) ≤ α. So
// pValue = min(1, 1/Λ) may be read at every look, and the interval
//   θ̂ ± sqrt(V (V + τ²) / τ² · (2 ln(1/α) + ln((V + τ²) / V)))
// covers the true lift at all looks at once with probability ≥ 1 − α. The
// p-value and the interval agree: pValue ≤ α exactly when 0 is outside.
//
// Tuning: τ² = ρ² · (V · n), n the users per arm (harmonic mean of the two),
// so τ² is a fixed multiple of the per-user variance; ρ² =
// (−2 ln α + ln(1 − 2 ln α)) / n* makes the interval tightest when n reaches
// n* (Howard et al.'s choice), n* the experiment's expected users per arm.
// The width is forgiving: from n = n*/10 to 10 n* it stays within 1.3× its
// best ratio to the fixed-horizon interval.

import type { ConversionResult, CtrResult, RevenueResult } from './statistics.ts'

const ALPHA = 0.05

/** Users per arm the mixture is tuned for when the experiment gives no plannedSampleSize: a week of the PRD's 10k daily visitors, split evenly. */
export const DEFAULT_EXPECTED_USERS_PER_ARM = 35_000

/** An arm's estimate of the metric and the variance of that estimate (not of a single user). */
export interface ArmEstimate { value: number | null; variance: number | null; users: number }

export interface SequentialTuning {
  alpha: number
  /** n*: users per arm at which the interval is tightest. */
  expectedUsersPerArm: number
  /** ρ² = (−2 ln α + ln(1 − 2 ln α)) / n*. */
  rho2: number
  /** τ², the mixture variance on the relative-lift scale (ρ² times the per-user variance of the lift); null before it can be estimated. */
  mixtureVariance: number | null
}

export interface SequentialResult {
  pValue: number | null
  liftInterval: [number, number] | null
  method: string
  tuning: SequentialTuning
}

export const SEQUENTIAL_METHOD = 'normal-mixture asymptotic confidence sequence on the relative lift (Howard et al. 2021; Waudby-Smith et al. 2024), delta-method variance'

/** ρ² tuned so the boundary is tightest at n* users per arm. */
export function mixturePrecision(expectedUsersPerArm: number, alpha = ALPHA): number {
  const l = -2 * Math.log(alpha)
  return (l + Math.log(1 + l)) / expectedUsersPerArm
}

/**
 * The mixture test for one estimate with variance `variance` and mixture
 * variance `tau2`: the always-valid p-value and the confidence-sequence
 * interval at this look. Null where the estimate or its variance is unknown;
 * a zero variance with a zero estimate is "no evidence" (pValue 1).
 */
export function mixtureTest(estimate: number, variance: number, tau2: number, alpha = ALPHA): { pValue: number | null; interval: [number, number] | null } {
  if (!Number.isFinite(estimate) || !Number.isFinite(variance) || !(variance >= 0)) return { pValue: null, interval: null }
  if (variance === 0) return { pValue: estimate === 0 ? 1 : null, interval: null }
  if (!(tau2 > 0) || !Number.isFinite(tau2)) return { pValue: null, interval: null }
  const total = variance + tau2
  // ln Λ, kept in logs: a large effect overflows exp long before the p-value underflows to 0.
  const logLr = 0.5 * Math.log(variance / total) + tau2 * estimate * estimate / (2 * variance * total)
  const pValue = Math.min(1, Math.exp(-logLr))
  const half = Math.sqrt(variance * total / tau2 * (2 * Math.log(1 / alpha) + Math.log(total / variance)))
  return { pValue, interval: Number.isFinite(half) ? [estimate - half, estimate + half] : null }
}

/**
 * Relative lift (variant − control) / control with the delta-method variance of
 * the ratio of two independent estimates, as statistics.ts uses for liftCI.
 */
export function relativeLiftEstimate(control: ArmEstimate, variant: ArmEstimate): { lift: number; variance: number } | null {
  const c = control.value, v = variant.value
  if (c === null || v === null || c === 0 || control.variance === null || variant.variance === null) return null
  const variance = variant.variance / (c * c) + v * v * control.variance / (c * c * c * c)
  return Number.isFinite(variance) ? { lift: (v - c) / c, variance } : null
}

/** Each arm's estimate and its variance, read from the fixed-horizon comparison of the same per-user metric. */
export function armEstimates(r: CtrResult | ConversionResult | RevenueResult): { control: ArmEstimate; variant: ArmEstimate } {
  if (r.metric === 'ctr') {
    const arm = (a: CtrResult['control']): ArmEstimate => ({ value: a.rate, variance: a.standardError === null ? null : a.standardError ** 2, users: a.users })
    return { control: arm(r.control), variant: arm(r.variant) }
  }
  if (r.metric === 'conversion_rate') {
    const arm = (a: ConversionResult['control']): ArmEstimate => ({ value: a.rate, variance: a.rate === null ? null : a.rate * (1 - a.rate) / a.users, users: a.users })
    return { control: arm(r.control), variant: arm(r.variant) }
  }
  const arm = (a: RevenueResult['control']): ArmEstimate => ({ value: a.mean, variance: a.standardDeviation === null ? null : a.standardDeviation ** 2 / a.n, users: a.n })
  return { control: arm(r.control), variant: arm(r.variant) }
}

/** The sequential result for variant against control, tuned for `expectedUsersPerArm`. */
export function sequentialLift(control: ArmEstimate, variant: ArmEstimate, expectedUsersPerArm = DEFAULT_EXPECTED_USERS_PER_ARM, alpha = ALPHA): SequentialResult {
  const rho2 = mixturePrecision(expectedUsersPerArm, alpha)
  const tuning: SequentialTuning = { alpha, expectedUsersPerArm, rho2, mixtureVariance: null }
  const est = relativeLiftEstimate(control, variant)
  const nc = control.users, nv = variant.users
  if (!est || !(nc > 0 && nv > 0)) return { pValue: null, liftInterval: null, method: SEQUENTIAL_METHOD, tuning }
  // V · n estimates the per-user variance of the lift: a constant, so τ² is too (up to the plug-in).
  const usersPerArm = 2 / (1 / nc + 1 / nv)
  const tau2 = rho2 * est.variance * usersPerArm
  const { pValue, interval } = mixtureTest(est.lift, est.variance, tau2, alpha)
  return { pValue, liftInterval: interval, method: SEQUENTIAL_METHOD, tuning: { ...tuning, mixtureVariance: tau2 > 0 && Number.isFinite(tau2) ? tau2 : null } }
}
