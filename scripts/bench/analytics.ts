// Analytics latency at 10M events (issue 7; goal ≤ 50 ms p95, PRD NFR-007
// < 500 ms at 100M). In a throw-away PostgreSQL database it writes 10M raw
// events for one tenant over the last 90 days (SQL generate_series: 5,000
// products with skewed popularity, 200,000 users, 4 placements, an experiment
// on one of them), then builds the rollups exactly as ingestion maintains them
// (attribution: the latest recommendation click on the same product by the
// same user within 24 h before the purchase, price × quantity), runs the
// background weekly fold over them (timed), checks the API against the raw
// events and the filtered top-10s against the daily rollups, and times every
// analytics endpoint through app.handle (auth, tenant check, validation, the
// queries, serialisation). Prints figures; asserts only that the answers are right.
//
//   bun scripts/bench/analytics.ts [--events 10000000] [--requests 200] [--keep]
//   (--keep leaves the database in place for EXPLAIN; drop it by hand)
//
// PostgreSQL: DATABASE_URL, else TEST_PG_ADMIN_URL, else postgres://postgres@127.0.0.1:5432/postgres;
// the benchmark database is created next to it and dropped at the end.
import { benchDatabase } from '../lib/bench-database.ts'
import { addDailyRollups, addProductRollups, addProductTotals } from '../../db/queries/analytics.ts'
import { createApp } from '../../server/app.ts'
import { MemoryCache } from '../../server/infra/cache/memory.ts'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/logger.ts'
import { rollupDeltas } from '../../server/modules/events/ingest/rollup.ts'
import { arg } from '../lib/args.ts'

const EVENTS = arg('--events', 10_000_000)
const REQUESTS = arg('--requests', 200)
const PRODUCTS = 5000
const USERS = 200_000
const DAYS = 90


