// Statistics for A/B experiment results. Pure: numbers in, plain objects of
// numbers / null out, no I/O, no throwing on degenerate input. The unit of
// analysis is the exposed user; every metric arrives as per-arm sufficient
// statistics (counts and sums over users), so the caller can aggregate in SQL.
//
// Conventions, chosen once here so every result reads the same way:
// - Tests are two-sided at ALPHA = 0.05; intervals are 95 % (1 - ALPHA).
// - A value that cannot be computed is null, never NaN or Infinity: JSON
//   would turn those into null anyway, and silently.
// - "No evidence of a difference" (both arms identical and without variance,
//   e.g. zero conversions everywhere) gives pValue 1. A test that is not
//   defined at all (an empty arm, fewer than 2 users for a variance, a
//   difference with zero standard error) gives pValue null. isSignificant is
//   false whenever pValue is null.
// - Relative lift is (variant - control) / control, null when the control is 0.
//   Its interval uses the delta method on the ratio of two independent
//   estimates, Var(v/c) ~ Var(v)/c^2 + v^2 Var(c)/c^4, with a normal quantile:
//   symmetric, and honest only when the control estimate is well away from 0.

const ALPHA = 0.05
/** Below this many users in either arm a result is flagged lowConfidence (PRD, A/B testing constraints). */
export const LOW_CONFIDENCE_USERS = 500
/** Sample ratio mismatch is reported when the chi-square p-value falls below this. */
const SRM_P_THRESHOLD = 0.001

export interface Interval { lower: number; upper: number }

// ---------------------------------------------------------------- distributions

const SQRT_2PI = Math.sqrt(2 * Math.PI)

/**
 * Standard normal CDF, Phi(x). Hart (1968) / West (2005) double-precision rational
 * approximation: absolute error < 1e-14, relative error < 1e-8 in the lower tail
 * (worst, ~3e-9, just inside x = -7.07 where the continued fraction takes over).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return NaN
  const ax = Math.abs(x)
  let tail: number
  if (ax > 37) tail = 0
  else {
    const e = Math.exp(-ax * ax / 2)
    if (ax < 7.07106781186547) {
      let n = 3.52624965998911e-2 * ax + 0.700383064443688
      n = n * ax + 6.37396220353165
      n = n * ax + 33.912866078383
      n = n * ax + 112.079291497871
      n = n * ax + 221.213596169931
      n = n * ax + 220.206867912376
      let d = 8.83883476483184e-2 * ax + 1.75566716318264
      d = d * ax + 16.064177579207
      d = d * ax + 86.7807322029461
      d = d * ax + 296.564248779674
      d = d * ax + 637.333633378831
      d = d * ax + 793.826512519948
      d = d * ax + 440.413735824752
      tail = e * n / d
    } else {
      let d = ax + 0.65
      d = ax + 4 / d
      d = ax + 3 / d
      d = ax + 2 / d
      d = ax + 1 / d
      tail = e / d / SQRT_2PI
    }
  }
  return x > 0 ? 1 - tail : tail
}

const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239]
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1]
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416]

/**
 * Inverse of normalCdf. Acklam's rational approximation (relative error 1.15e-9)
 * refined by one Halley step against normalCdf, which brings it to ~1e-15.
 * Returns -Infinity / Infinity at 0 / 1 and NaN outside [0, 1]: callers here
 * only ever pass probabilities strictly inside (0, 1).
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  // Work in the lower half, where p is exact, and reflect.
  if (p > 0.5) return -normalQuantile(1 - p)
  const [a, b, c, d] = [ACKLAM_A, ACKLAM_B, ACKLAM_C, ACKLAM_D]
  let x: number
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p))
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  } else {
    const q = p - 0.5
    const r = q * q
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  }
  const e = normalCdf(x) - p
  const u = e * SQRT_2PI * Math.exp(x * x / 2)
  return x - u / (1 + x * u / 2)
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7]

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let a = LANCZOS[0]
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

const TINY = 1e-300
const CF_EPS = 1e-15
const CF_MAX_ITER = 100_000

// Continued fraction for I_x(a, b), modified Lentz (Numerical Recipes betacf).
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b, qap = a + 1, qam = a - 1
  let c = 1
  let d = 1 - qab * x / qap
  if (Math.abs(d) < TINY) d = TINY
  d = 1 / d
  let h = d
  for (let m = 1; m <= CF_MAX_ITER; m++) {
    const m2 = 2 * m
    let aa = m * (b - m) * x / ((qam + m2) * (a + m2))
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    h *= d * c
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < CF_EPS) break
  }
  return h
}

/**
 * Regularized incomplete beta I_x(a, b). `complement` may carry 1 - x computed
 * without cancellation (the t CDF knows it as t^2 / (df + t^2)).
 */
