// One experiment (F-008, F-011, flow §4.4): the decision banner, control vs
// variant with 95 % intervals, lift (with its confidence sequence when the
// analysis is sequential), p-values, significance, the SRM and low-confidence
// warnings, the state machine's buttons and "promote the winner", which asks
// for a confirmation unless the decision is to ship the variant. Results refresh every
// 60 s while the page is open.
import { component$, useSignal, useTask$, useVisibleTask$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, server$, useLocation, type DocumentHead, type RequestEventBase } from '@builder.io/qwik-city'
import { formatCount, formatDuration, formatPercent, formatPValue } from '../../../../../../components/analytics/format'
import { IntervalChart } from '../../../../../../components/experiments/interval-chart'
import { SequenceChart } from '../../../../../../components/experiments/sequence-chart'
import { formatMetric, metricLabel, STATUS_LABELS, strategyLabel } from '../../../../../../components/experiments/labels'
import { STATUS_BADGE, type Experiment, type Results } from '../../../../../../components/experiments/types'
import { verdict } from '../../../../../../components/experiments/verdict'
import { Alert, PageHeader, ProblemAlert } from '../../../../../../components/ui'
import { apiFetch, type Problem } from '../../../../../../lib/api'
import { useTenant } from '../../layout'

async function loadExperiment(ev: RequestEventBase, tenantId: string, expId: string) {
  const path = `/api/v1/experiments/${encodeURIComponent(expId)}`
  const [e, r] = await Promise.all([apiFetch<Experiment>(ev, path, { tenantId }), apiFetch<Results>(ev, `${path}/results`, { tenantId })])
  return {
    experiment: e.ok ? e.data : null,
    results: r.ok ? r.data : null,
    problem: !e.ok ? e.problem : !r.ok ? r.problem : null,
    loadedAt: new Date().toISOString(),
  }
}

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
  const fmt = (x: number | null | undefined) => formatMetric(e.metric, x)
  const ci = (c: [number, number] | null | undefined) => (c ? `${fmt(c[0])} to ${fmt(c[1])}` : '–')
  const range = (c: [number, number] | null | undefined) => (c ? `${formatPercent(c[0], 1)} to ${formatPercent(c[1], 1)}` : '–')
  const arms = [
    { key: 'control' as const, label: 'Control', strategy: e.control, users: r?.sampleSize.control ?? 0, value: r?.controlMetric ?? null, ci: r?.confidenceIntervals.control ?? null },
    { key: 'variant' as const, label: 'Variant', strategy: e.variant, users: r?.sampleSize.variant ?? 0, value: r?.variantMetric ?? null, ci: r?.confidenceIntervals.variant ?? null },
  ]
  const chartLabel = `${metricLabel(e.metric)} per arm with 95% confidence intervals. ` +
    arms.map((a) => `${a.label} (${strategyLabel(a.strategy)}): ${fmt(a.value)}, interval ${ci(a.ci)}`).join('. ') + '.'
  const config = tenant.value?.config
  const promotedStrategy = loc.url.searchParams.get('promoted') && e.status === 'completed' && config
    ? (e.placement ? config.placementStrategies[e.placement] : undefined) ?? config.defaultStrategy
    : null
  const actionProblem = (transition.value?.failed ? transition.value.problem : null) ?? (promote.value?.failed ? promote.value.problem : null)

  return (
    <>
      <PageHeader title={e.name} lead={`${e.variants
        ? e.variants.map((a, i) => `${a.key}: ${strategyLabel(a.strategy)} ${a.weight}%${i === 0 ? ' (control)' : ''}`).join(', ')
        : `${strategyLabel(e.control)} (control) vs ${strategyLabel(e.variant)} (variant) · ${e.trafficSplit}% of shoppers in the variant`} · ${metricLabel(e.metric)} · ${e.placement ? `placement ${e.placement}` : 'every placement'}`}>
        <span class={STATUS_BADGE[e.status]} id="experiment-status">{STATUS_LABELS[e.status]}</span>
      </PageHeader>

      <ProblemAlert problem={actionProblem ?? problem} />
      {transition.value && !transition.value.failed && <Alert kind="success">{transition.value.done}</Alert>}
      {promotedStrategy && (
        <Alert kind="success" title="Winner promoted." id="promoted">
          {strategyLabel(promotedStrategy)} ({promotedStrategy === e.variant ? 'the variant' : 'the control'}) is now the default strategy for {e.placement ? `placement ${e.placement}` : 'this tenant'}; the experiment is completed.
        </Alert>
      )}

      {v && (
        <section aria-labelledby="h-verdict">
          <h2 id="h-verdict" class="sr-only">Verdict</h2>
          <Alert kind={v.tone} title={v.headline} id="verdict" />
          {v.warnings.map((w) => (
            <Alert key={w.kind} kind={w.kind === 'srm' ? 'error' : 'warning'} id={`warning-${w.kind}`}>
              {w.message}
            </Alert>
          ))}
        </section>
      )}

      {r && (
        <section aria-labelledby="h-results" class="card">
          <h2 id="h-results">Results</h2>
          <dl class="kpis" aria-label="Headline figures">
            <div class="kpi"><dt>Lift (variant vs control)</dt><dd id="lift">{r.lift === null ? '–' : `${r.lift >= 0 ? '+' : ''}${formatPercent(r.lift, 1)}`}<span class="kpi-hint">{r.sequential
              ? `95% confidence sequence ${range(r.sequential.liftInterval)}, valid at any look`
              : `95% CI ${range(r.liftCI)}`}</span></dd></div>
            {r.sequential && <div class="kpi"><dt>Always-valid p-value</dt><dd id="sequential-p-value">{formatPValue(r.sequential.pValue)}<span class="kpi-hint">sequential, may be read at every look</span></dd></div>}
            <div class="kpi"><dt>{r.sequential ? 'Fixed-horizon p-value' : 'p-value'}</dt><dd id="p-value">{formatPValue(r.pValue)}<span class="kpi-hint">{r.sequential ? 'valid for one look only' : r.peeking ? 'two-sided, α = 0.05; peeking until the planned size' : 'two-sided, α = 0.05'}</span></dd></div>
            <div class="kpi"><dt>Statistically significant</dt><dd id="significant">{r.isSignificant ? 'Yes' : 'No'}</dd></div>
            <div class="kpi"><dt>Running for</dt><dd>{formatDuration(r.duration)}</dd></div>
          </dl>
          {arms.some((a) => a.value !== null) && <IntervalChart arms={arms.map(({ key, label, value, ci: c }) => ({ key, label, value, ci: c }))} metric={e.metric} label={chartLabel} tableId="arms-table" />}
          <div class="table-wrap">
            <table id="arms-table">
              <caption>{metricLabel(e.metric)} per arm (95% confidence interval)</caption>
              <thead><tr>
                <th scope="col">Arm</th><th scope="col">Strategy</th><th scope="col" class="num">Exposed shoppers</th>
                <th scope="col" class="num">{metricLabel(e.metric)}</th><th scope="col" class="num">95% confidence interval</th>
              </tr></thead>
              <tbody>
                {arms.map((a) => (
                  <tr key={a.key}>
                    <th scope="row" style="font-weight:400;background:none">{a.label}</th>
                    <td>{strategyLabel(a.strategy)}</td>
                    <td class="num">{formatCount(a.users)}</td>
                    <td class="num">{fmt(a.value)}</td>
                    <td class="num">{ci(a.ci)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {r.arms.length > 0 && (
            <div class="table-wrap">
              <table id="all-arms-table">
                <caption>Every arm against the control{r.arms.length > 2 ? ' (p-values Holm-corrected across the arms)' : ''}</caption>
                <thead><tr>
                  <th scope="col">Arm</th><th scope="col">Strategy</th><th scope="col" class="num">Exposed shoppers</th>
                  <th scope="col" class="num">{metricLabel(e.metric)}</th><th scope="col" class="num">Lift</th>
                  <th scope="col" class="num">p-value for the decision</th><th scope="col" class="num">CUPED-adjusted lift</th>
                </tr></thead>
                <tbody>
                  {r.arms.map((a, i) => (
                    <tr key={a.key} data-arm={a.key}>
                      <th scope="row" style="font-weight:400;background:none">{i === 0 ? `${a.key} (control)` : a.key}</th>
                      <td>{strategyLabel(a.strategy)}</td>
                      <td class="num">{formatCount(a.sampleSize)}</td>
                      <td class="num">{fmt(a.metric)}</td>
                      <td class="num">{a.lift === null ? '–' : `${a.lift >= 0 ? '+' : ''}${formatPercent(a.lift, 1)}`}</td>
                      <td class="num">{i === 0 ? '–' : formatPValue(a.adjustedPValue)}</td>
                      <td class="num">{a.cuped?.adjustedLift == null ? '–' : `${a.cuped.adjustedLift >= 0 ? '+' : ''}${formatPercent(a.cuped.adjustedLift, 1)} (variance −${formatPercent(a.cuped.varianceReduction, 0)}${a.cuped.usedForDecision ? ', used' : ''})`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {r.guardrails.length > 0 && (
            <p class="muted" id="guardrails">
              Guardrails: {r.guardrails.map((g) => `${metricLabel(g.metric as typeof e.metric)} in ${g.arm} ${g.lift === null ? '–' : `${g.lift >= 0 ? '+' : ''}${formatPercent(g.lift, 1)}`}${g.harm ? ' (harm)' : ''}`).join(' · ')}
            </p>
          )}
          <p class="muted">
            Sample ratio check: p = {formatPValue(r.srm.pValue)} ({r.srm.detected ? 'mismatch detected' : 'no mismatch'}).
            {r.minimumSampleSize !== null && ` About ${formatCount(r.minimumSampleSize)} shoppers per arm are needed to detect a 5% relative change.`}
            {' '}<Link href="/docs/experiments">How these numbers are computed</Link>
          </p>
          {r.daily && r.daily.length > 1 && (
            <figure style="margin:0">
              <SequenceChart days={r.daily} label={`Lift against the control by day, per arm, with its ${r.sequential ? '95% confidence sequence (valid at every look)' : '95% fixed-horizon interval'}. ` +
                r.arms.slice(1).map((a) => `${a.key}: ${a.lift === null ? 'no data' : formatPercent(a.lift, 1)} today`).join('. ') + '.'} />
              <figcaption class="muted">Lift against the control over time; the band is the {r.sequential ? 'confidence sequence: a decision is due once it leaves 0' : 'fixed-horizon interval, only valid at the planned size'}.</figcaption>
            </figure>
          )}
          {r.daily && r.daily.length > 0 && (
            <details>
              <summary>Cumulative results by day</summary>
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Cumulative results by exposure day</caption>
                  <thead><tr>
                    <th scope="col">Day</th><th scope="col" class="num">Control shoppers</th><th scope="col" class="num">Control</th>
                    <th scope="col" class="num">Variant shoppers</th><th scope="col" class="num">Variant</th><th scope="col" class="num">p-value</th>
                  </tr></thead>
                  <tbody>
                    {r.daily.map((d) => (
                      <tr key={d.date}>
                        <td>{d.date}</td><td class="num">{formatCount(d.control.users)}</td><td class="num">{fmt(d.control.metric)}</td>
                        <td class="num">{formatCount(d.variant.users)}</td><td class="num">{fmt(d.variant.metric)}</td><td class="num">{formatPValue(d.pValue)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </section>
      )}

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
