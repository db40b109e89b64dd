import { component$ } from '@builder.io/qwik'
import { formatCount, formatMoney, formatPercent } from './format'
import type { Kpis } from './load'

/** The five metric columns, named exactly as the KPI cards and the CSV export name them. */
export const METRIC_COLUMNS = ['Impressions', 'Clicks', 'CTR', 'Conversions', 'Revenue'] as const

export const MetricCells = component$<{ row: Kpis; currency: string | null }>(({ row, currency }) => (
  <>
    <td class="num">{formatCount(row.impressions)}</td>
    <td class="num">{formatCount(row.clicks)}</td>
    <td class="num">{formatPercent(row.ctr)}</td>
    <td class="num">{formatCount(row.conversions)}</td>
    <td class="num">{formatMoney(row.revenue, currency)}</td>
  </>
))
