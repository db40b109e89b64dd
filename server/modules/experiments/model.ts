import { t } from 'elysia'
import { DateTime, PaginationQuery, QueryEnum, Strategy, Strict, T, Uuid } from '../../http/schemas.ts'

const Metric = T.Union([T.Literal('ctr'), T.Literal('conversion_rate'), T.Literal('revenue_per_visitor')])
const Name = T.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
const Placement = T.Union([T.String({ minLength: 1, maxLength: 100 }), T.Null()], { description: 'null: every placement' })
const Split = T.Integer({ minimum: 1, maximum: 99, description: 'percent of users in the variant' })

const Analysis = T.Union([T.Literal('sequential'), T.Literal('fixed')], {
  description: 'sequential (default): valid at every look; fixed: one reading at plannedSampleSize users per arm',
})
const PlannedSampleSize = T.Integer({ minimum: 100, maximum: 100_000_000, description: 'users per arm: required for fixed (its horizon); tunes sequential (default 35,000)' })

const ArmKey = T.String({ pattern: '^[A-Za-z0-9_-]{1,40}$', description: "the arm's key (meta.experiment.variant): letters, digits, _ and -, up to 40" })
const VariantArm = Strict({ key: ArmKey, strategy: Strategy, weight: T.Integer({ minimum: 1, maximum: 99, description: 'percent of users in this arm' }) })
const Variants = T.Array(VariantArm, {
  minItems: 2, maxItems: 5,
  description: 'More than two arms (2–5): the first is the control; weights sum to 100; arm i owns buckets [Σ_{j<i} weight × 100, Σ_{j≤i} weight × 100). Instead of control/variant/trafficSplit.',
})
const Guardrail = T.Union([T.Literal('conversion_rate'), T.Literal('revenue_per_visitor')])
const Guardrails = T.Array(Guardrail, { maxItems: 2, uniqueItems: true, description: 'metrics watched for harm (one-sided sequential test); a significant harm makes the decision guardrail_harm' })
const Cuped = T.Boolean({ description: 'CUPED variance reduction with the metric over the 14 days before exposure (default true)' })

const Maybe = T.Union([T.Number(), T.Null()])
const Range = T.Union([T.Tuple([T.Number(), T.Number()]), T.Null()], { description: '95 % interval [lower, upper]; null while there is too little data' })
const ArmDay = T.Object({ users: T.Integer(), metric: Maybe })

const SequentialLift = T.Object({
    pValue: T.Union([T.Number(), T.Null()], { description: 'always-valid p-value: may be read at every look' }),
    liftInterval: T.Union([T.Tuple([T.Number(), T.Number()]), T.Null()], { description: '95 % confidence sequence for the relative lift, valid at every look at once' }),
    method: T.String(),
    tuning: T.Object({
      alpha: T.Number(),
      expectedUsersPerArm: T.Integer({ description: 'n*: users per arm at which the interval is tightest' }),
      rho2: T.Number({ description: '(-2 ln alpha + ln(1 - 2 ln alpha)) / n*' }),
      mixtureVariance: T.Union([T.Number(), T.Null()], { description: 'tau², the normal mixture variance on the lift scale' }),
    }),
  })
const CupedResult = T.Object({
  varianceReduction: T.Number({ description: '0–1: 1 − var(adjusted) / var(unadjusted)' }),
  adjustedLift: Maybe, adjustedInterval: T.Union([T.Tuple([T.Number(), T.Number()]), T.Null()]),
  covariateUsers: T.Integer({ description: 'exposed users (control and this arm) with events in the 14 days before exposure' }),
  pValue: T.Union([T.Number(), T.Null()], { description: "the adjusted lift's p-value by the experiment's analysis (always-valid for sequential)" }),
  theta: T.Number({ description: 'θ = cov(Y, X) / var(X), pooled across arms' }),
  usedForDecision: T.Boolean({ description: 'at least 10 % of exposed users have pre-exposure events, so the decision reads the adjusted figures' }),
}, { description: 'CUPED: the metric adjusted with the same metric over the 14 days before exposure; null when off or the covariate does not vary' })

