// An experiment's results (F-011), computed from per-user rows (pure): the
// unit of analysis is the exposed user; each user's events after exposure
// count to the arm they were assigned.
import type { ExposedUserRow } from '../../../db/queries/experiments.ts'
import type { ExperimentArmSpec } from './assignment.ts'
import { decideArms, type Analysis, type DecisionInput, type GuardrailReading } from './decision.ts'
import { adjustedArm, covariateMean, cupedTheta, cupedUnits, type CupedUnit } from './cuped.ts'
import { armEstimates, DEFAULT_EXPECTED_USERS_PER_ARM, mixturePrecision, mixtureTest, relativeLiftEstimate, sequentialLift } from './sequential.ts'
import {
  clickThroughRate, conversionRate, holm, normalCdf, LOW_CONFIDENCE_USERS, minimumSampleSize, revenuePerVisitor, sampleRatioMismatch, sampleRatioMismatchArms,
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
  /** Every arm, control first (armsOf); absent: the two-arm form's control and variant. */
  arms?: ExperimentArmSpec[]
  /** Metrics watched for harm. */
  guardrails?: string[]
  /** CUPED on (the rows carry the pre-exposure covariate). */
  cuped?: boolean
}

/** CUPED is used for the decision once this share of exposed users has pre-exposure events. */
export const CUPED_MIN_COVERAGE = 0.1
/** The covariate's period before exposure. */
export const CUPED_PRE_DAYS = 14
const Z_95 = 1.959963984540054

/**
 * The CUPED reading of one arm against control: the adjusted relative lift,
 * its p-value and interval by the experiment's analysis (the same confidence
 * sequence for sequential, a normal interval for fixed), and the share of
 * the difference's variance removed.
 */
function cupedArm(control: CupedUnit[], arm: CupedUnit[], theta: number, xMean: number, sequential: boolean, expected: number, covariateUsers: number, arms: number) {
  const c = adjustedArm(control, theta, xMean), t = adjustedArm(arm, theta, xMean)
  const rc = adjustedArm(control, 0, xMean), rt = adjustedArm(arm, 0, xMean)
  const est = relativeLiftEstimate(c, t)
  const raw = (rc.variance ?? 0) + (rt.variance ?? 0), adj = (c.variance ?? 0) + (t.variance ?? 0)
  const varianceReduction = raw > 0 ? Math.min(1, Math.max(0, 1 - adj / raw)) : 0
  if (!est || !(est.variance > 0)) return { varianceReduction, adjustedLift: est?.lift ?? null, adjustedInterval: null, covariateUsers, pValue: null, theta, familyInterval: null }
  let pValue: number | null, interval: [number, number] | null, familyInterval: [number, number] | null = null
  if (sequential) {
    const n = 2 / (1 / c.users + 1 / t.users), tau2 = mixturePrecision(expected) * est.variance * n
    ;({ pValue, interval } = mixtureTest(est.lift, est.variance, tau2))
    // With m other arms, "no difference" must hold for all at once: the sequence at α/m, as for the unadjusted reading.
    familyInterval = arms > 1 ? mixtureTest(est.lift, est.variance, tau2, 0.05 / arms).interval : interval
  } else {
    const se = Math.sqrt(est.variance)
    pValue = 2 * (1 - normalCdf(Math.abs(est.lift) / se))
    interval = [est.lift - Z_95 * se, est.lift + Z_95 * se]
  }
  return { varianceReduction, adjustedLift: est.lift, adjustedInterval: interval, covariateUsers, pValue, theta, familyInterval: familyInterval ?? interval }
}

const ALPHA = 0.05

/**
 * A guardrail: the arm's lift on `metric` against control, watched for harm
 * only. One-sided at α: the two-sided confidence sequence at 2α read on the
 * harm side (the normal mixture is symmetric, so each side carries about half
 * of the 2α; conservative where a path crosses both). Always sequential, so it
 * may be read at every look whatever the primary analysis.
 */
