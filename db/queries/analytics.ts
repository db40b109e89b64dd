// Analytics reads from the rollups that ingestion maintains (analytics_daily,
// analytics_product_daily, analytics_product_totals), never from raw events,
// so their cost grows with days × placements × products, not with events.
// Sums come back as float8: postgres.js returns bigint sums as strings and
// PGlite as numbers; counts stay exact far beyond any real volume (2^53).
import type { RawSql } from '../client.ts'

/** A closed range of UTC days ('YYYY-MM-DD') with the optional dimension filters. */
export interface RollupFilter { from: string; to: string; placement?: string; strategy?: string }

export interface Metrics { impressions: number; clicks: number; conversions: number; revenue: number }

const METRICS = `sum(impressions::float8) as impressions, sum(clicks::float8) as clicks,
  sum(conversions::float8) as conversions, sum(revenue) as revenue`

/**
 * The day range and the filters given, as SQL from parameter $2 on ($1 is the
 * tenant): only the conditions asked for, so each plan fits its query.
 * Empty strings stand for "none" in rollup keys; a filter value is never empty.
 */
function scoped(f: RollupFilter, column = '') {
  const params: unknown[] = [f.from, f.to]
  let sql = `${column}day between $2::date and $3::date`
  if (f.placement) { params.push(f.placement); sql += ` and ${column}placement = $${params.length + 1}` }
  if (f.strategy) { params.push(f.strategy); sql += ` and ${column}strategy = $${params.length + 1}` }
  return { sql, params }
}

/** One row per day that has any rollup (days without are absent). */
export async function dailyMetrics(raw: RawSql, tenantId: string, f: RollupFilter) {
  const w = scoped(f)
  return raw.query<Metrics & { day: string }>(
    `select day::text as day, ${METRICS} from analytics_daily where tenant_id = $1 and ${w.sql}
     group by day order by day`, [tenantId, ...w.params])
}

/** One row per placement ('' = events sent without one). */
export async function placementMetrics(raw: RawSql, tenantId: string, f: RollupFilter) {
  const w = scoped(f)
  return raw.query<Metrics & { placement: string }>(
    `select placement, ${METRICS} from analytics_daily where tenant_id = $1 and ${w.sql}
     group by placement order by impressions desc, clicks desc, placement`, [tenantId, ...w.params])
}

/**
 * How a day range is read from the totals table: whole ISO weeks from the
 * weekly rows, the ragged ends from the daily rows. Ranges are closed;
 * null means "nothing from this part".
 */
export interface RangeSplit { head: [string, string] | null; weeks: [string, string] | null; tail: [string, string] | null }

export type TopBy = 'impressions' | 'clicks'
export interface TopProductRow extends Metrics { product_id: string; name: string | null }

/**
 * The ten products with the most impressions or clicks in the range (only
 * those with at least one), with their catalog names. Unfiltered, from the
 * per-product totals: whole weeks plus the days at either end, three range
 * scans (not one OR, which the planner turns into a bitmap heap scan).
 * Filtered by placement or strategy, from the per-placement product rollups,
 * which cost more to read (NFR-007 allows 500 ms; see BENCHMARKS.md).
 * Sums are float8: bigint sums are numeric, several times slower.
 */
export async function topProducts(raw: RawSql, tenantId: string, f: RollupFilter, split: RangeSplit, by: TopBy, limit = 10) {
  return (await topProductsBy(raw, tenantId, f, split, [by], limit))[by]!
}

/**
 * Several top-10s over one aggregation (the CSV export shows both): the
 * per-product sums are the expensive part, so they are computed once (a CTE
 * referenced twice is materialised) and each ranking takes its ten from them.
 */
