// What the results page says about an experiment (pure): the headline, the
// winner it would promote, and every reason not to trust the numbers yet.
// Mirrors the rule of POST /experiments/:id/promote: the variant wins only
// when it is significantly better; otherwise the control stays.
import { formatPValue } from '../analytics/format.ts'
import type { Results } from './types.ts'

/** The part of the results answer the verdict reads. */
export type ResultsView = Pick<Results,
  'controlMetric' | 'variantMetric' | 'lift' | 'liftCI' | 'pValue' | 'isSignificant' | 'sampleSize'
  | 'lowConfidence' | 'minimumSampleSize' | 'srm' | 'archived'>

export interface Verdict {
  tone: 'success' | 'warning' | 'info'
  headline: string
  /** The arm POST /promote would make the default. */
  winner: 'variant' | 'control'
  warnings: { kind: 'srm' | 'low-confidence' | 'sample-size'; message: string }[]
}

export function verdict(r: ResultsView): Verdict {
  const warnings: Verdict['warnings'] = []
  if (r.srm.detected) {
    warnings.push({ kind: 'srm', message: `Sample ratio mismatch (p = ${formatPValue(r.srm.pValue)}): the arms' sizes do not match the configured split, so assignment or exposure logging is broken. Do not trust this result whatever its p-value.` })
  }
  if (r.lowConfidence) {
    warnings.push({ kind: 'low-confidence', message: `Low confidence: each arm needs at least 500 exposed shoppers (now ${r.sampleSize.control} control, ${r.sampleSize.variant} variant).` })
  }
  const needed = r.minimumSampleSize
  if (needed !== null && (r.sampleSize.control < needed || r.sampleSize.variant < needed)) {
    warnings.push({ kind: 'sample-size', message: `Detecting a 5 % relative change needs about ${needed.toLocaleString('en-US')} shoppers per arm; decide on that size up front and read the result once.` })
  }
  const better = r.isSignificant && (r.lift ?? 0) > 0
  const worse = r.isSignificant && (r.lift ?? 0) < 0
  const p = formatPValue(r.pValue)
  if (better) return { tone: r.srm.detected ? 'warning' : 'success', headline: `The variant wins: significantly better than the control (p ${p.startsWith('<') ? p : `= ${p}`}, α = 0.05).`, winner: 'variant', warnings }
  if (worse) return { tone: 'warning', headline: `The control wins: the variant is significantly worse (p ${p.startsWith('<') ? p : `= ${p}`}, α = 0.05).`, winner: 'control', warnings }
  return { tone: 'info', headline: r.pValue === null ? 'Not enough data for a test yet.' : `No significant difference yet (p = ${p}); keep collecting data.`, winner: 'control', warnings }
}
