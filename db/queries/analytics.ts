// Analytics reads from the rollups that ingestion maintains (analytics_daily,
// analytics_product_daily, analytics_product_totals) and from the weekly ones
// a background fold derives from them (analytics_product_weekly), never from
// raw events, so their cost grows with days × placements × products, not with events.
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
/** The `limit` placements with most impressions: placements are the tenant's own strings, so there may be any number. */
export async function placementMetrics(raw: RawSql, tenantId: string, f: RollupFilter, limit: number) {
  const w = scoped(f)
  return raw.query<Metrics & { placement: string }>(
    `select placement, ${METRICS} from analytics_daily where tenant_id = $1 and ${w.sql}
     group by placement order by impressions desc, clicks desc, placement limit ${Math.trunc(limit)}`, [tenantId, ...w.params])
}

/**
 * How a day range is read from the totals table: whole ISO weeks from the
 * weekly rows, the ragged ends from the daily rows. Ranges are closed;
 * null means "nothing from this part".
 */
export interface RangeSplit { head: [string, string] | null; weeks: [string, string] | null; tail: [string, string] | null }

/**
 * How a filtered range is read (planned by analytics/fold.ts): these folded
 * weeks (Mondays) whole, plus these days' daily rows, minus these days' daily
 * rows (days of a folded week that lie outside the range).
 */
export interface FoldedRead { weeks: string[]; plus: string[]; minus: string[] }

/** Where a top-10 reads from: the per-product totals (unfiltered), or folded weeks and daily rows (filtered). */
export type ProductSource = { totals: RangeSplit } | { folded: FoldedRead }

export type TopBy = 'impressions' | 'clicks'
export interface TopProductRow extends Metrics { product_id: string; name: string | null }

/** A date[] parameter, written as an array literal: both drivers pass text through unchanged. */
const dates = (days: string[]) => `{${days.join(',')}}`

/**
 * The per-product rows a top-10 sums, as index scans unioned (not one OR,
 * which the planner turns into a bitmap heap scan). Unfiltered, the totals:
 * whole weeks plus the days at either end, ~18 rows per product for 90 days.
 * Filtered, the folded weeks at the filter's dimensions (one row per product
 * and week, whatever the other dimension held) and the daily rows of the
 * days no fold covers, minus those of folded days outside the range.
 */
function productScans(f: RollupFilter, source: ProductSource) {
  const params: unknown[] = []
  const p = (v: unknown) => { params.push(v); return `$${params.length + 1}` }
  const cols = 'product_id, impressions, clicks, conversions, revenue'
  if ('totals' in source) {
    const { head, tail, weeks } = source.totals
    const scans = ([['d', head], ['d', tail], ['w', weeks]] as const).filter(([, r]) => r !== null).map(([grain, r]) =>
      `select ${cols} from analytics_product_totals where tenant_id = $1 and grain = ${p(grain)} and day between ${p(r![0])}::date and ${p(r![1])}::date`)
    return { sql: scans.join(' union all '), params }
  }
  const { weeks, plus, minus } = source.folded
  const dims = f.placement && f.strategy ? 'ps' : f.placement ? 'p' : 's'
  const scans: string[] = []
  if (weeks.length) {
    scans.push(`select ${cols} from analytics_product_weekly where tenant_id = $1 and week = any(${p(dates(weeks))}::date[])
      and dims = ${p(dims)} and placement = ${p(f.placement ?? '')} and strategy = ${p(f.strategy ?? '')}`)
  }
  const daily = (days: string[], sign: '' | '-') => {
    let sql = `select product_id, ${sign}impressions, ${sign}clicks, ${sign}conversions, ${sign}revenue from analytics_product_daily
      where tenant_id = $1 and day = any(${p(dates(days))}::date[])`
    if (f.placement) sql += ` and placement = ${p(f.placement)}`
    if (f.strategy) sql += ` and strategy = ${p(f.strategy)}`
    return sql
  }
  if (plus.length) scans.push(daily(plus, ''))
  if (minus.length) scans.push(daily(minus, '-'))
  return { sql: scans.join(' union all '), params }
}

/**
 * The ten products with the most impressions (or clicks) in the range, only
 * those with at least one, with their catalog names; for several rankings
 * over one aggregation (the CSV export shows both): the per-product sums are
 * the expensive part, so they are computed once (a CTE referenced twice is
 * materialised) and each ranking takes its ten from them. Sums are float8:
 * bigint sums are numeric, several times slower.
 */
