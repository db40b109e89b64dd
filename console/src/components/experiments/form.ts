// The "new experiment" form → the body of POST /api/v1/experiments. Pure: the
// form posts strings; this turns them into the API's types and catches the
// mistakes a person makes (same strategy twice, split out of range) before the
// round trip. Extra arms (3–5) turn it into the variants form, split evenly. The API validates again and its field errors are shown the same way.
import type { ApiBody } from '../../lib/api.ts'
import { STRATEGIES, type StrategyName } from '../../lib/vocabulary.ts'
import { METRICS, type Metric } from './labels.ts'

export type ExperimentBody = ApiBody<'/api/v1/experiments', 'post'>
export interface FieldError { field: string; message: string }
export type Parsed = { ok: true; body: ExperimentBody } | { ok: false; errors: FieldError[] }

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '')

export function parseExperimentForm(form: Record<string, unknown>): Parsed {
  const errors: FieldError[] = []
  const name = str(form.name)
  if (!name) errors.push({ field: 'name', message: 'Give the experiment a name.' })
  else if (name.length > 200) errors.push({ field: 'name', message: 'At most 200 characters.' })
  const control = str(form.control), variant = str(form.variant)
  if (!(STRATEGIES as readonly string[]).includes(control)) errors.push({ field: 'control', message: 'Choose the control strategy.' })
  if (!(STRATEGIES as readonly string[]).includes(variant)) errors.push({ field: 'variant', message: 'Choose the variant strategy.' })
  else if (variant === control) errors.push({ field: 'variant', message: 'The variant must differ from the control.' })
  const splitText = str(form.trafficSplit)
  const trafficSplit = Number(splitText)
  if (!/^\d+$/.test(splitText) || trafficSplit < 1 || trafficSplit > 99) errors.push({ field: 'trafficSplit', message: 'A whole percentage from 1 to 99.' })
  const metric = str(form.metric)
  if (!(METRICS as readonly string[]).includes(metric)) errors.push({ field: 'metric', message: 'Choose the success metric.' })
  const placement = str(form.placement)
  if (placement.length > 100) errors.push({ field: 'placement', message: 'At most 100 characters.' })
  const segment = str(form.segment)
  if (segment && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(segment)) errors.push({ field: 'segment', message: 'Choose a segment, or everyone.' })
  // Only shoppers in the segment are enrolled (left out of the body: everyone).
  const scope = segment ? { segment } : {}
  const status = str(form.status) === 'draft' ? 'draft' : 'running'
  // Up to three more arms (arm3…arm5): then every arm gets an even share, the control the remainder.
  const extra = ['arm3', 'arm4', 'arm5'].map((f) => ({ f, s: str(form[f]) })).filter((a) => a.s)
  for (const a of extra) if (!(STRATEGIES as readonly string[]).includes(a.s)) errors.push({ field: a.f, message: 'Choose a strategy, or leave it empty.' })
  if (errors.length) return { ok: false, errors }
  if (extra.length) {
    const strategies = [control, variant, ...extra.map((a) => a.s)]
    const share = Math.floor(100 / strategies.length)
    const keys = ['control', 'variant', ...extra.map((a) => a.f)]
    return {
      ok: true,
      body: {
        name, metric: metric as Metric, placement: placement || null, ...scope, status,
        variants: strategies.map((st, i) => ({ key: keys[i]!, strategy: st as StrategyName, weight: i === 0 ? 100 - share * (strategies.length - 1) : share })),
      },
    }
  }
  return {
    ok: true,
    body: { name, control: control as StrategyName, variant: variant as StrategyName, trafficSplit, metric: metric as Metric, placement: placement || null, ...scope, status },
  }
}

/** Problem `errors[].field` from the API may be "/trafficSplit" or "body.trafficSplit": the form field name. */
export function formField(apiField: string): string {
  return apiField.replace(/^\/?(body[./])?/, '').split(/[./]/)[0] ?? apiField
}