/** What GET /experiments/:id/results answers (server/modules/experiments/results.ts). */
const Results = T.Object({
  metric: Metric,
  controlMetric: T.Union([T.Number(), T.Null()], { description: "the control arm's CTR, conversion rate or revenue per visitor" }),
  variantMetric: Maybe,
  lift: T.Union([T.Number(), T.Null()], { description: 'relative lift of the variant over the control (0.1 = +10 %)' }),
  liftCI: Range,
  pValue: T.Union([T.Number(), T.Null()], { description: 'fixed-horizon p-value (valid for one look at a planned size)' }),
  isSignificant: T.Boolean({ description: "by the experiment's analysis: the sequential p-value, or the fixed-horizon one" }),
  sampleSize: T.Object({ control: T.Integer(), variant: T.Integer() }, { description: 'exposed users per arm' }),
  duration: T.Integer({ description: 'seconds since it started (until it completed)' }),
  confidenceIntervals: T.Object({ control: Range, variant: Range }),
  lowConfidence: T.Boolean({ description: 'fewer than 500 exposed users in an arm' }),
  minimumSampleSize: T.Union([T.Integer(), T.Null()], { description: 'users per arm needed to detect a 5 % relative lift (alpha 0.05, power 0.8)' }),
  srm: T.Object({ pValue: Maybe, detected: T.Boolean() }, { description: 'sample ratio mismatch: the arms do not match the configured split' }),
  daily: T.Optional(T.Array(T.Object({
    date: T.String({ format: 'date' }), control: ArmDay, variant: ArmDay, pValue: Maybe,
    arms: T.Array(T.Object({ key: T.String(), lift: Maybe, liftInterval: Range }), {
      description: "each other arm's lift against the control that day, with its 95 % confidence sequence (sequential) or fixed-horizon interval (fixed)",
    }),
  }), { description: 'cumulative by exposure day (absent once archived)' })),
  details: T.Optional(T.Record(T.String(), T.Unknown(), { description: "the metric's full comparison: per-arm counts, intervals, test statistic (absent once archived)" })),
  analysis: Analysis,
  peeking: T.Boolean({ description: 'fixed analysis before plannedSampleSize users per arm: its p-value is not yet a valid reading (always false for sequential)' }),
  sequential: T.Union([SequentialLift, T.Null()], { description: 'null for a fixed analysis' }),
  decision: T.Object({
    status: T.Union([T.Literal('continue'), T.Literal('ship_variant'), T.Literal('keep_control'), T.Literal('no_difference'), T.Literal('guardrail_harm')]),
    arm: T.Union([T.String(), T.Null()], { description: 'the key of the arm to ship or keep, when there is one' }),
    reason: T.String({ description: 'the plain-language line the console shows' }),
  }),
  cuped: T.Union([CupedResult, T.Null()], { description: "the first other arm's CUPED reading (each arm's is in arms)" }),
  arms: T.Array(T.Object({
    key: T.String(), strategy: T.String(),
    sampleSize: T.Integer({ description: 'exposed users' }),
    metric: Maybe,
    lift: T.Union([T.Number(), T.Null()], { description: 'relative lift over the control (null for the control)' }),
    pValue: T.Union([T.Number(), T.Null()], { description: 'fixed-horizon p-value against the control' }),
    adjustedPValue: T.Union([T.Number(), T.Null()], { description: "the analysis' p-value (sequential or fixed), Holm-corrected across the arms: what the decision reads" }),
    interval: T.Union([T.Tuple([T.Number(), T.Number()]), T.Null()], { description: 'fixed-horizon 95 % interval for the lift' }),
    sequential: T.Union([SequentialLift, T.Null()]),
    cuped: T.Union([CupedResult, T.Null()]),
  }), { description: 'every arm, the control first, each against the control' }),
  guardrails: T.Array(T.Object({
    metric: T.String(), arm: T.String(),
    lift: Maybe,
    pValue: T.Union([T.Number(), T.Null()], { description: 'one-sided always-valid p-value for harm (the lift below 0)' }),
    interval: T.Union([T.Tuple([T.Number(), T.Number()]), T.Null()], { description: '90 % confidence sequence for the lift: harm when its upper end is below 0 (one-sided 5 %)' }),
    harm: T.Boolean(),
  }), { description: 'each guardrail metric for each arm against the control' }),
  archived: T.Optional(T.Literal(true, { description: 'older than 90 days: a summary is kept, per-user data deleted' })),
  archivedAt: T.Optional(DateTime),
})