export async function topProductsBy(raw: RawSql, tenantId: string, f: RollupFilter, source: ProductSource, bys: TopBy[], limit = 10): Promise<Partial<Record<TopBy, TopProductRow[]>>> {
  const orderOf = (by: TopBy) => (by === 'impressions' ? 'impressions desc, clicks desc' : 'clicks desc, impressions desc')
  const scans = productScans(f, source)
  const n = scans.params.length + 2
  const tops = bys.map((by, k) => `t${k} as (select ${k} as ranking, row_number() over (order by ${orderOf(by)}, product_id) as rank, *
     from (select * from ranked where ${by} > 0 order by ${orderOf(by)}, product_id limit $${n}) x)`)
  const rows = await raw.query<TopProductRow & { ranking: number; rank: unknown }>(
    `with ranked as (select product_id, ${METRICS} from (${scans.sql}) x group by product_id), ${tops.join(', ')}
     select top.*, ci.name from (${bys.map((_, k) => `select * from t${k}`).join(' union all ')}) top
     left join catalog_items ci on ci.tenant_id = $1 and ci.product_id = top.product_id
     order by top.ranking, top.rank`, [tenantId, ...scans.params, limit])
  const out: Partial<Record<TopBy, TopProductRow[]>> = {}
  bys.forEach((by, k) => {
    out[by] = rows.filter((r) => Number(r.ranking) === k).map(({ ranking, rank, ...row }) => row)
  })
  return out
}

/**
 * Runs `fn` in one read-only REPEATABLE READ transaction, so that which folds
 * are current and the rows read with them come from the same snapshot (a fold
 * committed in between would otherwise be read on top of the daily rows it
 * replaced).
 */
export function inOneSnapshot<T>(raw: RawSql, fn: (tx: RawSql) => Promise<T>): Promise<T> {
  return raw.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only')
    return fn(tx)
  })
}

/** A fold `f` (of tenant $1) is current while analytics_daily's totals over its days are those it recorded. */
const FOLD_IS_CURRENT = `(f.impressions, f.clicks, f.conversions) = (
  select coalesce(sum(a.impressions), 0), coalesce(sum(a.clicks), 0), coalesce(sum(a.conversions), 0)
  from analytics_daily a where a.tenant_id = $1 and a.day between f.week and f.through)`

/**
 * The tenant's folds that overlap [from, to] and are still current: their
 * recorded totals equal analytics_daily's over the days they cover (a few
 * rows per day). Rollups only grow, so equal totals mean no event has
 * reached those days since the fold.
 */
