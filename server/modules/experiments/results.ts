// An experiment's results (F-011), computed from per-user rows (pure): the
// unit of analysis is the exposed user; each user's events after exposure
// count to the arm they were assigned.
import type { ExposedUserRow } from '../../../db/queries/experiments.ts'
import { decide, type Analysis } from './decision.ts'
import { armEstimates, DEFAULT_EXPECTED_USERS_PER_ARM, sequentialLift } from './sequential.ts'
import {
  clickThroughRate, conversionRate, LOW_CONFIDENCE_USERS, minimumSampleSize, revenuePerVisitor, sampleRatioMismatch,
  type ConversionArm, type Interval, type MeanArm, type RatioArm,
} from './statistics.ts'

export type Metric = 'ctr' | 'conversion_rate' | 'revenue_per_visitor'

interface ArmTotals { ratio: RatioArm; conversion: ConversionArm; revenue: MeanArm }

function totals(rows: ExposedUserRow[]): ArmTotals {
  const ratio: RatioArm = { users: 0, clicks: 0, impressions: 0, sumClicksSq: 0, sumImpressionsSq: 0, sumClicksImpressions: 0 }
  const conversion: ConversionArm = { users: 0, conversions: 0 }
  const revenue: MeanArm = { n: 0, sum: 0, sumSq: 0 }
  for (const r of rows) {
    ratio.users++; ratio.clicks += r.clicks; ratio.impressions += r.impressions
    ratio.sumClicksSq += r.clicks ** 2; ratio.sumImpressionsSq += r.impressions ** 2; ratio.sumClicksImpressions += r.clicks * r.impressions
    conversion.users++; if (r.conversions > 0) conversion.conversions++
    revenue.n++; revenue.sum += r.revenue; revenue.sumSq += r.revenue ** 2
  }
  return { ratio, conversion, revenue }
}

const pair = (i: Interval | null): [number, number] | null => (i ? [i.lower, i.upper] : null)

/** The comparison for the experiment's metric, in one shape whatever the metric. */
function compare(metric: Metric, c: ArmTotals, v: ArmTotals) {
  if (metric === 'ctr') {
    const r = clickThroughRate(c.ratio, v.ratio)
    return { r, controlMetric: r.control.rate, variantMetric: r.variant.rate, ci: [r.control.ci, r.variant.ci] as const }
  }
  if (metric === 'conversion_rate') {
    const r = conversionRate(c.conversion, v.conversion)
    return { r, controlMetric: r.control.rate, variantMetric: r.variant.rate, ci: [r.control.ci, r.variant.ci] as const }
  }
  const r = revenuePerVisitor(c.revenue, v.revenue)
  return { r, controlMetric: r.control.mean, variantMetric: r.variant.mean, ci: [r.control.ci, r.variant.ci] as const }
}

/** Per-arm baseline for the sample-size estimate: the control arm's observed rate or mean. */
function requiredPerArm(metric: Metric, c: ArmTotals): number | null {
  if (metric === 'revenue_per_visitor') {
    if (c.revenue.n < 2) return null
    const mean = c.revenue.sum / c.revenue.n
    const sd = Math.sqrt(Math.max(0, (c.revenue.sumSq - c.revenue.sum ** 2 / c.revenue.n) / (c.revenue.n - 1)))
    return minimumSampleSize({ mean, standardDeviation: sd })
  }
  const rate = metric === 'ctr'
    ? (c.ratio.impressions > 0 ? c.ratio.clicks / c.ratio.impressions : 0)
    : (c.conversion.users > 0 ? c.conversion.conversions / c.conversion.users : 0)
  return minimumSampleSize({ rate })
}

export interface ResultsInput {
  metric: Metric
  trafficSplit: number
  startedAt: Date | null
  completedAt: Date | null
  /** Stored experiments from before sequential analysis are fixed (as they were read then). */
  analysis?: Analysis
  plannedSampleSize?: number | null
  /** Strategy names, for the decision's sentence. */
  control?: string
  variant?: string
}

export function experimentResults(e: ResultsInput, rows: ExposedUserRow[], now: Date) {
  const arm = (a: 'control' | 'variant') => rows.filter((r) => r.arm === a)
  const c = totals(arm('control')), v = totals(arm('variant'))
  const { r, controlMetric, variantMetric, ci } = compare(e.metric, c, v)
  const srm = sampleRatioMismatch({ control: c.conversion.users, variant: v.conversion.users }, e.trafficSplit / 100)
  // Cumulative by exposure day: how the estimate moved (and why an early peek misleads).
  const days = [...new Set(rows.map((x) => x.day))].sort()
  const daily = days.map((day) => {
    const upTo = rows.filter((x) => x.day <= day)
    const d = compare(e.metric, totals(upTo.filter((x) => x.arm === 'control')), totals(upTo.filter((x) => x.arm === 'variant')))
    return { date: day, control: { users: upTo.filter((x) => x.arm === 'control').length, metric: d.controlMetric },
      variant: { users: upTo.filter((x) => x.arm === 'variant').length, metric: d.variantMetric }, pValue: d.r.pValue }
  })
  const end = e.completedAt ?? now
  const analysis = e.analysis ?? 'fixed'
  const planned = e.plannedSampleSize ?? null
  const usersPerArm = Math.min(c.conversion.users, v.conversion.users)
  const minimum = requiredPerArm(e.metric, c)
  // A fixed experiment without a planned size (stored before there was one) runs to the minimum sample size.
  const horizon = planned ?? minimum
  const peeking = analysis === 'fixed' && (horizon === null || usersPerArm < horizon)
  const arms = armEstimates(r)
  const sequential = analysis === 'sequential' ? sequentialLift(arms.control, arms.variant, planned ?? DEFAULT_EXPECTED_USERS_PER_ARM) : null
  const liftCI = pair(r.relativeLiftCi)
  const decision = decide({
    analysis, metric: e.metric, control: e.control ?? 'control', variant: e.variant ?? 'variant', lift: r.relativeLift,
    pValue: sequential ? sequential.pValue : r.pValue, liftInterval: sequential ? sequential.liftInterval : liftCI,
    peeking, usersPerArm, plannedSampleSize: horizon, srmDetected: srm.detected,
  })
  return {
    metric: e.metric,
    controlMetric, variantMetric,
    lift: r.relativeLift, liftCI,
    pValue: r.pValue,
    isSignificant: sequential ? sequential.pValue !== null && sequential.pValue < sequential.tuning.alpha : r.isSignificant,
    analysis, peeking, sequential, decision,
    sampleSize: { control: c.conversion.users, variant: v.conversion.users },
    duration: e.startedAt ? Math.max(0, Math.round((end.getTime() - e.startedAt.getTime()) / 1000)) : 0,
    confidenceIntervals: { control: pair(ci[0]), variant: pair(ci[1]) },
    lowConfidence: c.conversion.users < LOW_CONFIDENCE_USERS || v.conversion.users < LOW_CONFIDENCE_USERS,
    minimumSampleSize: minimum,
    srm: { pValue: srm.pValue, detected: srm.detected },
    daily,
    details: r,
  }
}
export type ExperimentResults = ReturnType<typeof experimentResults>
