// One experiment (F-008, F-011, flow §4.4): the verdict and results (shared with
// the embedded page: components/experiments/experiment-results.tsx), the state
// machine's buttons and "promote the winner", which asks
// for a confirmation unless the decision is to ship the variant. Results refresh every
// 60 s while the page is open.
import { component$, useSignal, useTask$, useVisibleTask$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, server$, useLocation, type DocumentHead, type RequestEventBase } from '@builder.io/qwik-city'
import { ExperimentResults } from '../../../../../../components/experiments/experiment-results'
import { experimentLead, STATUS_LABELS, strategyLabel } from '../../../../../../components/experiments/labels'
import { loadExperimentWith } from '../../../../../../components/experiments/load'
import { STATUS_BADGE, type Experiment } from '../../../../../../components/experiments/types'
import { verdict } from '../../../../../../components/experiments/verdict'
import { Alert, PageHeader, ProblemAlert } from '../../../../../../components/ui'
import { apiFetch, type Problem } from '../../../../../../lib/api'
import { useTenant } from '../../layout'

const loadExperiment = (ev: RequestEventBase, tenantId: string, expId: string) =>
  loadExperimentWith((path) => apiFetch(ev, `/api/v1/experiments/${path}`, { tenantId }), expId)

export const useExperiment = routeLoader$(async (ev) => {
  const v = await loadExperiment(ev, ev.params.id, ev.params.expId)
  if (!v.experiment) ev.status(v.problem?.status === 400 ? 404 : (v.problem?.status ?? 404))
  return v
})

const refreshExperiment = server$(function (tenantId: string, expId: string) {
  return loadExperiment(this, tenantId, expId)
})

const TRANSITIONS = { start: 'Start', pause: 'Pause', resume: 'Resume', complete: 'Complete' } as const
const DONE = { start: 'Experiment started.', pause: 'Experiment paused.', resume: 'Experiment resumed.', complete: 'Experiment completed.' } as const

export const useTransition = routeAction$(async (form, ev) => {
  const to = String(form.transition ?? '')
  if (!(to in TRANSITIONS)) return ev.fail(400, { problem: { status: 400, title: 'Unknown action' } as Problem })
  const r = await apiFetch<Experiment>(ev, `/api/v1/experiments/${encodeURIComponent(ev.params.expId)}/${to}`, { method: 'POST', tenantId: ev.params.id })
  return r.ok ? { done: DONE[to as keyof typeof DONE] } : ev.fail(r.status, { problem: r.problem })
})

export const usePromote = routeAction$(async (_form, ev) => {
  const r = await apiFetch(ev, `/api/v1/experiments/${encodeURIComponent(ev.params.expId)}/promote`, { method: 'POST', tenantId: ev.params.id })
  if (!r.ok) return ev.fail(r.status, { problem: r.problem })
  // The page says what happened from the stored state (status, tenant config), so a reload shows it too.
  throw ev.redirect(303, `${ev.url.pathname}?promoted=1`)
})

export default component$(() => {
  const loaded = useExperiment()
  const loc = useLocation()
  const transition = useTransition()
  const promote = usePromote()
  const tenant = useTenant()
  const view = useSignal(loaded.value)
  useTask$(({ track }) => { view.value = track(() => loaded.value) })
  // eslint-disable-next-line qwik/no-use-visible-task -- live results only matter in an open tab
  useVisibleTask$(({ cleanup }) => {
    const timer = setInterval(async () => {
      try { view.value = await refreshExperiment(loc.params.id, loc.params.expId) } catch { /* keep the last results */ }
    }, 60_000)
    cleanup(() => clearInterval(timer))
  })

  const { experiment: e, results: r, problem } = view.value
  const list = `/dashboard/tenants/${loc.params.id}/experiments`
  if (!e) {
    return (
      <>
        <PageHeader title="Experiment not found" />
        <ProblemAlert problem={problem} />
        <p><Link href={list}>Back to the experiments</Link></p>
      </>
    )
  }
  const v = r ? verdict(r) : null
  const config = tenant.value?.config
  const promotedStrategy = loc.url.searchParams.get('promoted') && e.status === 'completed' && config
    ? (e.placement ? config.placementStrategies[e.placement] : undefined) ?? config.defaultStrategy
    : null
  const actionProblem = (transition.value?.failed ? transition.value.problem : null) ?? (promote.value?.failed ? promote.value.problem : null)

  return (
    <>
      <PageHeader title={e.name} lead={experimentLead(e)}>
        <span class={STATUS_BADGE[e.status]} id="experiment-status">{STATUS_LABELS[e.status]}</span>
      </PageHeader>

      <ProblemAlert problem={actionProblem ?? problem} />
      {transition.value && !transition.value.failed && <Alert kind="success">{transition.value.done}</Alert>}
      {promotedStrategy && (
        <Alert kind="success" title="Winner promoted." id="promoted">
          {strategyLabel(promotedStrategy)} ({promotedStrategy === e.variant ? 'the variant' : 'the control'}) is now the default strategy for {e.placement ? `placement ${e.placement}` : 'this tenant'}; the experiment is completed.
        </Alert>
      )}

      <ExperimentResults experiment={e} results={r} docsHref="/docs/experiments" />

      <section aria-labelledby="h-actions" class="card">
        <h2 id="h-actions">Actions</h2>
        <div class="form-row">
          {(e.status === 'draft' ? ['start'] : e.status === 'running' ? ['pause', 'complete'] : e.status === 'paused' ? ['resume', 'complete'] : []).map((t) => (
            <Form key={t} action={transition}>
              <input type="hidden" name="transition" value={t} />
              <button type="submit" class="btn btn-secondary">{TRANSITIONS[t as keyof typeof TRANSITIONS]} experiment</button>
            </Form>
          ))}
          {e.status !== 'draft' && v && (
            <Form action={promote}>
              {/* Promote follows the decision: without ship_variant it asks first (required without JavaScript too). */}
              {!v.promoteConfirmed && v.hasResults && (
                <label class="checkbox" style="margin-bottom:.5rem">
                  <input type="checkbox" name="confirm" value="1" required id="promote-confirm" /> Promote anyway: the decision is not to ship the variant yet
                </label>
              )}
              <button type="submit" class="btn" aria-describedby="promote-hint" disabled={!v.hasResults}>Promote winner</button>
              <p id="promote-hint" class="muted" style="margin:.25rem 0 0">
                {v.hasResults
                  ? `Completes the experiment and makes ${strategyLabel(v.winner === 'variant' ? e.variant : e.control)} (${v.winner}) the default ${e.placement ? `for placement ${e.placement}` : 'for every placement'}.`
                  : 'No results yet: promoting needs shoppers exposed to both arms.'}
              </p>
            </Form>
          )}
        </div>
        <p><Link href={list}>Back to the experiments</Link></p>
      </section>
    </>
  )
})

export const head: DocumentHead = ({ resolveValue }) => ({ title: `${resolveValue(useExperiment).experiment?.name ?? 'Experiment'} · RecomEngine` })
