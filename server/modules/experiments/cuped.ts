// CUPED (Deng, Xu, Kohavi & Walker 2013): variance reduction with a pre-exposure
// covariate. Pure. For each exposed user, Y is the experiment's metric after
// exposure and X the same metric over the 14 days before it (0 without events);
// Y − θ (X − mean X) keeps each arm's expected mean (X is independent of the
// arm, being measured before assignment mattered) and, with θ = cov(Y, X) / var(X)
// over every user pooled across arms, has variance (1 − ρ²) var(Y).
//
// CTR is a ratio of sums, so its per-user value is the delta method's
// linearisation (Deng et al. 2018, "Applying the delta method in metric
// analytics"): R + (clicks − R · impressions) / mean impressions, whose arm mean
// is the arm's CTR and whose variance / n is the delta-method variance
// statistics.ts uses; the covariate is linearised the same way with the pooled
// pre-exposure CTR.
import type { ArmEstimate } from './sequential.ts'

/** One exposed user: the metric after exposure (y) and over the 14 days before (x). */
export interface CupedUnit { y: number; x: number }

/** θ = cov(Y, X) / var(X) over every user of every arm; null when X does not vary. */
export function cupedTheta(arms: readonly CupedUnit[][]): number | null {
  let n = 0, sx = 0, sy = 0
  for (const a of arms) for (const u of a) { n++; sx += u.x; sy += u.y }
  if (n < 2) return null
  const mx = sx / n, my = sy / n
  let cov = 0, varX = 0
  for (const a of arms) for (const u of a) { cov += (u.y - my) * (u.x - mx); varX += (u.x - mx) ** 2 }
  return varX > 0 ? cov / varX : null
}

/** The pooled mean of X (the centre of the adjustment). */
export function covariateMean(arms: readonly CupedUnit[][]): number {
  let n = 0, s = 0
  for (const a of arms) for (const u of a) { n++; s += u.x }
  return n ? s / n : 0
}

/** An arm's mean of Y − θ (X − x̄) and the variance of that mean (unbiased per-user variance / n). */
export function adjustedArm(units: readonly CupedUnit[], theta: number, xMean: number): ArmEstimate {
  const n = units.length
  if (n < 2) return { value: n ? units[0]!.y - theta * (units[0]!.x - xMean) : null, variance: null, users: n }
  let s = 0
  for (const u of units) s += u.y - theta * (u.x - xMean)
  const mean = s / n
  let ss = 0
  for (const u of units) ss += (u.y - theta * (u.x - xMean) - mean) ** 2
  return { value: mean, variance: ss / (n - 1) / n, users: n }
}

/** Per-user values for the metric (see the header for CTR's linearisation). */
export interface UserMetricRow { impressions: number; clicks: number; conversions: number; revenue: number; preImpressions?: number; preClicks?: number; preConversions?: number; preRevenue?: number }

export function cupedUnits(metric: 'ctr' | 'conversion_rate' | 'revenue_per_visitor', arms: readonly UserMetricRow[][]): CupedUnit[][] {
  if (metric === 'conversion_rate') return arms.map((rows) => rows.map((r) => ({ y: r.conversions > 0 ? 1 : 0, x: (r.preConversions ?? 0) > 0 ? 1 : 0 })))
  if (metric === 'revenue_per_visitor') return arms.map((rows) => rows.map((r) => ({ y: r.revenue, x: r.preRevenue ?? 0 })))
  let preClicks = 0, preImpr = 0, users = 0
  for (const rows of arms) for (const r of rows) { preClicks += r.preClicks ?? 0; preImpr += r.preImpressions ?? 0; users++ }
  const r0 = preImpr > 0 ? preClicks / preImpr : 0, i0 = users ? preImpr / users : 0
  return arms.map((rows) => {
    let clicks = 0, impr = 0
    for (const r of rows) { clicks += r.clicks; impr += r.impressions }
    const rate = impr > 0 ? clicks / impr : 0, meanImpr = rows.length ? impr / rows.length : 0
    return rows.map((r) => ({
      y: meanImpr > 0 ? rate + (r.clicks - rate * r.impressions) / meanImpr : 0,
      x: i0 > 0 ? ((r.preClicks ?? 0) - r0 * (r.preImpressions ?? 0)) / i0 : 0,
    }))
  })
}
