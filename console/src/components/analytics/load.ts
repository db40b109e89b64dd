// Server side of the analytics page: one call per panel, in parallel, through
// the console's API client. Shared by the page's routeLoader$ (first render)
// and its server$ refresh (every 60 s, no reload).
import type { RequestEventBase } from '@builder.io/qwik-city'
import { apiFetch, type Problem } from '../../lib/api'
import { pageQuery, parseFilters, parseRange, rangeQuery, type DateRange } from './range'

export interface Kpis { impressions: number; clicks: number; ctr: number; conversions: number; revenue: number }
export interface Summary extends Kpis { currency: string | null }
export interface DayPoint { date: string; impressions: number; clicks: number; conversions: number; revenue: number }
export interface ProductRow extends Kpis { productId: string; name: string | null }
export interface PlacementRow extends Kpis { placement: string | null }
export interface RangeMeta { from: string; to: string; range: string }

export interface AnalyticsView {
  range: DateRange
  rangeError: string | null
  filters: { placement?: string; strategy?: string }
  /** The page's own query string for this view (CSV link, refresh). */
  query: Record<string, string | undefined>
  meta: RangeMeta | null
  summary: Summary | null
  series: DayPoint[]
  topRecommended: ProductRow[]
  topClicked: ProductRow[]
  placements: PlacementRow[]
  problem: Problem | null
  loadedAt: string
}

export async function loadAnalytics(ev: RequestEventBase, tenantId: string, params: URLSearchParams): Promise<AnalyticsView> {
  const { range, error } = parseRange(params)
  const filters = parseFilters(params)
  const query = { ...rangeQuery(range), ...filters }
  const get = <T>(path: string, extra: Record<string, string> = {}) => apiFetch<T>(ev, `/api/v1/analytics/${path}`, { tenantId, query: { ...query, ...extra } })
  const [summary, series, rec, clk, pl] = await Promise.all([
    get<Summary>('summary'), get<DayPoint[]>('timeseries'),
    get<ProductRow[]>('top-products', { by: 'recommended' }), get<ProductRow[]>('top-products', { by: 'clicked' }),
    get<PlacementRow[]>('placements'),
  ])
  const failed = [summary, series, rec, clk, pl].find((r) => !r.ok)
  return {
    range, rangeError: error ?? null, filters, query: pageQuery(range, filters),
    meta: summary.ok ? (summary.meta as RangeMeta) : null,
    summary: summary.ok ? summary.data : null,
    series: series.ok ? series.data : [],
    topRecommended: rec.ok ? rec.data : [],
    topClicked: clk.ok ? clk.data : [],
    placements: pl.ok ? pl.data : [],
    problem: failed && !failed.ok ? failed.problem : null,
    loadedAt: new Date().toISOString(),
  }
}
