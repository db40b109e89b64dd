// The analytics page's content (F-009, flow §4.5): KPI cards, the daily chart, placements, top products, the
// range and filters form (GET, so it works without JavaScript and every view has a link), CSV export, and the
// 60 s refresh in place. Shared by the console's page and the embedded one (F-016), which differ only in
// where the form and links point, what they carry (an embed session), and how a refresh reads the API.
import { $, component$, useSignal, useStyles$, useTask$, useVisibleTask$, type QRL } from '@builder.io/qwik'
import { Link } from '@builder.io/qwik-city'
import { formatCount, formatMoney, formatPercent } from './format'
import { LineChart } from './line-chart'
import type { AnalyticsView, ProductRow } from './load'
import { rangeLabel, toSearch } from './range'
import { MetricCells } from './tables'
import { strategyLabel } from '../experiments/labels'
import { STRATEGIES } from '../../lib/vocabulary'
import { KpiCard, KpiGrid, PageHeader, ProblemAlert } from '../ui'
import styles from './analytics.css?inline'

/** How often the open page re-reads its numbers (F-009: every 60 s without a reload). */
export const REFRESH_MS = 60_000

const SERIES = [
  { key: 'impressions', label: 'Impressions', color: '#1d4ed8' },
  { key: 'clicks', label: 'Clicks', color: '#b45309' },
  { key: 'conversions', label: 'Conversions', color: '#047857' },
] as const

const ProductTable = component$<{ caption: string; rows: ProductRow[]; currency: string | null; id: string }>(({ caption, rows, currency, id }) => (
  <div class="table-wrap">
    <table id={id}>
      <caption>{caption}</caption>
      <thead><tr>
        <th scope="col">Rank</th><th scope="col">Product</th>
        <th scope="col" class="num">Impressions</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">CTR</th>
        <th scope="col" class="num">Conversions</th><th scope="col" class="num">Revenue</th>
      </tr></thead>
      <tbody>
        {rows.length === 0 && <tr><td colSpan={7} class="muted">No recommended products in this range.</td></tr>}
        {rows.map((p, i) => (
          <tr key={p.productId}>
            <td>{i + 1}</td>
            <th scope="row" class="row-head">{p.name ?? <span class="muted">(not in catalog)</span>} <span class="muted small">{p.productId}</span></th>
            <MetricCells row={p} currency={currency} />
          </tr>
        ))}
      </tbody>
    </table>
  </div>
))

export interface AnalyticsDashboardProps {
  /** The loader's view (a navigation brings a new one). */
  loaded: AnalyticsView
  /** The page's own path: the form's action and the placement links'. */
  base: string
  /** The CSV download's path (the page's range and filters are added). */
  exportPath: string
  /** Parameters every link and the form carry besides range and filters (an embedded page's session). */
  carry?: Record<string, string>
  /** Re-reads the view for a query string (a server$ call). */
  refresh$: QRL<(search: string) => Promise<AnalyticsView>>
}

