// GET /experiments/:id/results with many exposed shoppers (the console's experiment page), on PGlite and on
// PostgreSQL. One tenant per backend, one experiment per size (3 arms, CUPED on, a revenue guardrail), each
// shopper with --events recommendation events (impressions, clicks, and purchases an hour after a click,
// often for one shopper in four, rarely for the rest) spread over the 14 days before and the 14 days after
// their exposure, written with SQL. Then the request through app.handle, --runs times per size: the p50, and
// the status (PostgreSQL runs with the default STATEMENT_TIMEOUT_MS, 2,000 ms: a 503 means it was cut off).
// --explain prints EXPLAIN (ANALYZE, BUFFERS) of the per-shopper query for each size. (At de7c65d it also had
// --compare-old, timing the query this one replaced: see BENCHMARKS.md.)
//
//   bun scripts/bench/experiment-results.ts [--users 1200,20000,100000] [--events 10] [--runs 5] [--backends pglite,postgres] [--explain]
//
// PostgreSQL: DATABASE_URL, else TEST_PG_ADMIN_URL, else postgres://postgres@127.0.0.1:5432/postgres.
import { openDatabase, type DatabaseHandle, type RawSql } from '../../db/client.ts'
import * as queries from '../../db/queries/experiments.ts'
import { createApp } from '../../server/app.ts'
import { MemoryCache } from '../../server/infra/cache/memory.ts'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/logger.ts'
import { benchDatabase } from '../lib/bench-database.ts'
import { arg } from '../lib/args.ts'

const list = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return (i > 0 ? process.argv[i + 1]! : dflt).split(',') }
const SIZES = list('--users', '1200,20000,100000').map(Number)
const BACKENDS = list('--backends', 'pglite,postgres') as ('pglite' | 'postgres')[]
const EVENTS = arg('--events', 10)
const RUNS = arg('--runs', 5)
const EXPLAIN = process.argv.includes('--explain')
const config = loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' })
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (ms: number) => `${ms.toLocaleString('en-US', { maximumFractionDigits: 0 })} ms`

async function open(kind: 'pglite' | 'postgres'): Promise<{ database: DatabaseHandle; close(): Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' })
    return { database, close: () => database.close() }
  }
  return benchDatabase('exp', 4, { statementTimeoutMs: config.statementTimeoutMs })
}

/** An experiment of `users` shoppers with their exposures and events, written straight into the database. */
async function seed(database: DatabaseHandle, tenant: string, users: number) {
  const raw = database.background.raw
  const arms = [{ key: 'control', strategy: 'trending', weight: 34 }, { key: 'b', strategy: 'collaborative', weight: 33 }, { key: 'c', strategy: 'content_based', weight: 33 }]
  const [{ id: exp }] = await raw.query<{ id: string }>(
    `insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status, variants, guardrails, cuped, started_at)
     values ($1, $2, 'trending', 'collaborative', 66, 'conversion_rate', 'running', $3::jsonb, '["revenue_per_visitor"]'::jsonb, true, now() - interval '14 days') returning id`,
    [tenant, `bench ${users}`, JSON.stringify(arms)])
  const prefix = `s${users}-`
  await raw.query(
    `insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
     select $1, $2, $4 || i, (array['control', 'b', 'c'])[1 + i % 3], now() - interval '14 days' + (i % 1000) * interval '1 minute'
     from generate_series(0, $3 - 1) i`, [tenant, exp, users, prefix])
  // In slices: one statement per 20,000 shoppers keeps PGlite's memory in bounds.
  for (let from = 0; from < users; from += 20_000) {
    await raw.query(
      `insert into events (tenant_id, event_type, user_id, product_id, ts)
       select $1, case when j % 7 = 0 then 'recommendation_clicked'
           when j % 7 = 1 and random() < case when i % 4 = 0 then 0.7 else 0.1 end then 'purchase' else 'recommendation_impressed' end,
         x.user_id, 'p' || ((i * 31 + (j / 7) * 7) % 200),
         x.exposed_at + ((j - case when j % 7 = 1 then 1 else 0 end - $3 / 2) * (28.0 / $3)) * interval '1 day'
           + case when j % 7 = 1 then interval '1 hour' else interval '0' end
       from generate_series($5::int, $6::int - 1) i cross join generate_series(0, $3 - 1) j
       join experiment_exposures x on x.experiment_id = $2 and x.user_id = $4 || i
       on conflict do nothing`, [tenant, exp, EVENTS, prefix, from, Math.min(users, from + 20_000)])
  }
  return exp
}