function regularizedBeta(x: number, a: number, b: number, complement = 1 - x): number {
  if (x <= 0) return 0
  if (complement <= 0) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(complement))
  if (x < (a + 1) / (a + b + 2)) return front * betaContinuedFraction(x, a, b) / a
  return 1 - front * betaContinuedFraction(complement, b, a) / b
}

/** Student t CDF with df > 0 degrees of freedom (df above 1e7, or Infinity, is the normal). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN
  // Beyond 1e7 df the log-gamma differences below lose more digits than the
  // normal limit is off by (< 1e-8 absolute), so use the limit.
  if (df > 1e7) return normalCdf(t)
  if (t === Infinity) return 1
  if (t === -Infinity) return 0
  const t2 = t * t
  // P(T > |t|) = I_{df/(df+t^2)}(df/2, 1/2) / 2
  const tail = 0.5 * regularizedBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2))
  return t > 0 ? 1 - tail : tail
}

function studentTPdf(t: number, df: number): number {
  return Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - (df + 1) / 2 * Math.log1p(t * t / df))
}

/** Inverse of studentTCdf: safeguarded Newton from a bracket, to ~1e-12. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || !(df > 0)) return NaN
  if (df > 1e7) return normalQuantile(p)
  if (p === 0) return -Infinity
  if (p === 1) return Infinity
  if (p === 0.5) return 0
  if (p > 0.5) return -studentTQuantile(1 - p, df)
  // Lower half: the root is negative and at least as extreme as the normal's.
  let hi = Math.min(normalQuantile(p), -1e-300)
  let lo = hi * 2
  while (studentTCdf(lo, df) > p) { hi = lo; lo *= 2; if (lo < -1e300) return -Infinity }
  let x = (lo + hi) / 2
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(x, df) - p
    if (f > 0) hi = x; else lo = x
    let next = x - f / studentTPdf(x, df)
    if (!(next > lo && next < hi)) next = (lo + hi) / 2
    if (Math.abs(next - x) <= 1e-13 * Math.max(1, Math.abs(x))) return next
    x = next
  }
  return x
}

// Regularized upper incomplete gamma Q(a, x): series below a + 1, Lentz continued fraction above (NR gser/gcf).
function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN
  if (x <= 0) return 1
  if (x === Infinity) return 0
  const logFront = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let ap = a, sum = 1 / a, del = sum
    for (let n = 0; n < CF_MAX_ITER; n++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * CF_EPS) break
    }
    return 1 - sum * Math.exp(logFront)
  }
  let b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d
  for (let i = 1; i <= CF_MAX_ITER; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b; if (Math.abs(d) < TINY) d = TINY
    c = b + an / c; if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < CF_EPS) break
  }
  return Math.exp(logFront) * h
}

/** Chi-square survival P(X > x) with df degrees of freedom; df = 1 goes through the normal for full tail precision. */
export function chiSquareSf(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN
  if (x <= 0) return 1
  if (df === 1) return 2 * normalCdf(-Math.sqrt(x))
  return regularizedGammaQ(df / 2, x / 2)
}

// ---------------------------------------------------------------- helpers

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null)
const interval = (centre: number, halfWidth: number): Interval | null =>
  Number.isFinite(centre) && Number.isFinite(halfWidth) ? { lower: centre - halfWidth, upper: centre + halfWidth } : null