function guardrail(metric: Metric, c: ArmTotals, v: ArmTotals, expectedUsersPerArm: number) {
  const { r } = compare(metric, c, v)
  const est = armEstimates(r)
  const seq = sequentialLift(est.control, est.variant, expectedUsersPerArm, 2 * ALPHA)
  const lift = r.relativeLift
  const pValue = seq.pValue === null || lift === null ? null : lift < 0 ? seq.pValue / 2 : 1 - seq.pValue / 2
  return { lift, pValue, interval: seq.liftInterval, harm: pValue !== null && pValue < ALPHA }
}

export function experimentResults(e: ResultsInput, rows: ExposedUserRow[], now: Date) {
  const specs: ExperimentArmSpec[] = e.arms ?? [
    { key: 'control', strategy: e.control ?? 'control', weight: 100 - e.trafficSplit },
    { key: 'variant', strategy: e.variant ?? 'variant', weight: e.trafficSplit },
  ]
  const [controlSpec, firstSpec] = [specs[0]!, specs[1]!]
  const byArm = new Map<string, ExposedUserRow[]>(specs.map((a) => [a.key, []]))
  for (const r of rows) byArm.get(r.arm)?.push(r)
  const armTotals = specs.map((a) => totals(byArm.get(a.key)!))
  const c = armTotals[0]!, v = armTotals[1]!
  // The top-level fields compare the control with the first other arm (the two-arm form's variant); `arms` has them all.
  const { r, controlMetric, variantMetric, ci } = compare(e.metric, c, v)
  const srm = specs.length === 2
    ? sampleRatioMismatch({ control: c.conversion.users, variant: v.conversion.users }, firstSpec.weight / 100)
    : sampleRatioMismatchArms(armTotals.map((t) => t.conversion.users), specs.map((a) => a.weight))
  // Cumulative by exposure day: how the estimate moved (and why an early peek misleads).
  const days = [...new Set(rows.map((x) => x.day))].sort()
  const analysis = e.analysis ?? 'fixed'
  const planned = e.plannedSampleSize ?? null
  const expected = planned ?? DEFAULT_EXPECTED_USERS_PER_ARM
  const daily = days.map((day) => {
    const upTo = rows.filter((x) => x.day <= day)
    const inArm = (key: string) => upTo.filter((x) => x.arm === key)
    const cDay = totals(inArm(controlSpec.key))
    const d = compare(e.metric, cDay, totals(inArm(firstSpec.key)))
    // Each arm's lift and confidence sequence as it stood that day: the chart of the sequence over time.
    const armsDay = specs.slice(1).map((spec) => {
      const cmp = compare(e.metric, cDay, totals(inArm(spec.key)))
      const est = armEstimates(cmp.r)
      const seq = analysis === 'sequential' ? sequentialLift(est.control, est.variant, expected) : null
      return { key: spec.key, lift: cmp.r.relativeLift, liftInterval: seq ? seq.liftInterval : pair(cmp.r.relativeLiftCi) }
    })
    return { date: day, control: { users: inArm(controlSpec.key).length, metric: d.controlMetric },
      variant: { users: inArm(firstSpec.key).length, metric: d.variantMetric }, pValue: d.r.pValue, arms: armsDay }
  })
  const end = e.completedAt ?? now
  const minimum = requiredPerArm(e.metric, c)
  // A fixed experiment without a planned size (stored before there was one) runs to the minimum sample size.
  const horizon = planned ?? minimum
  const m = specs.length - 1
  // Each other arm against control: the fixed-horizon test, the confidence sequence, and (m > 1) the
  // sequence at α/m for the futility check, so "no difference" holds for every arm at once.
  const treatments = specs.slice(1).map((spec, i) => {
    const t = armTotals[i + 1]!
    const cmp = compare(e.metric, c, t)
    const est = armEstimates(cmp.r)
    const sequential = analysis === 'sequential' ? sequentialLift(est.control, est.variant, expected) : null
    const familyInterval = sequential && m > 1 ? sequentialLift(est.control, est.variant, expected, ALPHA / m).liftInterval : sequential?.liftInterval
    return { spec, t, cmp, sequential, familyInterval }
  })
  // CUPED: θ pooled over every arm; used for the decision once enough users have a covariate.
  const allRows = specs.map((a) => byArm.get(a.key)!)
  const covariateUsersOf = (rs: ExposedUserRow[][]) => rs.reduce((s, r) => s + r.filter((u) => u.hasPre).length, 0)
  const units = e.cuped ? cupedUnits(e.metric, allRows) : null
  const theta = units ? cupedTheta(units) : null
  const xMean = units ? covariateMean(units) : 0
  const coverage = rows.length ? covariateUsersOf(allRows) / rows.length : 0
  const cupeds = treatments.map((_, i) => (units && theta !== null
    ? cupedArm(units[0]!, units[i + 1]!, theta, xMean, analysis === 'sequential', expected, covariateUsersOf([allRows[0]!, allRows[i + 1]!]), m)
    : null))
  const useCuped = theta !== null && coverage >= CUPED_MIN_COVERAGE
  const cupedOf = (i: number) => (useCuped ? cupeds[i] ?? null : null)
  const adjusted = holm(treatments.map((x, i) => (cupedOf(i) ? cupedOf(i)!.pValue : x.sequential ? x.sequential.pValue : x.cmp.r.pValue)))
  const usersPerArm = Math.min(...armTotals.map((t) => t.conversion.users))
  const guardrails = (e.guardrails ?? []).flatMap((g) => treatments.map(({ spec, t }) => ({ metric: g, arm: spec.key, strategy: spec.strategy, ...guardrail(g as Metric, c, t, expected) })))
  const perArm: DecisionInput[] = treatments.map((x, i) => ({
    analysis, metric: e.metric, control: controlSpec.strategy, variant: x.spec.strategy, lift: cupedOf(i)?.adjustedLift ?? x.cmp.r.relativeLift,
    pValue: adjusted[i] ?? null, liftInterval: cupedOf(i) ? cupedOf(i)!.familyInterval : x.sequential ? x.familyInterval ?? null : pair(x.cmp.r.relativeLiftCi),
    peeking: analysis === 'fixed' && (horizon === null || usersPerArm < horizon), usersPerArm, plannedSampleSize: horizon, srmDetected: srm.detected,
    controlKey: controlSpec.key, variantKey: x.spec.key,
  }))
  const peeking = perArm[0]!.peeking
  const decision = decideArms(perArm, guardrails as GuardrailReading[])
  const sequential = treatments[0]!.sequential
  const liftCI = pair(r.relativeLiftCi)
  const arms = [
    { key: controlSpec.key, strategy: controlSpec.strategy, sampleSize: c.conversion.users, metric: controlMetric, lift: null, pValue: null, adjustedPValue: null, interval: null, sequential: null, cuped: null },
    ...treatments.map((x, i) => ({
      key: x.spec.key, strategy: x.spec.strategy, sampleSize: x.t.conversion.users, metric: x.cmp.variantMetric,
      lift: x.cmp.r.relativeLift, pValue: x.cmp.r.pValue, adjustedPValue: adjusted[i] ?? null, interval: pair(x.cmp.r.relativeLiftCi), sequential: x.sequential, cuped: cupeds[i] ? (({ familyInterval: _f, ...c }) => ({ ...c, usedForDecision: useCuped }))(cupeds[i]!) : null,
    })),
  ]
  return {
    metric: e.metric,
    controlMetric, variantMetric,
    lift: r.relativeLift, liftCI,
    pValue: r.pValue,
    isSignificant: sequential ? sequential.pValue !== null && sequential.pValue < sequential.tuning.alpha : r.isSignificant,
    analysis, peeking, sequential, decision, arms,
    cuped: arms[1]!.cuped,
    guardrails: guardrails.map(({ strategy: _s, ...g }) => g),
    sampleSize: { control: c.conversion.users, variant: v.conversion.users },
    duration: e.startedAt ? Math.max(0, Math.round((end.getTime() - e.startedAt.getTime()) / 1000)) : 0,
    confidenceIntervals: { control: pair(ci[0]), variant: pair(ci[1]) },
    lowConfidence: armTotals.some((t) => t.conversion.users < LOW_CONFIDENCE_USERS),
    minimumSampleSize: minimum,
    srm: { pValue: srm.pValue, detected: srm.detected },
    daily,
    details: r,
  }
}
export type ExperimentResults = ReturnType<typeof experimentResults>