const log = (s: string) => console.log(s)
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`
const pct = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] }

const { database, close } = await benchDatabase('analytics', 10)
try {
  await database.migrate()
  const raw = database.raw
  const app = await createApp({
    config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database, cache: new MemoryCache(), log: createLogger('silent'),
    mailer: { send: async () => {} }, usageFlushMs: 0, secrets: { jwtSecret: 'b'.repeat(40), apiKeyPepper: 'c'.repeat(40) },
  })
  app.markReady()
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.handle(new Request(`http://localhost${path}`, {
      method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
    }))
    return { status: res.status, text: await res.text() }
  }
  const signup = JSON.parse((await call('POST', '/api/v1/auth/signup', { email: 'bench@example.com', password: 'correct horse battery', name: 'Bench' })).text)
  const token: string = signup.data.accessToken
  const auth = { authorization: `Bearer ${token}` }
  const tenantId: string = JSON.parse((await call('POST', '/api/v1/tenants', { name: 'Bench shop' }, auth)).text).data.id
  await call('POST', '/api/v1/tenants', { name: 'Second shop' }, auth)

  // ---- seed: catalog, raw events, rollups
  let t0 = performance.now()
  await raw.query(
    `insert into catalog_items (tenant_id, product_id, name, price, currency)
     select $1, 'p' || i, 'Product ' || i, 5 + i % 100, 'EUR' from generate_series(0, $2 - 1) i`, [tenantId, PRODUCTS])
  const end = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000) // a minute ago, whole minutes
  const start = new Date(end.getTime() - DAYS * 86400_000)
  await raw.query('select ensure_event_partitions($1::timestamptz, $2::timestamptz)', [start.toISOString(), end.toISOString()])
  // Bulk load: the event indexes are built once afterwards (as the migration defines them), not row by row.
  await raw.query('drop index events_dedup_key')
  await raw.query('drop index events_tenant_ts_idx')
  // Each block of 100 events: 70 impressions, 5 clicks, 15 views, 7 add-to-carts, 3 purchases; the first
  // two purchases are of what clicks 70 and 71 of the block showed the same user (27 events, ~21 s,
  // earlier: attributed), the third is anyone's. Placement and strategy by block; on 'home' an
  // experiment splits blocks between collaborative (control) and trending (variant).
  await raw.query(
    `with g as (
       select g, g % 100 as pos, g / 100 as blk,
         case when g % 100 in (97, 98) then g - 27 else g end as src
       from generate_series(0, $2::bigint - 1) g),
     e as (
       select g.*,
         case when pos < 70 then 'recommendation_impressed' when pos < 75 then 'recommendation_clicked'
              when pos < 90 then 'product_viewed' when pos < 97 then 'add_to_cart' else 'purchase' end as event_type,
         'u' || ((src * 7919 + blk * 31) % ${USERS}) as user_id,
         -- skewed popularity: product i is picked with probability ∝ roughly 1/sqrt(i)
         'p' || floor(${PRODUCTS} * power(((src * 48271) % 1000003) / 1000003.0, 2))::int as product_id,
         (array['home', 'pdp', 'cart', 'search'])[1 + blk % 4] as placement,
         case blk % 4 when 0 then (case when blk % 8 = 0 then 'collaborative' else 'trending' end)
           when 1 then 'content_based' when 2 then 'frequently_bought_together' else 'trending' end as strategy
       from g)
     insert into events (tenant_id, event_type, user_id, product_id, ts, session_id, metadata, placement, strategy)
     select $1, event_type, user_id, product_id,
       $3::timestamptz + (g * ($4::float8 / $2::bigint)) * interval '1 millisecond', 's' || blk,
       case when event_type = 'purchase' then jsonb_build_object('price', 5 + (g % 100), 'quantity', 1 + g % 3, 'orderId', 'o' || g)
            when pos < 75 and blk % 4 = 0 then jsonb_build_object('experimentId', 'exp-home', 'variant', case when blk % 8 = 0 then 'control' else 'variant' end)
            else null end,
       case when pos < 75 then placement end, case when pos < 75 then strategy end
     from e`,
    [tenantId, EVENTS, start.toISOString(), end.getTime() - start.getTime()])
  await raw.query('create unique index events_dedup_key on events using btree (tenant_id, user_id, event_type, product_id, ts)')
  await raw.query('create index events_tenant_ts_idx on events using btree (tenant_id, ts)')
  await raw.query('analyze events')
  log(`seeded ${EVENTS.toLocaleString('en')} raw events in ${secs(t0)}`)
  t0 = performance.now()
  // The rollups, as the ingest path builds them (events/ingest/rollup.ts and effects.ts), in bulk.
  await raw.query(
    `create unlogged table bench_conv as
     select p.ts, p.product_id, c.placement, c.strategy, c.metadata->>'experimentId' as experiment_id, c.metadata->>'variant' as arm,
       coalesce((p.metadata->>'price')::float8, ci.price, 0) * coalesce((p.metadata->>'quantity')::float8, 1) as revenue
     from events p
     cross join lateral (
       select e.placement, e.strategy, e.metadata from events e
       where e.tenant_id = p.tenant_id and e.user_id = p.user_id and e.event_type = 'recommendation_clicked' and e.product_id = p.product_id
         and e.ts <= p.ts and e.ts >= p.ts - interval '24 hours'
       order by e.ts desc limit 1) c
     left join catalog_items ci on ci.tenant_id = p.tenant_id and ci.product_id = p.product_id
     where p.tenant_id = $1 and p.event_type = 'purchase'`, [tenantId])
  await raw.query(
    `create unlogged table bench_rec as
     select (ts at time zone 'UTC')::date as day, product_id, coalesce(placement, '') as placement, coalesce(strategy, '') as strategy,
       coalesce(metadata->>'experimentId', '') as experiment_id, coalesce(metadata->>'variant', '') as arm,
       (event_type = 'recommendation_impressed')::int as impressions, (event_type = 'recommendation_clicked')::int as clicks, 0 as conversions, 0::float8 as revenue
     from events where tenant_id = $1 and event_type in ('recommendation_impressed', 'recommendation_clicked')
     union all
     select (ts at time zone 'UTC')::date, product_id, coalesce(placement, ''), coalesce(strategy, ''), coalesce(experiment_id, ''), coalesce(arm, ''), 0, 0, 1, revenue
     from bench_conv`, [tenantId])
  await raw.query(
    `insert into analytics_daily (tenant_id, day, placement, strategy, experiment_id, arm, impressions, clicks, conversions, revenue)
     select $1, day, placement, strategy, experiment_id, arm, sum(impressions), sum(clicks), sum(conversions), sum(revenue) from bench_rec group by 2, 3, 4, 5, 6`, [tenantId])
  await raw.query(
    `insert into analytics_product_daily (tenant_id, day, product_id, placement, strategy, impressions, clicks, conversions, revenue)
     select $1, day, product_id, placement, strategy, sum(impressions), sum(clicks), sum(conversions), sum(revenue) from bench_rec
     group by 2, 3, 4, 5 order by 2, 3, 4, 5`, [tenantId])
  // Per-product totals by day, then by week, written in day order, as ingestion creates each day's rows on that day.
  await raw.query(
    `insert into analytics_product_totals (tenant_id, grain, day, product_id, impressions, clicks, conversions, revenue)
     select $1, g.grain, case when g.grain = 'w' then date_trunc('week', d.day)::date else d.day end as bucket, d.product_id,
       sum(d.impressions), sum(d.clicks), sum(d.conversions), sum(d.revenue)
     from analytics_product_daily d cross join (values ('d'), ('w')) as g(grain)
     where d.tenant_id = $1
     group by 2, 3, 4 order by 3, 2, 4`, [tenantId])
  for (const table of ['analytics_daily', 'analytics_product_daily', 'analytics_product_totals', 'catalog_items']) await raw.query(`analyze ${table}`)
  const counts = (await raw.query<{ t: string; n: number }>(
    `select 'analytics_daily' as t, count(*)::int as n from analytics_daily union all select 'analytics_product_daily', count(*)::int from analytics_product_daily
     union all select 'analytics_product_totals', count(*)::int from analytics_product_totals union all select 'attributed purchases', count(*)::int from bench_conv
     union all select 'purchases', count(*)::int from events where event_type = 'purchase'`))
  log(`built the rollups in ${secs(t0)}: ${counts.map((c) => `${c.t} ${c.n.toLocaleString('en')}`).join(', ')}`)

  // ---- the background weekly fold (analytics/fold-worker.ts), as it runs at start-up: all history
  t0 = performance.now()
  const folded = await app.services.folds.runOnce()
  const foldSecs = secs(t0)
  for (const table of ['analytics_product_weekly', 'analytics_week_folds']) await raw.query(`analyze ${table}`)
  const [{ n: weeklyRows }] = await raw.query<{ n: number }>('select count(*)::int as n from analytics_product_weekly')
  t0 = performance.now()
  const again = await app.services.folds.runOnce() // the next pass: only the last two weeks are checked
  log(`folded ${folded} weeks in ${foldSecs} (${weeklyRows.toLocaleString('en')} rows in analytics_product_weekly); ` +
    `a pass with nothing to fold: ${(performance.now() - t0).toFixed(1)} ms, ${again} folded`)

  // ---- the API's totals equal the raw events' (a wrong benchmark is worse than none)
  const q = `?from=${start.toISOString().slice(0, 10)}&to=${end.toISOString().slice(0, 10)}`
  const hdr = { ...auth, 'x-tenant-id': tenantId }
  const summary = JSON.parse((await call('GET', `/api/v1/analytics/summary${q}`, undefined, hdr)).text).data
  const [truth] = await raw.query<{ impressions: number; clicks: number; conversions: number; revenue: number }>(
    `select (select count(*) from events where event_type = 'recommendation_impressed')::float8 as impressions,
       (select count(*) from events where event_type = 'recommendation_clicked')::float8 as clicks,
       (select count(*) from bench_conv)::float8 as conversions, (select sum(revenue) from bench_conv)::float8 as revenue`)
  if (summary.impressions !== truth.impressions || summary.clicks !== truth.clicks || summary.conversions !== truth.conversions || Math.abs(summary.revenue - truth.revenue) > 1e-3) {
    throw new Error(`the API disagrees with the events: ${JSON.stringify(summary)} vs ${JSON.stringify(truth)}`)
  }
  for (const filter of ['', '&placement=home', '&strategy=trending', '&placement=home&strategy=trending']) {
    const [top] = JSON.parse((await call('GET', `/api/v1/analytics/top-products${q}${filter}`, undefined, hdr)).text).data
    const where = filter.split('&').slice(1).map((kv) => `and ${kv.split('=')[0]} = '${kv.split('=')[1]}'`).join(' ')
    const [{ n }] = await raw.query<{ n: number }>(`select count(*)::float8 as n from events where event_type = 'recommendation_impressed' and product_id = $1 ${where}`, [top.productId])
    if (top.impressions !== n) throw new Error(`top product ${top.productId}${filter}: ${top.impressions} impressions, the events say ${n}`)
  }
  // Filtered top-10s (folded weeks + daily days) equal the daily rollups summed directly, over the timed
  // range and over one with ragged days at both ends.
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  for (const [from, to] of [[day(end.getTime() - 89 * 86400_000), day(end.getTime())], [day(start.getTime() + 10 * 86400_000), day(end.getTime() - 4 * 86400_000)]]) {
    for (const filter of [{ placement: 'home' }, { strategy: 'trending' }, { placement: 'home', strategy: 'trending' }] as Record<string, string>[]) {
      for (const [by, col] of [['recommended', 'impressions'], ['clicked', 'clicks']] as const) {
        const qs = new URLSearchParams({ from, to, by, ...filter })
        const api = JSON.parse((await call('GET', `/api/v1/analytics/top-products?${qs}`, undefined, hdr)).text).data
          .map((p: { productId: string; impressions: number; clicks: number; conversions: number; revenue: number }) => [p.productId, p.impressions, p.clicks, p.conversions, Math.round(p.revenue * 100)])
        const order = col === 'impressions' ? 'impressions desc, clicks desc' : 'clicks desc, impressions desc'
        const direct = (await raw.query<{ p: string; impressions: number; clicks: number; v: number; r: number }>(
          `select product_id as p, sum(impressions)::float8 as impressions, sum(clicks)::float8 as clicks, sum(conversions)::float8 as v, round(sum(revenue) * 100)::float8 as r
           from analytics_product_daily where tenant_id = $1 and day between $2::date and $3::date
             ${Object.keys(filter).map((k, i) => `and ${k} = $${i + 4}`).join(' ')}
           group by 1 having sum(${col}) > 0 order by ${order}, 1 limit 10`, [tenantId, from, to, ...Object.values(filter)]))
          .map((r) => [r.p, r.impressions, r.clicks, r.v, r.r])
        if (JSON.stringify(api) !== JSON.stringify(direct)) throw new Error(`top-products ${qs}: the API says ${JSON.stringify(api)}, the daily rollups ${JSON.stringify(direct)}`)
      }
    }
  }
  log(`90 days: ${summary.impressions.toLocaleString('en')} impressions, ${summary.clicks.toLocaleString('en')} clicks, ${summary.conversions.toLocaleString('en')} conversions, revenue ${summary.revenue.toLocaleString('en')} ${summary.currency} (equal to the raw events)`)

  // ---- latency
  const cases: [string, string, Record<string, string>][] = [
    ['summary 7d', '/api/v1/analytics/summary?range=7d', hdr],
    ['summary 90d', '/api/v1/analytics/summary?range=90d', hdr],
    ['summary 90d placement=home', '/api/v1/analytics/summary?range=90d&placement=home', hdr],
    ['timeseries 90d', '/api/v1/analytics/timeseries?range=90d', hdr],
    ['top-products 30d recommended', '/api/v1/analytics/top-products?range=30d', hdr],
    ['top-products 90d recommended', '/api/v1/analytics/top-products?range=90d&by=recommended', hdr],
    ['top-products 90d clicked', '/api/v1/analytics/top-products?range=90d&by=clicked', hdr],
    ['top-products 90d placement=home', '/api/v1/analytics/top-products?range=90d&placement=home', hdr],
    ['top-products 90d strategy=trending', '/api/v1/analytics/top-products?range=90d&strategy=trending', hdr],
    ['top-products 90d placement+strategy', '/api/v1/analytics/top-products?range=90d&placement=home&strategy=trending', hdr],
    ['placements 90d', '/api/v1/analytics/placements?range=90d', hdr],
    ['export.csv 90d', '/api/v1/analytics/export.csv?range=90d', hdr],
    ['overview 90d (2 tenants)', '/api/v1/analytics/overview?range=90d', auth],
  ]
  log(`\n${REQUESTS} sequential requests per endpoint after 10 warm-up requests (ms):`)
  log('endpoint                               p50      p95      max')
  for (const [name, path, headers] of cases) {
    for (let i = 0; i < 10; i++) await call('GET', path, undefined, headers)
    const ms: number[] = []
    for (let i = 0; i < REQUESTS; i++) {
      const s = performance.now()
      const r = await call('GET', path, undefined, headers)
      ms.push(performance.now() - s)
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text.slice(0, 200)}`)
    }
    log(`${name.padEnd(36)} ${pct(ms, 50).toFixed(1).padStart(7)}  ${pct(ms, 95).toFixed(1).padStart(7)}  ${Math.max(...ms).toFixed(1).padStart(7)}`)
  }

  // ---- what the rollups cost ingestion: the three upserts of one group of 100 recommendation events
  // (93 impressions, 7 clicks, random products, 4 placements × 4 strategies, within the last hour)
  const placements = ['home', 'pdp', 'cart', 'search'], strategies = ['collaborative', 'content_based', 'frequently_bought_together', 'trending']
  const cost = { daily: [] as number[], product: [] as number[], totals: [] as number[] }
  for (let round = 0; round < 60; round++) {
    const events = Array.from({ length: 100 }, (_, i) => ({
      tenantId, eventType: i % 14 === 0 ? 'recommendation_clicked' : 'recommendation_impressed', userId: `u${i}`,
      productId: `p${Math.floor(Math.random() * PRODUCTS)}`, ts: new Date(end.getTime() - Math.random() * 3600_000), metadata: null,
      placement: placements[i % 4], strategy: strategies[(i + round) % 4],
    }))
    const d = rollupDeltas(events, new Map(), new Map())
    await raw.transaction(async (tx) => {
      for (const [k, run] of [['daily', () => addDailyRollups(tx, d.daily)], ['product', () => addProductRollups(tx, d.product)], ['totals', () => addProductTotals(tx, d.totals)]] as const) {
        const s = performance.now()
        await run()
        if (round >= 10) cost[k].push(performance.now() - s)
      }
    })
  }
  log(`\ningest side, one group of 100 recommendation events, median of 50 (ms): analytics_daily ${pct(cost.daily, 50).toFixed(2)}, ` +
    `analytics_product_daily ${pct(cost.product, 50).toFixed(2)}, analytics_product_totals ${pct(cost.totals, 50).toFixed(2)}`)
  await app.shutdown()
} finally {
  await close(process.argv.includes('--keep'))
}