export const AnalyticsDashboard = component$<AnalyticsDashboardProps>((props) => {
  useStyles$(styles)
  const view = useSignal<AnalyticsView>(props.loaded)
  const refreshing = useSignal(false)
  const refreshFailed = useSignal(false)
  // WCAG 2.2.2: content that updates by itself can be paused.
  const paused = useSignal(false)
  const togglePause = $(() => { paused.value = !paused.value })
  // A new range or filter (navigation) brings a new loader value.
  useTask$(({ track }) => { view.value = track(() => props.loaded) })
  // eslint-disable-next-line qwik/no-use-visible-task -- a timer only makes sense in an open tab
  useVisibleTask$(({ track, cleanup }) => {
    if (track(() => paused.value)) return
    const timer = setInterval(async () => {
      refreshing.value = true
      try {
        view.value = await props.refresh$(toSearch(view.value.query))
        refreshFailed.value = false
      } catch {
        refreshFailed.value = true
      } finally {
        refreshing.value = false
      }
    }, REFRESH_MS)
    cleanup(() => clearInterval(timer))
  })

  const v = view.value
  const { base } = props
  const carry = props.carry ?? {}
  const currency = v.summary?.currency ?? null
  const labels = v.series.map((d) => d.date)
  const custom = v.range.kind === 'custom'
  const placementNames = v.placements.map((p) => p.placement).filter((p): p is string => !!p)
  if (v.filters.placement && !placementNames.includes(v.filters.placement)) placementNames.unshift(v.filters.placement)
  const filterText = [v.filters.placement && `placement “${v.filters.placement}”`, v.filters.strategy && `strategy ${strategyLabel(v.filters.strategy)}`].filter(Boolean).join(', ')

  return (
    <>
      <PageHeader title="Analytics" lead={`${rangeLabel(v.range)}${v.meta ? ` (${v.meta.from} to ${v.meta.to}, UTC)` : ''}${filterText ? ` · ${filterText}` : ''}`}>
        <a class="btn btn-secondary" href={`${props.exportPath}${toSearch({ ...carry, ...v.query })}`} download>Export CSV</a>
      </PageHeader>

      <form method="get" action={base} class="card analytics-filters" aria-label="Date range and filters">
        {Object.entries(carry).map(([name, value]) => <input key={name} type="hidden" name={name} value={value} />)}
        <fieldset class="range-choices">
          <legend>Date range</legend>
          {(['7d', '30d', '90d'] as const).map((p) => (
            <label key={p} class="choice">
              <input type="radio" name="range" value={p} checked={v.range.kind === 'preset' && v.range.preset === p} />
              Last {p.slice(0, -1)} days
            </label>
          ))}
          <label class="choice">
            <input type="radio" name="range" value="custom" checked={custom} /> Custom
          </label>
        </fieldset>
        <div class="form-row">
          <div class="field">
            <label for="a-from">From (UTC)</label>
            <input id="a-from" type="date" name="from" value={custom && v.range.kind === 'custom' ? v.range.from : v.meta?.from} aria-describedby={v.rangeError ? 'a-range-error' : undefined} />
          </div>
          <div class="field">
            <label for="a-to">To (UTC)</label>
            <input id="a-to" type="date" name="to" value={custom && v.range.kind === 'custom' ? v.range.to : v.meta?.to} />
          </div>
          <div class="field">
            <label for="a-placement">Placement</label>
            <select id="a-placement" name="placement">
              <option value="" selected={!v.filters.placement}>All placements</option>
              {placementNames.map((p) => <option key={p} value={p} selected={p === v.filters.placement}>{p}</option>)}
            </select>
          </div>
          <div class="field">
            <label for="a-strategy">Strategy</label>
            <select id="a-strategy" name="strategy">
              <option value="" selected={!v.filters.strategy}>All strategies</option>
              {STRATEGIES.map((s) => <option key={s} value={s} selected={s === v.filters.strategy}>{strategyLabel(s)}</option>)}
            </select>
          </div>
          <div class="field"><button type="submit" class="btn">Apply</button></div>
        </div>
        {v.rangeError && <p id="a-range-error" class="error" role="alert">{v.rangeError}</p>}
      </form>

      <ProblemAlert problem={v.problem} />

      <div class="form-row" style="align-items:center;margin-bottom:1rem">
        <p class="muted small" style="margin:0" aria-live="polite" id="analytics-updated">
          {refreshing.value ? 'Refreshing…' : `Updated ${v.loadedAt.slice(11, 19)} UTC; ${paused.value ? 'automatic refresh paused.' : 'refreshes every minute.'}`}
          {refreshFailed.value && ' The last refresh failed; showing the previous numbers.'}
        </p>
        <button type="button" class="btn btn-secondary" onClick$={togglePause} aria-pressed={paused.value ? 'true' : 'false'}>
          {paused.value ? 'Resume automatic refresh' : 'Pause automatic refresh'}
        </button>
      </div>

      <KpiGrid label={`Key figures, ${rangeLabel(v.range)}`}>
        <KpiCard label="Impressions" value={formatCount(v.summary?.impressions)} />
        <KpiCard label="Clicks" value={formatCount(v.summary?.clicks)} />
        <KpiCard label="CTR" value={formatPercent(v.summary?.ctr)} hint="clicks / impressions" />
        <KpiCard label="Conversions" value={formatCount(v.summary?.conversions)} hint="attributed purchases" />
        <KpiCard label="Revenue" value={formatMoney(v.summary?.revenue, currency)} hint="attributed" />
      </KpiGrid>

      <section aria-labelledby="h-daily" class="card">
        <h2 id="h-daily">Recommendation performance over time</h2>
        <LineChart
          id="daily-chart"
          title="Daily impressions, clicks and conversions"
          labels={labels}
          series={SERIES.map((s) => ({ ...s, values: v.series.map((d) => d[s.key]) }))}
        />
      </section>

      <section aria-labelledby="h-placements">
        <h2 id="h-placements">Placements</h2>
        <div class="table-wrap">
          <table id="placements-table">
            <caption class="sr-only">Performance per placement</caption>
            <thead><tr>
              <th scope="col">Placement</th>
              <th scope="col" class="num">Impressions</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">CTR</th>
              <th scope="col" class="num">Conversions</th><th scope="col" class="num">Revenue</th>
            </tr></thead>
            <tbody>
              {v.placements.length === 0 && <tr><td colSpan={6} class="muted">No placements in this range.</td></tr>}
              {v.placements.map((p) => (
                <tr key={p.placement ?? '(none)'}>
                  <th scope="row" class="row-head">
                    {p.placement
                      ? <Link href={`${base}${toSearch({ ...carry, ...v.query, placement: p.placement })}`} aria-label={`Show only placement ${p.placement}`}>{p.placement}</Link>
                      : <span class="muted">(none)</span>}
                  </th>
                  <MetricCells row={p} currency={currency} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="h-top">
        <h2 id="h-top">Top products</h2>
        <ProductTable id="top-recommended" caption="Top 10 recommended products (most impressions)" rows={v.topRecommended} currency={currency} />
        <ProductTable id="top-clicked" caption="Top 10 clicked products (most recommendation clicks)" rows={v.topClicked} currency={currency} />
      </section>
    </>
  )
})