for (const kind of BACKENDS) {
  const { database, close } = await open(kind)
  try {
    await database.migrate()
    const app = await createApp({
      config, database, cache: new MemoryCache(), log: createLogger('silent'),
      mailer: { send: async () => {} }, usageFlushMs: 0, secrets: { jwtSecret: 'b'.repeat(40), apiKeyPepper: 'c'.repeat(40) },
    })
    app.markReady()
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await app.handle(new Request(`http://localhost${path}`, {
        method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
      }))
      return { status: res.status, body: JSON.parse(await res.text()) }
    }
    const signup = await call('POST', '/api/v1/auth/signup', { email: 'bench@example.com', password: 'correct horse battery', name: 'Bench' })
    const auth = { authorization: `Bearer ${signup.body.data.accessToken}` }
    const tenant: string = (await call('POST', '/api/v1/tenants', { name: 'Bench shop' }, auth)).body.data.id
    const key: string = (await call('POST', `/api/v1/tenants/${tenant}/api-keys`, { name: 'w', permissions: 'write' }, auth)).body.data.key
    await database.background.raw.query(`insert into catalog_items (tenant_id, product_id, name, price) select $1, 'p' || i, 'P' || i, 5 + i % 50 from generate_series(0, 199) i`, [tenant])
    await database.background.raw.query("select ensure_event_partitions(now() - interval '30 days', now() + interval '1 day')")
    for (const users of SIZES) {
      const t0 = performance.now()
      const exp = await seed(database, tenant, users)
      // PostgreSQL's autovacuum would analyse these tables soon; PGlite never does, and the query must not need it.
      if (kind === 'postgres') await database.background.raw.query('analyze')
      const seeded = performance.now() - t0
      const times: number[] = [], statuses = new Set<number>()
      let sample: { sampleSize?: Record<string, number> } = {}
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now()
        const res = await call('GET', `/api/v1/experiments/${exp}/results`, undefined, { 'x-api-key': key })
        times.push(performance.now() - t)
        statuses.add(res.status)
        if (res.status === 200) sample = res.body.data
      }
      const exposed = sample.sampleSize ? Object.values(sample.sampleSize).reduce((a, b) => a + b, 0) : 0
      console.log(`${kind.padEnd(8)} ${users.toLocaleString('en-US').padStart(7)} shoppers × ${EVENTS} events (seeded in ${(seeded / 1000).toFixed(0)} s): `
        + `results p50 ${fmt(median(times))} (min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))}), status ${[...statuses].join('/')}`
        + (exposed ? `, control + first arm ${exposed.toLocaleString('en-US')}` : ''))
      if (EXPLAIN) {
        const bg = database.background.raw
        const explain = (q: RawSql): RawSql => ({
          query: <T,>(text: string, params?: unknown[]) => q.query<T>(text.startsWith('set ') ? text : `explain (analyze, buffers) ${text}`, params),
          transaction: (fn) => q.transaction((tx) => fn(explain(tx))),
        })
        const explaining = explain(bg)
        const plan = await queries.exposedUserMetrics(explaining as typeof bg, tenant, exp, 24, 14) as unknown as Record<string, string>[]
        console.log(plan.map((r) => Object.values(r)[0]).join('\n'))
      }
    }
  } finally {
    await close()
  }
}
process.exit(0)