const twoSidedNormalP = (z: number) => Math.min(1, 2 * normalCdf(-Math.abs(z)))
const Z_CRIT = normalQuantile(1 - ALPHA / 2)

interface Lift { relativeLift: number | null; relativeLiftCi: Interval | null }

// Delta method on the ratio v / c of independent estimates; lift = v / c - 1.
function relativeLift(c: number, v: number, varC: number | null, varV: number | null): Lift {
  if (!(c !== 0) || !Number.isFinite(c) || !Number.isFinite(v)) return { relativeLift: null, relativeLiftCi: null }
  const lift = (v - c) / c
  if (varC === null || varV === null) return { relativeLift: lift, relativeLiftCi: null }
  const se = Math.sqrt(varV / (c * c) + v * v * varC / (c * c * c * c))
  return { relativeLift: lift, relativeLiftCi: interval(lift, Z_CRIT * se) }
}

const lowConfidence = (a: number, b: number) => Math.min(a, b) < LOW_CONFIDENCE_USERS
const count = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0)

// ---------------------------------------------------------------- conversion rate

export interface ConversionArm { users: number; conversions: number }
/** What every metric's result reports about variant against control. */
export interface ArmComparison<Arm> {
  control: Arm
  variant: Arm
  /** variant - control, with its 95 % interval (method per metric). */
  absoluteDifference: number | null
  absoluteDifferenceCi: Interval | null
  /** (variant - control) / control, with a delta-method 95 % interval; null when control is 0. */
  relativeLift: number | null
  relativeLiftCi: Interval | null
  pValue: number | null
  isSignificant: boolean
  /** Fewer than LOW_CONFIDENCE_USERS users in an arm. */
  lowConfidence: boolean
}

export interface ConversionArmResult { users: number; conversions: number; rate: number | null; ci: Interval | null }
export interface ConversionResult extends ArmComparison<ConversionArmResult> {
  metric: 'conversion_rate'
  zScore: number | null
  /** How the per-arm intervals are computed. */
  armCiMethod: 'wilson'
}

/** Wilson score interval for a binomial proportion; stays inside [0, 1] and behaves at 0 and n successes. */
function wilsonInterval(successes: number, trials: number, z = Z_CRIT): Interval | null {
  if (!(trials > 0)) return null
  const p = successes / trials
  const z2 = z * z
  const denom = 1 + z2 / trials
  const centre = (p + z2 / (2 * trials)) / denom
  const half = z / denom * Math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
  // At 0 or n successes the bound is exactly 0 or 1; rounding would leave a 1e-19 crumb.
  return { lower: successes <= 0 ? 0 : Math.max(0, centre - half), upper: successes >= trials ? 1 : Math.min(1, centre + half) }
}

/**
 * Conversion rate (converted users / exposed users): two-proportion z-test with
 * the pooled standard error; per-arm Wilson intervals; the difference and the
 * relative lift use unpooled variances p(1-p)/n.
 */
export function conversionRate(control: ConversionArm, variant: ConversionArm): ConversionResult {
  const nc = count(control.users), nv = count(variant.users)
  const xc = Math.min(count(control.conversions), nc), xv = Math.min(count(variant.conversions), nv)
  const arm = (n: number, x: number): ConversionArmResult => ({ users: n, conversions: x, rate: n > 0 ? x / n : null, ci: wilsonInterval(x, n) })
  const base = { metric: 'conversion_rate' as const, control: arm(nc, xc), variant: arm(nv, xv), lowConfidence: lowConfidence(nc, nv), armCiMethod: 'wilson' as const }
  if (nc === 0 || nv === 0) {
    return { ...base, absoluteDifference: null, absoluteDifferenceCi: null, relativeLift: null, relativeLiftCi: null, zScore: null, pValue: null, isSignificant: false }
  }
  const pc = xc / nc, pv = xv / nv
  const diff = pv - pc
  const varC = pc * (1 - pc) / nc, varV = pv * (1 - pv) / nv
  const pooled = (xc + xv) / (nc + nv)
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nv))
  // A pooled rate of 0 or 1 means both arms are identical (all or none converted): no evidence, p = 1.
  const z = sePooled > 0 ? diff / sePooled : 0
  const pValue = twoSidedNormalP(z)
  return {
    ...base,
    absoluteDifference: diff,
    absoluteDifferenceCi: interval(diff, Z_CRIT * Math.sqrt(varC + varV)),
    ...relativeLift(pc, pv, varC, varV),
    zScore: z,
    pValue,
    isSignificant: pValue < ALPHA,
  }
}

