// An experiment's verdict and results (F-008, F-011): the decision banner and its warnings, control vs variant
// with 95 % intervals, lift (with its confidence sequence when the analysis is sequential), p-values,
// significance, every arm, guardrails, the SRM check and the daily picture. Shared by the console's experiment
// page and the embedded one (F-016); the actions (start, pause, promote) stay on the console's page.
import { component$ } from '@builder.io/qwik'
import { Link } from '@builder.io/qwik-city'
import { formatCount, formatDuration, formatPercent, formatPValue } from '../analytics/format'
import { IntervalChart } from './interval-chart'
import { SequenceChart } from './sequence-chart'
import { formatMetric, metricLabel, strategyLabel } from './labels'
import type { Experiment, Results } from './types'
import { verdict } from './verdict'
import { Alert } from '../ui'

export const ExperimentResults = component$<{ experiment: Experiment; results: Results | null; docsHref?: string }>(({ experiment: e, results: r, docsHref }) => {
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
  return (
    <>
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
            {docsHref && <>{' '}<Link href={docsHref}>How these numbers are computed</Link></>}
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

    </>
  )
})