export async function currentWeekFolds(raw: RawSql, tenantId: string, from: string, to: string) {
  return raw.query<{ week: string; through: string }>(
    `select f.week::text as week, f.through::text as through from analytics_week_folds f
     where f.tenant_id = $1 and f.week between $2::date - 6 and $3::date and f.through >= $2::date and ${FOLD_IS_CURRENT}
     order by f.week`, [tenantId, from, to])
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
export async function tenantMetrics(raw: RawSql, accountId: string, f: RollupFilter) {
  const w = scoped(f, 'a.')
  return raw.query<TenantMetricsRow>(
    `select t.id as tenant_id, t.name, t.status,
       coalesce(sum(a.impressions::float8), 0) as impressions, coalesce(sum(a.clicks::float8), 0) as clicks,
       coalesce(sum(a.conversions::float8), 0) as conversions, coalesce(sum(a.revenue), 0) as revenue
     from tenants t
     left join analytics_daily a on a.tenant_id = t.id and ${w.sql}
     where t.account_id = $1 and t.status <> 'deleted'
     group by t.id order by t.created_at, t.id`, [accountId, ...w.params])
}

// ---- Ingestion side: runs inside the group-commit transaction.

export async function addDailyRollups(raw: RawSql, rows: ({ tenantId: string; day: string; placement: string; strategy: string; experimentId: string; arm: string } & Metrics)[]) {
  if (!rows.length) return
  await raw.query(
    `insert into analytics_daily (tenant_id, day, placement, strategy, experiment_id, arm, impressions, clicks, conversions, revenue)
     select "tenantId", day, placement, strategy, "experimentId", arm, impressions, clicks, conversions, revenue
     from jsonb_to_recordset($1::jsonb) as x("tenantId" uuid, day date, placement text, strategy text, "experimentId" text, arm text,
       impressions bigint, clicks bigint, conversions bigint, revenue float8)
     on conflict (tenant_id, day, placement, strategy, experiment_id, arm) do update set
       impressions = analytics_daily.impressions + excluded.impressions, clicks = analytics_daily.clicks + excluded.clicks,
       conversions = analytics_daily.conversions + excluded.conversions, revenue = analytics_daily.revenue + excluded.revenue`,
    [JSON.stringify(rows)],
  )
}

export async function addProductRollups(raw: RawSql, rows: ({ tenantId: string; day: string; productId: string; placement: string; strategy: string } & Metrics)[]) {
  if (!rows.length) return
  await raw.query(
    `insert into analytics_product_daily (tenant_id, day, product_id, placement, strategy, impressions, clicks, conversions, revenue)
     select "tenantId", day, "productId", placement, strategy, impressions, clicks, conversions, revenue
     from jsonb_to_recordset($1::jsonb) as x("tenantId" uuid, day date, "productId" text, placement text, strategy text,
       impressions bigint, clicks bigint, conversions bigint, revenue float8)
     on conflict (tenant_id, day, product_id, placement, strategy) do update set
       impressions = analytics_product_daily.impressions + excluded.impressions, clicks = analytics_product_daily.clicks + excluded.clicks,
       conversions = analytics_product_daily.conversions + excluded.conversions, revenue = analytics_product_daily.revenue + excluded.revenue`,
    [JSON.stringify(rows)],
  )
}

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

// ---- Fold side: the background weekly fold (analytics/fold-worker.ts).

/**
 * analytics_daily's totals per tenant (deleted ones left out) and week, over
 * the days from `since` (all history when null) to `lastDay`: a few rows per
 * day and tenant, read tenant by tenant along the primary key. What the fold
 * worker compares with the folds.
 */
export async function weeklyDailyTotals(raw: RawSql, since: string | null, lastDay: string) {
  return raw.query<{ tenantId: string; week: string; impressions: number; clicks: number; conversions: number }>(
    `select t.id as "tenantId", d.week, d.impressions, d.clicks, d.conversions from tenants t
     cross join lateral (
       select (a.day - extract(isodow from a.day)::int + 1)::text as week, sum(a.impressions)::float8 as impressions,
         sum(a.clicks)::float8 as clicks, sum(a.conversions)::float8 as conversions
       from analytics_daily a where a.tenant_id = t.id and a.day between coalesce($1::date, '-infinity') and $2::date
       group by 1) d
     where t.status <> 'deleted'`, [since, lastDay])
}

/** The folds recorded, of weeks from `since` on (all when null). */
export async function weekFoldStates(raw: RawSql, since: string | null) {
  return raw.query<{ tenantId: string; week: string; through: string; impressions: number; clicks: number; conversions: number }>(
    `select f.tenant_id as "tenantId", f.week::text as week, f.through::text as through,
       f.impressions::float8 as impressions, f.clicks::float8 as clicks, f.conversions::float8 as conversions
     from tenants t join analytics_week_folds f on f.tenant_id = t.id and f.week >= coalesce($1::date, '-infinity')
     where t.status <> 'deleted'`, [since])
}

/** Advisory lock namespace of week folds (the migrations use 72810501 alone). */
const FOLD_LOCK = 72810502

/**
 * Folds one tenant's week over [week, through]: replaces its weekly rows with
 * fresh sums of the daily rollups and records the totals they came from, in
 * one transaction, so it can be repeated at will. A transaction-scoped
 * advisory lock keeps two instances from folding the same week at once (it
 * goes with the connection if the instance dies); the other one skips it.
 * Returns false when skipped: locked elsewhere, or already current.
 */
export async function foldWeek(raw: RawSql, tenantId: string, week: string, through: string): Promise<boolean> {
  return raw.transaction(async (tx) => {
    const [{ locked }] = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1::int, hashtext($2::text || $3::text)) as locked', [FOLD_LOCK, tenantId, week])
    if (!locked) return false
    // Another instance may have just folded it (plans are made without the lock).
    const [fresh] = await tx.query(
      `select 1 from analytics_week_folds f where f.tenant_id = $1 and f.week = $2::date and f.through = $3::date and ${FOLD_IS_CURRENT}`,
      [tenantId, week, through])
    if (fresh) return false
    await tx.query('delete from analytics_product_weekly where tenant_id = $1 and week = $2::date', [tenantId, week])
    // One statement, so the rows and the analytics_daily totals recorded with
    // them come from one snapshot. Written in key order, so a filter's rows of
    // a week sit together on disk. Rows keyed by an empty placement or
    // strategy are left out: filters are never empty.
    await tx.query(
      `with src as materialized (
         select product_id, placement, strategy, impressions, clicks, conversions, revenue
         from analytics_product_daily where tenant_id = $1 and day between $2::date and $3::date),
       folded as (
         insert into analytics_product_weekly (tenant_id, week, dims, placement, strategy, product_id, impressions, clicks, conversions, revenue)
         select $1, $2::date, dims, placement, strategy, product_id, impressions, clicks, conversions, revenue from (
           select case when grouping(strategy) = 1 then 'p' when grouping(placement) = 1 then 's' else 'ps' end as dims,
             coalesce(placement, '') as placement, coalesce(strategy, '') as strategy, product_id,
             sum(impressions) as impressions, sum(clicks) as clicks, sum(conversions) as conversions, sum(revenue) as revenue
           from src
           group by grouping sets ((placement, product_id), (strategy, product_id), (placement, strategy, product_id))) x
         where (dims = 's' or placement <> '') and (dims = 'p' or strategy <> '')
         order by dims, placement, strategy, product_id)
       insert into analytics_week_folds (tenant_id, week, through, impressions, clicks, conversions, folded_at)
       select $1, $2::date, $3::date, coalesce(sum(impressions), 0), coalesce(sum(clicks), 0), coalesce(sum(conversions), 0), now()
       from analytics_daily where tenant_id = $1 and day between $2::date and $3::date
       on conflict (tenant_id, week) do update set through = excluded.through, impressions = excluded.impressions,
         clicks = excluded.clicks, conversions = excluded.conversions, folded_at = excluded.folded_at`,
      [tenantId, week, through])
    return true
  })
}

