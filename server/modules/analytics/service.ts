// Analytics (F-009): KPIs, daily series, top products, placements, the CSV
// export and the cross-tenant overview, all read from the rollups that
// ingestion maintains (attribution happens there: see events/ingest/effects.ts) and,
// for filtered top-10s, from the weekly folds of them (fold.ts).
import type { RawSql } from '../../../db/client.ts'
import {
  catalogCurrency, currentWeekFolds, dailyMetrics, inOneSnapshot, placementMetrics, tenantMetrics, topProductsBy, trafficByShopper,
  type RollupFilter, type TopBy as RankBy, type TopProductRow,
} from '../../../db/queries/analytics.ts'
import { ctr, fillDays, kpis, METRIC_HEADERS, money, resolveRange, splitRange, sumMetrics, toCsv, type DayRange } from './compute.ts'
import { planFoldedRead } from './fold.ts'
import { MAX_PLACEMENTS } from './model.ts'

export interface AnalyticsQuery { range?: string; from?: string; to?: string; placement?: string; strategy?: string }
export type TopBy = 'recommended' | 'clicked'

export interface AnalyticsDeps {
  raw: RawSql; clock: () => Date; currencyTtlMs?: number
  /** The tenant's segment keys, and which of them each of these shoppers is in now. */
  segments: { membershipOf(tenantId: string, userIds: readonly string[]): Promise<{ keys: string[]; of: Map<string, string[]> }> }
}

/** The segment breakdown reads the traffic of at most this many shoppers (those with most impressions). */
export const SEGMENT_BREAKDOWN_SHOPPERS = 20_000