export const ExperimentModel = {
  create: Strict({
    name: Name, metric: Metric,
    control: T.Optional(Strategy), variant: T.Optional(Strategy), trafficSplit: T.Optional(Split),
    variants: T.Optional(Variants),
    placement: T.Optional(Placement),
    segment: T.Optional(T.Union([T.String({ minLength: 1, maxLength: 64 }), T.Null()], {
      description: 'A segment key (GET /segments): only shoppers in the segment when served are enrolled and exposed, so results count only them. null: everyone',
    })),
    analysis: T.Optional(Analysis), plannedSampleSize: T.Optional(PlannedSampleSize),
    guardrails: T.Optional(Guardrails), cuped: T.Optional(Cuped),
    status: T.Optional(T.Union([T.Literal('running'), T.Literal('draft')], { default: 'running' })),
  }, { examples: [{ name: 'Trending vs collaborative on product pages', metric: 'ctr', control: 'collaborative', variant: 'trending', trafficSplit: 50, placement: 'product_page' }] }),
  patch: Strict({
    name: T.Optional(Name), control: T.Optional(Strategy), variant: T.Optional(Strategy), trafficSplit: T.Optional(Split),
    metric: T.Optional(Metric), placement: T.Optional(Placement),
    analysis: T.Optional(Analysis), plannedSampleSize: T.Optional(T.Union([PlannedSampleSize, T.Null()])),
    variants: T.Optional(Variants), guardrails: T.Optional(Guardrails), cuped: T.Optional(Cuped),
  }, { examples: [{ name: 'Trending vs collaborative, 30% to the variant', trafficSplit: 30 }] }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  listQuery: t.Object({ ...PaginationQuery, status: t.Optional(QueryEnum(['draft', 'running', 'paused', 'completed'])) }),
  results: Results,
  experiment: T.Object({
    id: Uuid, name: T.String(), control: T.String(), variant: T.String(), trafficSplit: T.Integer({ description: 'percent of users outside the control (with variants: control and variant are the first two arms)' }), metric: T.String(),
    analysis: Analysis, plannedSampleSize: T.Union([T.Integer(), T.Null()]),
    variants: T.Union([T.Array(T.Object({ key: T.String(), strategy: T.String(), weight: T.Integer() })), T.Null()], {
      description: 'the arms, control first, when created with variants; null for the two-arm form (then control, variant and trafficSplit)',
    }),
    guardrails: T.Array(T.String()), cuped: T.Boolean(),
    placement: T.Union([T.String(), T.Null()]), segment: T.Union([T.String(), T.Null()], { description: 'the segment it enrols, null: everyone' }),
    status: T.Union([T.Literal('draft'), T.Literal('running'), T.Literal('paused'), T.Literal('completed')]),
    createdAt: DateTime, updatedAt: DateTime, startedAt: T.Union([DateTime, T.Null()]), completedAt: T.Union([DateTime, T.Null()]),
  }),
  traffic: T.Object({
    days: T.Integer({ description: 'the window read: the 14 whole UTC days before today' }),
    placements: T.Array(T.Object({
      placement: T.String({ description: "'' for impressions sent without a placement" }),
      shoppersPerDay: T.Number({ description: 'distinct (shopper, day) pairs a day among recommendation impressions' }),
      impressionsPerDay: T.Number(),
      ctr: T.Union([T.Number(), T.Null()], { description: 'clicks / impressions over the window; null without impressions' }),
      conversionRate: T.Union([T.Number(), T.Null()], { description: 'attributed conversions a day / shoppers a day (at most 1); null without shoppers' }),
    }), { description: 'placements by impressions, most first (at most 100)' }),
  }),
} as const
