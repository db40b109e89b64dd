// What CUPED and more arms cost GET /experiments/:id/results (issue 25). In a
// throw-away PostgreSQL database: one experiment with 3 arms, --users exposed
// shoppers, each with --events recommendation events (impressions, clicks,
// and purchases an hour after a click, often for one user in four, rarely for the rest) spread over the 14 days before and
// the 14 days after their exposure. Times the per-user query without the
// pre-exposure period (cuped: false) and with it (cuped: true, 14 days), and
// the pure results computation (per arm, Holm, guardrail, CUPED) over the rows.
// Prints medians; asserts nothing but that both queries see every user.
//
//   bun scripts/bench/experiment-results.ts [--users 20000] [--events 20] [--runs 5]
//
// PostgreSQL: DATABASE_URL, else TEST_PG_ADMIN_URL, else postgres://postgres@127.0.0.1:5432/postgres.
import { benchDatabase } from '../lib/bench-database.ts'
import { exposedUserMetrics } from '../../db/queries/experiments.ts'
import { experimentResults } from '../../server/modules/experiments/results.ts'
import { arg } from '../lib/args.ts'

const USERS = arg('--users', 20_000)
const EVENTS = arg('--events', 20)
const RUNS = arg('--runs', 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const { database, close } = await benchDatabase('exp', 4)
try {
  await database.migrate()
  const raw = database.raw
  const [{ id: owner }] = await raw.query<{ id: string }>("insert into users (email, password_hash, name) values ('b@example.com', 'x', 'B') returning id")
  await raw.query("insert into accounts (id, name) values ($1, 'B')", [owner])
  const [{ id: tenant }] = await raw.query<{ id: string }>("insert into tenants (account_id, owner_id, name) values ($1, $1, 'Bench') returning id", [owner])
  const arms = [{ key: 'control', strategy: 'trending', weight: 34 }, { key: 'b', strategy: 'collaborative', weight: 33 }, { key: 'c', strategy: 'content_based', weight: 33 }]
  const [{ id: exp }] = await raw.query<{ id: string }>(
    `insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status, variants, guardrails, cuped, started_at)
     values ($1, 'bench', 'trending', 'collaborative', 66, 'conversion_rate', 'running', $2::jsonb, '["revenue_per_visitor"]'::jsonb, true, now() - interval '14 days') returning id`,
    [tenant, JSON.stringify(arms)])
  await raw.query(`insert into catalog_items (tenant_id, product_id, name, price, currency) select $1, 'p' || i, 'P' || i, 5 + i % 50, 'EUR' from generate_series(0, 199) i`, [tenant])
  await raw.query("select ensure_event_partitions(now() - interval '30 days', now() + interval '1 day')")
  const t0 = performance.now()
  await raw.query(
    `insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
     select $1, $2, 'u' || i, (array['control', 'b', 'c'])[1 + i % 3], now() - interval '14 days' + (i % 1000) * interval '1 minute'
     from generate_series(0, $3 - 1) i`, [tenant, exp, USERS])
  // Per user: events from 14 days before exposure to 14 days after; a click then a purchase of the same product an hour later.
  await raw.query(
    `insert into events (tenant_id, event_type, user_id, product_id, ts)
     select $1, case when j % 7 = 0 then 'recommendation_clicked'
         when j % 7 = 1 and random() < case when i % 4 = 0 then 0.7 else 0.1 end then 'purchase' else 'recommendation_impressed' end,
       'u' || i, 'p' || ((i * 31 + (j / 7) * 7) % 200),
       x.exposed_at + ((j - case when j % 7 = 1 then 1 else 0 end - $3 / 2) * (28.0 / $3)) * interval '1 day'
         + case when j % 7 = 1 then interval '1 hour' else interval '0' end
     from generate_series(0, $2 - 1) i cross join generate_series(0, $3 - 1) j
     join experiment_exposures x on x.experiment_id = $4 and x.user_id = 'u' || i
     on conflict do nothing`, [tenant, USERS, EVENTS, exp])
  await raw.query('analyze')
  console.log(`seeded ${USERS.toLocaleString('en-US')} exposed users × ${EVENTS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  for (const preDays of [0, 14]) {
    const times: number[] = []
    let rows: Awaited<ReturnType<typeof exposedUserMetrics>> = []
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now()
      rows = await exposedUserMetrics(raw, tenant, exp, 24, preDays)
      times.push(performance.now() - t)
    }
    if (rows.length !== USERS) throw new Error(`expected ${USERS} rows, got ${rows.length}`)
    const computeTimes: number[] = []
    let cuped = null as null | { varianceReduction: number; covariateUsers: number }
    for (let r = 0; r < RUNS; r++) {
      const t = performance.now()
      const res = experimentResults({ metric: 'conversion_rate', trafficSplit: 66, startedAt: new Date(), completedAt: null, analysis: 'sequential', arms, guardrails: ['revenue_per_visitor'], cuped: preDays > 0 }, rows, new Date())
      computeTimes.push(performance.now() - t)
      cuped = res.cuped
    }
    console.log(`preDays ${String(preDays).padStart(2)} (cuped ${preDays > 0 ? 'on ' : 'off'}): query median ${median(times).toFixed(0)} ms, results computation median ${median(computeTimes).toFixed(1)} ms` +
      (cuped ? `; covariate users ${cuped.covariateUsers.toLocaleString('en-US')}, variance reduction ${(cuped.varianceReduction * 100).toFixed(1)} %` : ''))
  }
} finally {
  await close()
}
