// Server side of the analytics page: one call per panel, in parallel, through
// the console's API client (or an embedded page's session). Shared by the pages'
// routeLoader$ (first render) and their server$ refresh (every 60 s, no reload).
import type { RequestEventBase } from '@builder.io/qwik-city'
import { apiFetch, type ApiData, type ApiResponse, type ApiResult, type Problem } from '../../lib/api'
import { pageQuery, parseFilters, parseRange, rangeQuery, type DateRange } from './range'

export type Summary = ApiData<'/api/v1/analytics/summary', 'get'>
/** The counters every analytics row shares (MetricCells shows them). */
export type Kpis = Pick<Summary, 'impressions' | 'clicks' | 'ctr' | 'conversions' | 'revenue'>
export type DayPoint = ApiData<'/api/v1/analytics/timeseries', 'get'>[number]
export type ProductRow = ApiData<'/api/v1/analytics/top-products', 'get'>[number]
export type PlacementRow = ApiData<'/api/v1/analytics/placements', 'get'>[number]
export type RangeMeta = ApiResponse<'/api/v1/analytics/summary', 'get'>['meta']

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

/** One analytics read (`summary`, `timeseries`, …) with the page's query: as the signed-in admin, or as an embed session. */
export type AnalyticsGet = <T>(path: 'summary' | 'timeseries' | 'top-products' | 'placements', query: Record<string, string>) => Promise<ApiResult<T>>

/** The console's own page: the admin's session, X-Tenant-ID. */
export const adminAnalytics = (ev: RequestEventBase, tenantId: string): AnalyticsGet =>
  (path, query) => apiFetch(ev, `/api/v1/analytics/${path}`, { tenantId, query })

export async function loadAnalytics(ev: RequestEventBase, tenantId: string, params: URLSearchParams): Promise<AnalyticsView> {
  return loadAnalyticsWith(adminAnalytics(ev, tenantId), params)
}

/** Every panel's data, in parallel, through `call` (the console's or an embedded page's way to the API). */
export async function loadAnalyticsWith(call: AnalyticsGet, params: URLSearchParams): Promise<AnalyticsView> {
  const { range, error } = parseRange(params)
  const filters = parseFilters(params)
  const query = { ...rangeQuery(range), ...filters }
  const get = <P extends 'summary' | 'timeseries' | 'top-products' | 'placements'>(path: P, extra: Record<string, string> = {}) =>
    call<ApiData<`/api/v1/analytics/${P}`, 'get'>>(path, { ...query, ...extra })
  const [summary, series, rec, clk, pl] = await Promise.all([
    get('summary'), get('timeseries'),
    get('top-products', { by: 'recommended' }), get('top-products', { by: 'clicked' }),
    get('placements'),
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