// ---------------------------------------------------------------- revenue per visitor

/** Per-arm sums over exposed users: n users, sum of revenue, sum of squared revenue (zero-revenue users included). */
export interface MeanArm { n: number; sum: number; sumSq: number }
export interface MeanArmResult { n: number; mean: number | null; standardDeviation: number | null; ci: Interval | null }
export interface RevenueResult extends ArmComparison<MeanArmResult> {
  metric: 'revenue_per_visitor'
  tStatistic: number | null
  degreesOfFreedom: number | null
}

// Sample variance from sums; clamped at 0 because sumSq - sum^2/n can come out
// a hair negative in floating point when every value is equal.
function sampleVariance(n: number, sum: number, sumSq: number): number | null {
  if (!(n >= 2) || !Number.isFinite(sum) || !Number.isFinite(sumSq)) return null
  return Math.max(0, (sumSq - sum * sum / n) / (n - 1))
}

/**
 * Revenue per visitor: Welch's t-test on per-user revenue, Welch–Satterthwaite
 * degrees of freedom, per-arm t intervals on the mean (df = n - 1).
 * Zero standard error with equal means gives pValue 1; with different means the
 * test is undefined (pValue null, the caller should show the raw means).
 */
export function revenuePerVisitor(control: MeanArm, variant: MeanArm): RevenueResult {
  const nc = count(control.n), nv = count(variant.n)
  const mc = nc > 0 ? control.sum / nc : NaN, mv = nv > 0 ? variant.sum / nv : NaN
  const vc = sampleVariance(nc, control.sum, control.sumSq), vv = sampleVariance(nv, variant.sum, variant.sumSq)
  const arm = (n: number, mean: number, v: number | null): MeanArmResult => ({
    n,
    mean: finite(mean),
    standardDeviation: v === null ? null : Math.sqrt(v),
    ci: v === null ? null : interval(mean, studentTQuantile(1 - ALPHA / 2, n - 1) * Math.sqrt(v / n)),
  })
  const empty = { absoluteDifferenceCi: null, relativeLiftCi: null, tStatistic: null, degreesOfFreedom: null, pValue: null, isSignificant: false }
  const base = {
    metric: 'revenue_per_visitor' as const,
    control: arm(nc, mc, vc),
    variant: arm(nv, mv, vv),
    lowConfidence: lowConfidence(nc, nv),
    absoluteDifference: finite(mv - mc),
  }
  if (vc === null || vv === null) return { ...base, ...empty, relativeLift: relativeLift(mc, mv, null, null).relativeLift }
  const sc = vc / nc, sv = vv / nv
  const se = Math.sqrt(sc + sv)
  const diff = mv - mc
  const lift = relativeLift(mc, mv, sc, sv)
  if (!(se > 0)) return { ...base, ...empty, ...lift, pValue: diff === 0 ? 1 : null }
  const df = (sc + sv) ** 2 / (sc * sc / (nc - 1) + sv * sv / (nv - 1))
  const t = diff / se
  const pValue = Math.min(1, 2 * studentTCdf(-Math.abs(t), df))
  return {
    ...base,
    absoluteDifferenceCi: interval(diff, studentTQuantile(1 - ALPHA / 2, df) * se),
    ...lift,
    tStatistic: t,
    degreesOfFreedom: df,
    pValue,
    isSignificant: pValue < ALPHA,
  }
}

// ---------------------------------------------------------------- click-through rate

/**
 * Per-arm sums over exposed users: users, total clicks X, total impressions Y,
 * and the user-level sums of x^2, y^2 and x*y.
 */
