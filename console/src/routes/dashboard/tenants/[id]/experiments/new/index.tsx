// New experiment (flow §4.4, "launch in < 5 minutes"): one short form, sensible
// defaults (the tenant's current strategy as control, 50/50, CTR), Launch; and how
// long it would run at the last 14 days' traffic, recomputed in the page as the fields change.
import { $, component$, useStore } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { durationSentence } from '../../../../../../components/experiments/duration'
import { formField, parseExperimentForm, type FieldError } from '../../../../../../components/experiments/form'
import { METRIC_LABELS, METRICS, strategyLabel } from '../../../../../../components/experiments/labels'
import { STRATEGIES } from '../../../../../../lib/vocabulary'
import type { Experiment, Traffic } from '../../../../../../components/experiments/types'
import { FormField, PageHeader, ProblemAlert, SelectField } from '../../../../../../components/ui'
import type { Problem } from '../../../../../../lib/api'
import { apiFetch } from '../../../../../../lib/api'
import { useTenant } from '../../layout'

export const useLaunchExperiment = routeAction$(async (form, ev) => {
  const parsed = parseExperimentForm(form)
  if (!parsed.ok) return ev.fail(400, { errors: parsed.errors, problem: null as Problem | null })
  const r = await apiFetch<Experiment>(ev, '/api/v1/experiments', { method: 'POST', tenantId: ev.params.id, body: parsed.body })
  if (!r.ok) {
    const errors: FieldError[] = (r.problem.errors ?? []).map((e) => ({ field: formField(e.field), message: e.message }))
    return ev.fail(r.status, { errors, problem: r.problem })
  }
  throw ev.redirect(303, `/dashboard/tenants/${ev.params.id}/experiments/${r.data.id}`)
})

/** The tenant's segments, for scoping the experiment to one (empty when they could not be read). */
export const useSegmentKeys = routeLoader$(async (ev) => {
  const r = await apiFetch<{ key: string; name: string }[]>(ev, '/api/v1/segments', { tenantId: ev.params.id })
  return r.ok ? r.data.map((s) => ({ key: s.key, name: s.name })) : []
})

/** Null when the traffic could not be read: the form works without its estimate. */
export const useTraffic = routeLoader$(async (ev) => {
  const r = await apiFetch<Traffic>(ev, '/api/v1/experiments/traffic', { tenantId: ev.params.id })
  return r.ok ? r.data.placements : null
})

