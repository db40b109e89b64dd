// What to do with an experiment, in one status and one plain-language line:
// the console's banner, "Promote", and the webhook's notion of significance all
// read this. Pure: the caller passes the test that matches the analysis (the
// confidence sequence for sequential, the fixed-horizon test for fixed).

export type Analysis = 'sequential' | 'fixed'
export type DecisionStatus = 'continue' | 'ship_variant' | 'keep_control' | 'no_difference' | 'guardrail_harm'
export interface Decision { status: DecisionStatus; arm: string | null; reason: string }

const ALPHA = 0.05
/**
 * A sequential experiment stops as "no difference" once its whole interval lies
 * within ±5 %: the same relative change minimumSampleSize is sized to detect.
 * The interval is valid at any look, so stopping for futility keeps its guarantee.
 */
export const NO_DIFFERENCE_LIFT = 0.05

const METRIC_LABEL: Record<string, string> = { ctr: 'CTR', conversion_rate: 'conversion rate', revenue_per_visitor: 'revenue per visitor' }

/** +6.1 % / −4.2 %: one decimal, a real minus sign. */
export const percent = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x * 100).toFixed(1)} %`
const users = (n: number) => Math.round(n).toLocaleString('en-US')

export interface DecisionInput {
  analysis: Analysis
  metric: string
  /** Strategy names, for the sentence. */
  control: string
  variant: string
  lift: number | null
  /** The analysis' p-value and lift interval. */
  pValue: number | null
  liftInterval: [number, number] | null
  /** fixed only: the planned size per arm is not reached yet. */
  peeking: boolean
  usersPerArm: number
  /** fixed only: the horizon (null when unknown). */
  plannedSampleSize: number | null
  srmDetected: boolean
}

export function decide(x: DecisionInput): Decision {
  const label = METRIC_LABEL[x.metric] ?? x.metric
  const when = x.analysis === 'sequential' ? 'valid at any look' : 'at the planned sample size'
  if (x.srmDetected) {
    return { status: 'continue', arm: null, reason: 'Do not decide yet: the arms do not match the configured split (sample ratio mismatch); check the assignment and exposure logging' }
  }
  if (x.analysis === 'fixed' && x.peeking) {
    const planned = x.plannedSampleSize === null ? 'the minimum sample size' : `${users(x.plannedSampleSize)} planned`
    return { status: 'continue', arm: null, reason: `Keep running: ${users(x.usersPerArm)} of ${planned} users per arm; a fixed-horizon result read earlier is peeking` }
  }
  if (x.pValue === null || x.lift === null) return { status: 'continue', arm: null, reason: 'Keep running: not enough data to compare the arms yet' }
  if (x.pValue < ALPHA) {
    if (x.lift > 0) return { status: 'ship_variant', arm: 'variant', reason: `Ship ${x.variant}: ${percent(x.lift)} ${label}, ${when}` }
    return { status: 'keep_control', arm: 'control', reason: `Keep ${x.control}: ${x.variant} is ${percent(x.lift)} ${label}, ${when}` }
  }
  const range = x.liftInterval ? `between ${percent(x.liftInterval[0])} and ${percent(x.liftInterval[1])}` : percent(x.lift)
  if (x.analysis === 'fixed') {
    return { status: 'no_difference', arm: 'control', reason: `No significant difference ${when} (${label} lift ${range}); keep ${x.control}` }
  }
  if (x.liftInterval && x.liftInterval[0] > -NO_DIFFERENCE_LIFT && x.liftInterval[1] < NO_DIFFERENCE_LIFT) {
    return { status: 'no_difference', arm: 'control', reason: `No difference worth shipping: ${label} lift ${range}, ${when}; keep ${x.control}` }
  }
  const open = x.liftInterval ? `the lift is ${range}, which still includes 0` : 'not significant yet'
  return { status: 'continue', arm: null, reason: `Keep running: ${label} ${percent(x.lift)} so far; ${open}` }
}