export interface RatioArm { users: number; clicks: number; impressions: number; sumClicksSq: number; sumImpressionsSq: number; sumClicksImpressions: number }
export interface RatioArmResult { users: number; clicks: number; impressions: number; rate: number | null; standardError: number | null; ci: Interval | null }
export interface CtrResult extends ArmComparison<RatioArmResult> {
  metric: 'ctr'
  zScore: number | null
}

// Delta-method variance of R = sum x / sum y over n i.i.d. users:
// Var(R) ~ (s_x^2 - 2 R s_xy + R^2 s_y^2) / (n mu_y^2), sample (n - 1) moments.
function ratioVariance(a: RatioArm, n: number, r: number): number | null {
  if (!(n >= 2) || !(a.impressions > 0)) return null
  const mx = a.clicks / n, my = a.impressions / n
  const sxx = (a.sumClicksSq - n * mx * mx) / (n - 1)
  const syy = (a.sumImpressionsSq - n * my * my) / (n - 1)
  const sxy = (a.sumClicksImpressions - n * mx * my) / (n - 1)
  const v = Math.max(0, (sxx - 2 * r * sxy + r * r * syy) / (n * my * my))
  return Number.isFinite(v) ? v : null
}

/**
 * Click-through rate as a ratio metric (total clicks / total impressions per
 * arm) with users as the unit: the delta method accounts for clicks and
 * impressions of one user being correlated. Unpooled z-test; Wald intervals.
 */
export function clickThroughRate(control: RatioArm, variant: RatioArm): CtrResult {
  const arm = (a: RatioArm) => {
    const n = count(a.users)
    const rate = n > 0 && a.impressions > 0 ? a.clicks / a.impressions : null
    const variance = rate === null ? null : ratioVariance(a, n, rate)
    const se = variance === null ? null : Math.sqrt(variance)
    const result: RatioArmResult = { users: n, clicks: a.clicks, impressions: a.impressions, rate, standardError: se, ci: rate === null || se === null ? null : interval(rate, Z_CRIT * se) }
    return { result, rate, variance }
  }
  const c = arm(control), v = arm(variant)
  const base = { metric: 'ctr' as const, control: c.result, variant: v.result, lowConfidence: lowConfidence(c.result.users, v.result.users) }
  if (c.rate === null || v.rate === null) {
    return { ...base, absoluteDifference: null, absoluteDifferenceCi: null, relativeLift: null, relativeLiftCi: null, zScore: null, pValue: null, isSignificant: false }
  }
  const diff = v.rate - c.rate
  const lift = relativeLift(c.rate, v.rate, c.variance, v.variance)
  if (c.variance === null || v.variance === null) {
    return { ...base, absoluteDifference: diff, absoluteDifferenceCi: null, ...lift, zScore: null, pValue: null, isSignificant: false }
  }
  const se = Math.sqrt(c.variance + v.variance)
  if (!(se > 0)) return { ...base, absoluteDifference: diff, absoluteDifferenceCi: null, ...lift, zScore: null, pValue: diff === 0 ? 1 : null, isSignificant: false }
  const z = diff / se
  const pValue = twoSidedNormalP(z)
  return { ...base, absoluteDifference: diff, absoluteDifferenceCi: interval(diff, Z_CRIT * se), ...lift, zScore: z, pValue, isSignificant: pValue < ALPHA }
}

// ---------------------------------------------------------------- sample ratio mismatch

export interface SrmResult { chiSquare: number | null; pValue: number | null; detected: boolean; expectedVariantShare: number; observedVariantShare: number | null }

/**
 * Sample ratio mismatch: chi-square goodness of fit (df 1) of the observed user
 * counts against the configured split. detected when p < 0.001. An empty
 * experiment or a share outside (0, 1) gives nulls and detected false.
 */