export async function topProductsBy(raw: RawSql, tenantId: string, f: RollupFilter, split: RangeSplit, bys: TopBy[], limit = 10): Promise<Partial<Record<TopBy, TopProductRow[]>>> {
  const orderOf = (by: TopBy) => (by === 'impressions' ? 'impressions desc, clicks desc' : 'clicks desc, impressions desc')
  let ranked: { sql: string; params: unknown[] }
  if (f.placement || f.strategy) {
    const w = scoped(f)
    ranked = { sql: `select product_id, ${METRICS} from analytics_product_daily where tenant_id = $1 and ${w.sql} group by product_id`, params: w.params }
  } else {
    const parts = ([['d', split.head], ['d', split.tail], ['w', split.weeks]] as const).filter(([, r]) => r !== null)
    const params: unknown[] = []
    const scans = parts.map(([grain, r]) => {
      params.push(grain, r![0], r![1])
      const n = params.length + 1
      return `select product_id, impressions, clicks, conversions, revenue from analytics_product_totals
        where tenant_id = $1 and grain = $${n - 2} and day between $${n - 1}::date and $${n}::date`
    })
    ranked = { sql: `select product_id, ${METRICS} from (${scans.join(' union all ')}) x group by product_id`, params }
  }
  const n = ranked.params.length + 2
  const tops = bys.map((by, k) => `t${k} as (select ${k} as ranking, row_number() over (order by ${orderOf(by)}, product_id) as rank, *
     from (select * from ranked where ${by} > 0 order by ${orderOf(by)}, product_id limit $${n}) x)`)
  const rows = await raw.query<TopProductRow & { ranking: number; rank: unknown }>(
    `with ranked as (${ranked.sql}), ${tops.join(', ')}
     select top.*, ci.name from (${bys.map((_, k) => `select * from t${k}`).join(' union all ')}) top
     left join catalog_items ci on ci.tenant_id = $1 and ci.product_id = top.product_id
     order by top.ranking, top.rank`, [tenantId, ...ranked.params, limit])
  const out: Partial<Record<TopBy, TopProductRow[]>> = {}
  bys.forEach((by, k) => {
    out[by] = rows.filter((r) => Number(r.ranking) === k).map(({ ranking, rank, ...row }) => row)
  })
  return out
}

/** The currency most of the tenant's live catalog is priced in, if it names any. */
export async function catalogCurrency(raw: RawSql, tenantId: string): Promise<string | null> {
  const [row] = await raw.query<{ currency: string }>(
    `select currency from catalog_items where tenant_id = $1 and currency is not null and deleted_at is null
     group by currency order by count(*) desc, currency limit 1`, [tenantId])
  return row?.currency ?? null
}

export interface TenantMetricsRow extends Metrics { tenant_id: string; name: string; status: string }

/** The same totals for each of an admin's tenants (deleted ones left out), oldest tenant first. */
export async function tenantMetrics(raw: RawSql, ownerId: string, f: RollupFilter) {
  const w = scoped(f, 'a.')
  return raw.query<TenantMetricsRow>(
    `select t.id as tenant_id, t.name, t.status,
       coalesce(sum(a.impressions::float8), 0) as impressions, coalesce(sum(a.clicks::float8), 0) as clicks,
       coalesce(sum(a.conversions::float8), 0) as conversions, coalesce(sum(a.revenue), 0) as revenue
     from tenants t
     left join analytics_daily a on a.tenant_id = t.id and ${w.sql}
     where t.owner_id = $1 and t.status <> 'deleted'
     group by t.id order by t.created_at, t.id`, [ownerId, ...w.params])
}

// ---- Ingestion side: runs inside the group-commit transaction.

export interface ProductTotalDelta extends Metrics { tenantId: string; grain: 'd' | 'w'; day: string; productId: string }

/** Adds one group's per-product totals (rows sorted by the caller, so concurrent groups lock in one order). */
export async function addProductTotals(raw: RawSql, rows: ProductTotalDelta[]) {
  if (!rows.length) return
  await raw.query(
    `insert into analytics_product_totals (tenant_id, grain, day, product_id, impressions, clicks, conversions, revenue)
     select "tenantId", grain, day, "productId", impressions, clicks, conversions, revenue
     from jsonb_to_recordset($1::jsonb) as x("tenantId" uuid, grain text, day date, "productId" text,
       impressions bigint, clicks bigint, conversions bigint, revenue float8)
     on conflict (tenant_id, grain, day, product_id) do update set
       impressions = analytics_product_totals.impressions + excluded.impressions, clicks = analytics_product_totals.clicks + excluded.clicks,
       conversions = analytics_product_totals.conversions + excluded.conversions, revenue = analytics_product_totals.revenue + excluded.revenue`,
    [JSON.stringify(rows)],
  )
}
