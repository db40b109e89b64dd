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
  /** The arms' keys (default 'control' / 'variant', the two-arm form's). */
  controlKey?: string
  variantKey?: string
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
    if (x.lift > 0) return { status: 'ship_variant', arm: x.variantKey ?? 'variant', reason: `Ship ${x.variant}: ${percent(x.lift)} ${label}, ${when}` }
    return { status: 'keep_control', arm: x.controlKey ?? 'control', reason: `Keep ${x.control}: ${x.variant} is ${percent(x.lift)} ${label}, ${when}` }
  }
  const range = x.liftInterval ? `between ${percent(x.liftInterval[0])} and ${percent(x.liftInterval[1])}` : percent(x.lift)
  if (x.analysis === 'fixed') {
    return { status: 'no_difference', arm: x.controlKey ?? 'control', reason: `No significant difference ${when} (${label} lift ${range}); keep ${x.control}` }
  }
  if (x.liftInterval && x.liftInterval[0] > -NO_DIFFERENCE_LIFT && x.liftInterval[1] < NO_DIFFERENCE_LIFT) {
    return { status: 'no_difference', arm: x.controlKey ?? 'control', reason: `No difference worth shipping: ${label} lift ${range}, ${when}; keep ${x.control}` }
  }
  const open = x.liftInterval ? `the lift is ${range}, which still includes 0` : 'not significant yet'
  return { status: 'continue', arm: null, reason: `Keep running: ${label} ${percent(x.lift)} so far; ${open}` }
}

/** A guardrail reading: one metric of one arm against control, tested for harm only. */
export interface GuardrailReading { metric: string; arm: string; strategy: string; lift: number | null; harm: boolean }

/**
 * The decision over every arm. Each treatment arm is decided against control
 * with its Holm-adjusted p-value (the caller adjusts); then:
 * a significant guardrail harm stops the experiment whatever the primary metric
 * says (only a sample ratio mismatch, which makes every reading suspect, comes
 * first); among arms to ship, the largest lift; all arms done → keep control
 * (or no difference); otherwise keep running. With one treatment arm this is
 * exactly decide().
 */
export function decideArms(perArm: DecisionInput[], guardrails: GuardrailReading[] = []): Decision {
  const first = perArm[0]!
  const harm = guardrails.find((g) => g.harm)
  if (harm && !first.srmDetected) {
    const label = METRIC_LABEL[harm.metric] ?? harm.metric
    return {
      status: 'guardrail_harm', arm: first.controlKey ?? 'control',
      reason: `Stop ${harm.strategy} (${harm.arm}): it lowers ${label}${harm.lift === null ? '' : ` by ${percent(harm.lift).slice(1)}`} (guardrail, valid at any look); keep ${first.control}`,
    }
  }
  const decisions = perArm.map((x) => ({ x, d: decide(x) }))
  if (decisions.length === 1) return decisions[0]!.d
  const ship = decisions.filter(({ d }) => d.status === 'ship_variant').sort((a, b) => (b.x.lift ?? 0) - (a.x.lift ?? 0))[0]
  if (ship) return { ...ship.d, reason: `${ship.d.reason} (Holm-corrected across ${perArm.length} arms)` }
  const pending = decisions.find(({ d }) => d.status === 'continue')
  if (pending) return pending.d.arm === null && perArm.length > 1 && !pending.x.srmDetected && !pending.x.peeking && pending.x.lift !== null
    ? { ...pending.d, reason: `${pending.d.reason} (${pending.x.variantKey ?? 'variant'})` }
    : pending.d
  const keep = decisions.find(({ d }) => d.status === 'keep_control')
  return keep
    ? { status: 'keep_control', arm: first.controlKey ?? 'control', reason: `Keep ${first.control}: no arm beats it, Holm-corrected across ${perArm.length} arms` }
    : { status: 'no_difference', arm: first.controlKey ?? 'control', reason: `No arm differs enough to ship (Holm-corrected across ${perArm.length} arms); keep ${first.control}` }
}