export function sampleRatioMismatch(observed: { control: number; variant: number }, expectedVariantShare: number): SrmResult {
  const c = count(observed.control), v = count(observed.variant)
  const total = c + v
  const observedVariantShare = total > 0 ? v / total : null
  if (!(total > 0) || !(expectedVariantShare > 0 && expectedVariantShare < 1)) {
    return { chiSquare: null, pValue: null, detected: false, expectedVariantShare, observedVariantShare }
  }
  const ev = total * expectedVariantShare, ec = total - ev
  const chiSquare = (v - ev) ** 2 / ev + (c - ec) ** 2 / ec
  const pValue = chiSquareSf(chiSquare, 1)
  return { chiSquare, pValue, detected: pValue < SRM_P_THRESHOLD, expectedVariantShare, observedVariantShare }
}

/**
 * Sample ratio mismatch over k arms: chi-square goodness of fit (df k − 1) of
 * the observed user counts against the weights (percent). detected when p < 0.001.
 */
export function sampleRatioMismatchArms(observed: number[], weights: number[]): { pValue: number | null; detected: boolean } {
  const total = observed.reduce((s, n) => s + count(n), 0)
  const sumW = weights.reduce((s, w) => s + w, 0)
  if (!(total > 0) || weights.some((w) => !(w > 0))) return { pValue: null, detected: false }
  const chiSquare = observed.reduce((s, n, i) => { const e = total * weights[i]! / sumW; return s + (count(n) - e) ** 2 / e }, 0)
  const pValue = chiSquareSf(chiSquare, observed.length - 1)
  return { pValue, detected: pValue < SRM_P_THRESHOLD }
}

// ---------------------------------------------------------------- multiple comparisons

/**
 * Holm's step-down adjustment: the i-th smallest of m p-values becomes
 * max over j ≤ i of min(1, (m − j + 1) p_(j)). Controls the family-wise error
 * at α for any dependence; nulls stay null and do not count towards m.
 */
export function holm(pValues: (number | null)[]): (number | null)[] {
  const order = pValues.map((p, i) => ({ p, i })).filter((x): x is { p: number; i: number } => x.p !== null).sort((a, b) => a.p - b.p)
  const m = order.length
  const out: (number | null)[] = pValues.map(() => null)
  let running = 0
  order.forEach(({ p, i }, j) => { running = Math.max(running, Math.min(1, (m - j) * p)); out[i] = running })
  return out
}

// ---------------------------------------------------------------- planning

export type SampleSizeBaseline = { rate: number } | { mean: number; standardDeviation: number }
export interface SampleSizeOptions { relativeMde?: number; alpha?: number; power?: number }

/**
 * Users needed per arm (equal split) for a two-sided test to detect a relative
 * change of relativeMde with the given power. Proportions: the pooled-null /
 * unpooled-alternative normal formula (Fleiss, no continuity correction),
 *   n = (z_a sqrt(2 pbar(1-pbar)) + z_b sqrt(p1(1-p1) + p2(1-p2)))^2 / (p2 - p1)^2.
 * Means: n = 2 (z_a + z_b)^2 sd^2 / (relativeMde * mean)^2 (sd assumed equal in both arms).
 * Rounded up; null when the inputs cannot describe a detectable change.
 */
export function minimumSampleSize(baseline: SampleSizeBaseline, options: SampleSizeOptions = {}): number | null {
  const { relativeMde = 0.05, alpha = ALPHA, power = 0.8 } = options
  if (!(relativeMde !== 0 && Number.isFinite(relativeMde)) || !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) return null
  const za = normalQuantile(1 - alpha / 2), zb = normalQuantile(power)
  let n: number
  if ('rate' in baseline) {
    const p1 = baseline.rate, p2 = p1 * (1 + relativeMde)
    if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1)) return null
    const pbar = (p1 + p2) / 2
    n = (za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
  } else {
    const { mean, standardDeviation: sd } = baseline
    if (!(mean !== 0 && Number.isFinite(mean)) || !(sd > 0 && Number.isFinite(sd))) return null
    n = 2 * (za + zb) ** 2 * sd * sd / (relativeMde * mean) ** 2
  }
  return Number.isFinite(n) ? Math.ceil(n - 1e-9) : null
}
