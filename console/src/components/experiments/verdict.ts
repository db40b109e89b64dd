// What the results page says about an experiment (pure): the server's decision
// as the banner, the arm POST /experiments/:id/promote would make the default,
// whether promoting needs a confirmation, and every reason not to trust the
// numbers yet.
import { formatPValue } from '../analytics/format.ts'
import type { Results } from './types.ts'

/** The part of the results answer the verdict reads. */
export type ResultsView = Pick<Results,
  'lift' | 'pValue' | 'sampleSize' | 'lowConfidence' | 'minimumSampleSize' | 'srm' | 'archived' | 'analysis' | 'peeking' | 'decision'>

export interface Verdict {
  tone: 'success' | 'warning' | 'info' | 'error'
  headline: string
  /** The arm POST /promote would make the default: the variant only when the decision is to ship it. */
  winner: 'variant' | 'control'
  /** Promote is the decision's own action (ship_variant); anything else asks for a confirmation first. */
  promoteConfirmed: boolean
  /** Both arms have exposed shoppers: until then there is nothing to promote (the console disables it). */
  hasResults: boolean
  warnings: { kind: 'srm' | 'low-confidence' | 'sample-size'; message: string }[]
}

const TONE: Record<Results['decision']['status'], Verdict['tone']> = {
  ship_variant: 'success', keep_control: 'warning', no_difference: 'info', continue: 'info', guardrail_harm: 'error',
}

export function verdict(r: ResultsView): Verdict {
  const warnings: Verdict['warnings'] = []
  if (r.srm.detected) {
    warnings.push({ kind: 'srm', message: `Sample ratio mismatch (p = ${formatPValue(r.srm.pValue)}): the arms' sizes do not match the configured split, so assignment or exposure logging is broken. Do not trust this result whatever its p-value.` })
  }
  if (r.lowConfidence) {
    warnings.push({ kind: 'low-confidence', message: `Low confidence: each arm needs at least 500 exposed shoppers (now ${r.sampleSize.control} control, ${r.sampleSize.variant} variant).` })
  }
  // Only a fixed-horizon analysis has a size to wait for; a sequential one may be read at any look.
  const needed = r.minimumSampleSize
  if (r.analysis === 'fixed' && r.peeking && needed !== null && (r.sampleSize.control < needed || r.sampleSize.variant < needed)) {
    warnings.push({ kind: 'sample-size', message: `Detecting a 5 % relative change needs about ${needed.toLocaleString('en-US')} shoppers per arm; with a fixed-horizon analysis, read the result once at the planned size.` })
  }
  const ship = r.decision.status === 'ship_variant'
  return { tone: TONE[r.decision.status], headline: r.decision.reason, winner: ship ? 'variant' : 'control', promoteConfirmed: ship, hasResults: r.sampleSize.control > 0 && r.sampleSize.variant > 0, warnings }
}