export default component$(() => {
  const launch = useLaunchExperiment()
  const traffic = useTraffic()
  const segments = useSegmentKeys()
  const tenant = useTenant()
  const loc = useLocation()
  const sent = launch.formData
  const value = (name: string, fallback: string) => (sent?.get(name) as string | null) ?? fallback
  const errors = (launch.value?.failed ? launch.value.errors : []) as FieldError[]
  const errorOf = (field: string) => errors.filter((e) => e.field === field).map((e) => e.message).join(' ') || undefined
  const control = value('control', tenant.value?.config.defaultStrategy ?? 'collaborative')
  const variant = value('variant', STRATEGIES.find((s) => s !== control) ?? 'content_based')
  const metric = value('metric', 'ctr')
  const problem = launch.value?.failed ? (launch.value.problem as Problem | null) : null
  const strategyOptions = STRATEGIES.map((s) => ({ value: s, label: strategyLabel(s) }))
  const arms = (read: (f: string) => string) => 2 + ['arm3', 'arm4', 'arm5'].filter((f) => read(f)).length
  const est = useStore({
    placement: value('placement', ''), metric, mdePercent: Number(value('mde', '5')),
    arms: arms((f) => value(f, '')), variantPercent: Number(value('trafficSplit', '50')),
  })
  // The only client code of the page: read the form back into the estimate's inputs.
  const reread = $((ev: Event) => {
    const form = (ev.target as HTMLInputElement | null)?.form
    if (!form) return
    const f = new FormData(form)
    const read = (k: string) => String(f.get(k) ?? '')
    Object.assign(est, { placement: read('placement'), metric: read('metric'), mdePercent: Number(read('mde')), arms: arms(read), variantPercent: Number(read('trafficSplit')) })
  })

  return (
    <>
      <PageHeader title="New experiment" lead="Split shoppers between two strategies and measure which one performs better." />
      {problem && !errors.length && <ProblemAlert problem={problem} />}
      {errors.length > 0 && (
        <div class="alert alert-error" role="alert" id="form-errors">
          <strong>The experiment was not launched.</strong> Fix the {errors.length === 1 ? 'field' : `${errors.length} fields`} marked below.
        </div>
      )}
      <div onInput$={reread} onChange$={reread}>
      <Form action={launch} class="card" style="max-width:40rem" aria-label="New experiment">
        <FormField name="name" label="Name" required maxLength={200} value={value('name', '')} error={errorOf('name')} hint="For example: Collaborative vs content-based on the home page" />
        <div class="form-row">
          <SelectField name="control" label="Control strategy" options={strategyOptions} value={control} error={errorOf('control')} hint="What shoppers get today" />
          <SelectField name="variant" label="Variant strategy" options={strategyOptions} value={variant} error={errorOf('variant')} hint="The challenger" />
        </div>
        <details open={['arm3', 'arm4', 'arm5'].some((f) => value(f, ''))}>
          <summary>More arms (up to five in all)</summary>
          <div class="form-row">
            {(['arm3', 'arm4', 'arm5'] as const).map((f, i) => (
              <SelectField key={f} name={f} label={`Arm ${i + 3}`} options={[{ value: '', label: '—' }, ...strategyOptions]} value={value(f, '')} error={errorOf(f)} />
            ))}
          </div>
          <p class="hint">With more arms, shoppers are split evenly between all of them and each is compared with the control (Holm-corrected).</p>
        </details>
        <FormField name="trafficSplit" label="Traffic to the variant (%)" type="number" required min={1} max={99} step={1} value={value('trafficSplit', '50')} error={errorOf('trafficSplit')} hint="The rest stays on the control; 50 splits evenly" />
        <fieldset class="field" aria-describedby={errorOf('metric') ? 'f-metric-error' : undefined}>
          <legend style="font-weight:600">Success metric</legend>
          {METRICS.map((m) => (
            <label key={m} class="checkbox" style="margin-bottom:.25rem">
              <input type="radio" name="metric" value={m} checked={m === metric} /> {METRIC_LABELS[m]}
            </label>
          ))}
          {errorOf('metric') && <span id="f-metric-error" class="error">{errorOf('metric')}</span>}
        </fieldset>
        <FormField name="placement" label="Placement (optional)" maxLength={100} value={value('placement', '')} error={errorOf('placement')} hint="Only this placement, e.g. product-page; leave empty for every placement" />
        <SelectField name="segment" label="Shoppers (optional)" value={value('segment', '')} error={errorOf('segment')}
          options={[{ value: '', label: 'Everyone' }, ...segments.value.map((s) => ({ value: s.key, label: `Only the segment ${s.name} (${s.key})` }))]}
          hint="Only shoppers in the segment when served are enrolled; results count only them" />
        <FormField name="mde" label="Minimum detectable effect (%)" type="number" min={0.1} max={1000} step={0.1} value={value('mde', '5')} hint="The smallest relative lift worth detecting; only for the estimate below" />
        {traffic.value && <p id="duration-estimate" class="hint" aria-live="polite">{durationSentence(traffic.value, est)}</p>}
        <div class="form-row">
          <button type="submit" class="btn" disabled={launch.isRunning}>Launch experiment</button>
          <Link href={`/dashboard/tenants/${loc.params.id}/experiments`}>Cancel</Link>
        </div>
      </Form>
      </div>
    </>
  )
})

export const head: DocumentHead = { title: 'New experiment · RecomEngine' }