/** One placement's distinct (shopper, UTC day) pairs on the days counted ('' = no placement), and what the read covered. */
export interface ShopperDays { placement: string; shopper_days: number; read: number; first_day: string; oldest_ms: number }

/**
 * Distinct (user, UTC day) pairs per placement among the tenant's newest
 * `limit` recommendation_impressed events in [since, until): the limit walks
 * events_tenant_ts_idx backwards, so the cost is bounded however busy the tenant.
 * A read the limit cut short starts inside its first day: that day's pairs are
 * left out (the caller divides by the whole days that remain) unless it is the only day.
 */
export async function recentShopperDays(raw: RawSql, tenantId: string, since: Date, until: Date, limit: number) {
  return raw.query<ShopperDays>(
    `with recent as (
       select user_id, coalesce(placement, '') as placement, (ts at time zone 'UTC')::date as day, ts from events
       where tenant_id = $1 and ts >= $2 and ts < $3 and event_type = 'recommendation_impressed'
       order by ts desc limit ${Math.trunc(limit)}),
     b as (select count(*) as n, min(day) as first_day, max(day) as last_day, min(ts) as oldest from recent)
     select r.placement, count(distinct (r.user_id, r.day))::float8 as shopper_days, b.n::float8 as read,
       b.first_day::text as first_day, (extract(epoch from b.oldest) * 1000)::float8 as oldest_ms
     from recent r cross join b
     where b.n < ${Math.trunc(limit)} or r.day > b.first_day or b.first_day = b.last_day
     group by r.placement, b.n, b.first_day, b.oldest`, [tenantId, since.toISOString(), until.toISOString()])
}

/** One shopper's recommendation traffic over a range (raw events: the rollups keep no shopper). */
export interface ShopperTraffic { user_id: string; impressions: number; clicks: number }

/**
 * Recommendation impressions and clicks per shopper over the days [from, to] (placement and strategy as
 * filtered), the `limit` shoppers with most impressions first: the segment breakdown reads these.
 */
export async function trafficByShopper(raw: RawSql, tenantId: string, f: RollupFilter, limit: number): Promise<ShopperTraffic[]> {
  const params: unknown[] = [tenantId, f.from, f.to, limit]
  const where = [
    ...(f.placement === undefined ? [] : [`placement = $${params.push(f.placement)}`]),
    ...(f.strategy === undefined ? [] : [`strategy = $${params.push(f.strategy)}`]),
  ]
  return raw.query<ShopperTraffic>(
    `select user_id, count(*) filter (where event_type = 'recommendation_impressed')::int as impressions,
       count(*) filter (where event_type = 'recommendation_clicked')::int as clicks
     from events where tenant_id = $1 and ts >= $2::date and ts < $3::date + 1
       and event_type in ('recommendation_impressed', 'recommendation_clicked') ${where.map((w) => `and ${w}`).join(' ')}
     group by user_id order by impressions desc, user_id limit $4`, params)
}