export function createAnalyticsService(d: AnalyticsDeps) {
  const currencyTtlMs = d.currencyTtlMs ?? 60_000
  // The catalog's currency changes rarely and costs a pass over the catalog: cached per instance briefly.
  const currencies = new Map<string, { value: string | null; until: number }>()
  async function currency(tenantId: string) {
    const hit = currencies.get(tenantId)
    if (hit && hit.until > Date.now()) return hit.value
    const value = await catalogCurrency(d.raw, tenantId)
    if (currencies.size > 10_000) currencies.clear()
    currencies.set(tenantId, { value, until: Date.now() + currencyTtlMs })
    return value
  }

  /** The days asked for (also the response's meta) and the rollup filter. */
  const scope = (q: AnalyticsQuery): { meta: DayRange; filter: RollupFilter } => {
    const meta = resolveRange(q, d.clock())
    return { meta, filter: { from: meta.from, to: meta.to, placement: q.placement, strategy: q.strategy } }
  }

  async function timeseries(tenantId: string, q: AnalyticsQuery) {
    const { filter, meta } = scope(q)
    return { data: fillDays(meta.from, meta.to, await dailyMetrics(d.raw, tenantId, filter)), meta }
  }

  /**
   * Top-10s over one aggregation. Unfiltered, from the per-product totals;
   * filtered, from the weekly folds still current plus the daily rows of the
   * days they do not cover, read in one snapshot with the check of which
   * folds are current.
   */
  function ranked(tenantId: string, filter: RollupFilter, bys: RankBy[]) {
    if (!filter.placement && !filter.strategy) return topProductsBy(d.raw, tenantId, filter, { totals: splitRange(filter.from, filter.to) }, bys)
    return inOneSnapshot(d.raw, async (tx) => {
      const folds = await currentWeekFolds(tx, tenantId, filter.from, filter.to)
      return topProductsBy(tx, tenantId, filter, { folded: planFoldedRead(filter.from, filter.to, folds) }, bys)
    })
  }

  const topRow = (r: TopProductRow) => ({ productId: r.product_id, name: r.name, ...kpis(r) })
  async function top(tenantId: string, q: AnalyticsQuery & { by?: TopBy }) {
    const { filter, meta } = scope(q)
    const by = q.by ?? 'recommended'
    const rank = by === 'recommended' ? 'impressions' : 'clicks'
    const rows = (await ranked(tenantId, filter, [rank]))[rank]!
    return { data: rows.map(topRow), meta: { ...meta, by } }
  }
  /** Both top-10s from one aggregation (what the export needs). */
  async function bothTops(tenantId: string, q: AnalyticsQuery) {
    const { filter } = scope(q)
    const r = await ranked(tenantId, filter, ['impressions', 'clicks'])
    return { recommended: { data: r.impressions!.map(topRow) }, clicked: { data: r.clicks!.map(topRow) } }
  }

  async function placements(tenantId: string, q: AnalyticsQuery) {
    const { filter, meta } = scope(q)
    const rows = await placementMetrics(d.raw, tenantId, filter, MAX_PLACEMENTS)
    return { data: rows.map((r) => ({ placement: r.placement || null, ...kpis(r) })), meta }
  }

  /**
   * Recommendation traffic per segment: the raw impression and click events of the range, per shopper, with
   * each shopper counted in the segments they are in now (membership is not stored with events: a shopper who
   * became a buyer last week counts as a buyer for the whole range). A shopper in several segments counts in
   * each. Bounded: the SEGMENT_BREAKDOWN_SHOPPERS shoppers with most impressions (meta.complete says whether
   * that was everyone). Conversions are attributed in the rollups, which keep no shopper, so they are not split.
   */
  async function segmentBreakdown(tenantId: string, q: AnalyticsQuery) {
    const { filter, meta } = scope(q)
    const rows = await trafficByShopper(d.raw, tenantId, filter, SEGMENT_BREAKDOWN_SHOPPERS + 1)
    const complete = rows.length <= SEGMENT_BREAKDOWN_SHOPPERS
    const counted = rows.slice(0, SEGMENT_BREAKDOWN_SHOPPERS)
    const { keys, of } = await d.segments.membershipOf(tenantId, counted.map((r) => r.user_id))
    const sums = new Map(keys.map((k) => [k, { shoppers: 0, impressions: 0, clicks: 0 }]))
    for (const r of counted) {
      for (const k of of.get(r.user_id) ?? []) {
        const s = sums.get(k)
        if (s) { s.shoppers++; s.impressions += r.impressions; s.clicks += r.clicks }
      }
    }
    return {
      data: keys.map((segment) => { const s = sums.get(segment)!; return { segment, ...s, ctr: ctr(s.clicks, s.impressions) } }),
      meta: { ...meta, shoppers: counted.length, complete, membership: 'now' as const },
    }
  }

  return {
    segments: segmentBreakdown,
    async summary(tenantId: string, q: AnalyticsQuery) {
      const { filter, meta } = scope(q)
      const [rows, cur] = await Promise.all([dailyMetrics(d.raw, tenantId, filter), currency(tenantId)])
      return { data: { ...kpis(sumMetrics(rows)), currency: cur }, meta }
    },
    timeseries,
    topProducts: top,
    placements,

    /**
     * Everything the analytics page shows, as CSV: the daily series with a
     * total row, the placement table and both top-10 tables, each section
     * with its own header row (the names the page displays).
     */
    async exportCsv(tenantId: string, q: AnalyticsQuery) {
      const [series, byPlacement, { recommended, clicked }, cur] = await Promise.all([
        timeseries(tenantId, q), placements(tenantId, q), bothTops(tenantId, q), currency(tenantId),
      ])
      const rate = (x: number) => Number(x.toFixed(6))
      const total = sumMetrics(series.data)
      const body = toCsv([
        {
          header: ['Date', ...METRIC_HEADERS],
          rows: [
            ...series.data.map((p) => [p.date, p.impressions, p.clicks, rate(ctr(p.clicks, p.impressions)), p.conversions, p.revenue]),
            ['Total', total.impressions, total.clicks, rate(ctr(total.clicks, total.impressions)), total.conversions, money(total.revenue)],
          ],
        },
        { header: ['Placement', ...METRIC_HEADERS], rows: byPlacement.data.map((p) => [p.placement ?? '(none)', p.impressions, p.clicks, rate(p.ctr), p.conversions, p.revenue]) },
        { header: ['Top recommended product', 'Product ID', ...METRIC_HEADERS], rows: recommended.data.map((p) => [p.name, p.productId, p.impressions, p.clicks, rate(p.ctr), p.conversions, p.revenue]) },
        { header: ['Top clicked product', 'Product ID', ...METRIC_HEADERS], rows: clicked.data.map((p) => [p.name, p.productId, p.impressions, p.clicks, rate(p.ctr), p.conversions, p.revenue]) },
        { header: ['From', 'To', 'Currency'], rows: [[series.meta.from, series.meta.to, cur]] },
      ])
      return { body, filename: `analytics-${tenantId}-${series.meta.from}-to-${series.meta.to}.csv` }
    },

    /** The KPIs of each tenant of an account (only its own: the query is scoped by account). */
    async overview(accountId: string, q: AnalyticsQuery) {
      const { filter, meta } = scope(q)
      const rows = await tenantMetrics(d.raw, accountId, filter)
      const curs = await Promise.all(rows.map((r) => currency(r.tenant_id)))
      return { data: rows.map((r, i) => ({ tenantId: r.tenant_id, name: r.name, status: r.status, ...kpis(r), currency: curs[i] })), meta }
    },
  }
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>
