// DATABASE_READ_URL (issue 26) on a real streaming replica (scripts/lib/streaming-replica.ts): how long a
// write takes to become visible on the replica, how much of the lag-tolerant read work leaves the primary
// (tuples the primary reads, from pg_stat_database, for the same requests with and without the replica), the
// latency of those requests either way, and what a stopped replica costs a request (the first one, which
// finds it gone, and the next ones, which skip it). Primary, replica and app share this machine's cores, so
// latencies compare the paths, not what a replica on its own host buys. Prints figures.
//
//   bun scripts/bench/read-replica.ts [--items 2000] [--events 10000] [--requests 200] [--writes 50]
import postgres from 'postgres'
import { openDatabase } from '../../db/client.ts'
import { createApp, type App } from '../../server/app.ts'
import { loadConfig } from '../../server/config.ts'
import { MemoryCache } from '../../server/infra/cache/memory.ts'
import { createLogger } from '../../server/logger.ts'
import { TEST_SECRETS } from '../../server/test/harness.ts'
import { arg } from '../lib/args.ts'
import { postgresBin, startStreamingReplica } from '../lib/streaming-replica.ts'

const ITEMS = arg('--items', 2000), EVENTS = arg('--events', 10_000), REQUESTS = arg('--requests', 200), WRITES = arg('--writes', 50)
const bin = postgresBin()
if (!bin) throw new Error('no initdb/pg_ctl/pg_basebackup under /usr/lib/postgresql/*/bin')

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]! }
const ms = (x: number) => `${x.toFixed(2)} ms`

const servers = await startStreamingReplica(bin)
const primarySql = postgres(servers.primaryUrl, { max: 1, onnotice: () => {} })
const replicaSql = postgres(servers.replicaUrl, { max: 1, onnotice: () => {} })
const withReplica = await openDatabase({ databaseUrl: servers.primaryUrl, readUrl: servers.replicaUrl, maxConnections: 4 })
const primaryOnly = await openDatabase({ databaseUrl: servers.primaryUrl, maxConnections: 4 })
const apps: App[] = []
try {
  await withReplica.migrate()
  const appOn = async (database: typeof withReplica) => {
    const app = await createApp({
      config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'error', AUTH_FAILURE_LIMIT: '1000000', ADMIN_RATE_LIMIT: '1000000', MAX_TENANT_RATE_LIMIT: '10000000' }),
      database, cache: new MemoryCache(), log: createLogger('error'), mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS,
    })
    app.markReady()
    apps.push(app)
    return app
  }
  const replicated = await appOn(withReplica)
  const direct = await appOn(primaryOnly)
  const call = async (app: App, method: string, path: string, o: { body?: unknown; key?: string; token?: string; tenant?: string } = {}) => {
    const headers: Record<string, string> = { ...(o.body ? { 'content-type': 'application/json' } : {}), ...(o.key ? { 'x-api-key': o.key } : {}), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...(o.tenant ? { 'x-tenant-id': o.tenant } : {}) }
    const res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body: o.body ? JSON.stringify(o.body) : undefined }))
    const text = await res.text()
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`)
    return res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text
  }

  const token = (await call(replicated, 'POST', '/api/v1/auth/signup', { body: { email: `bench-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Bench' } })).data.accessToken
  const tenantId = (await call(replicated, 'POST', '/api/v1/tenants', { token, body: { name: 'Replica bench' } })).data.id
  const key = (await call(replicated, 'POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'w', permissions: 'write' } })).data.key
  for (let i = 0; i < ITEMS; i += 500) {
    const items = Array.from({ length: Math.min(500, ITEMS - i) }, (_, j) => ({ productId: `p${i + j}`, name: `Item ${i + j}`, category: `c${(i + j) % 20}`, price: 5 + ((i + j) % 50) }))
    await call(replicated, 'POST', '/api/v1/catalog/batch', { key, body: { items } })
  }
  for (let i = 0; i < EVENTS; i += 100) {
    const events = Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) => ({ eventType: (i + j) % 5 ? 'recommendation_impressed' : 'recommendation_clicked', userId: `u${(i + j) % 500}`, productId: `p${(i * 7 + j) % ITEMS}`, placement: 'home', strategy: 'trending' }))
    await call(replicated, 'POST', '/api/v1/events/batch', { key, body: { events } })
  }
  const caughtUp = async () => {
    const [{ lsn }] = await primarySql`select pg_current_wal_lsn()::text as lsn`
    while (!(await replicaSql`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`)[0]!.ok) await Bun.sleep(5)
  }
  await caughtUp()
  console.log(`seeded ${ITEMS} items and ${EVENTS} events; primary ${servers.primaryUrl}, replica ${servers.replicaUrl}\n`)

  // 1. Write → visible on the replica: an item created through the API, then polled for on the replica.
  const lags: number[] = []
  for (let i = 0; i < WRITES; i++) {
    await call(replicated, 'POST', '/api/v1/catalog', { key, body: { productId: `new${i}`, name: `New ${i}` } })
    const t0 = performance.now()
    while (!(await replicaSql`select 1 from catalog_items where tenant_id = ${tenantId} and product_id = ${`new${i}`}`).length) { /* poll */ }
    lags.push(performance.now() - t0)
  }
  console.log(`write → visible on the replica (${WRITES} items): p50 ${ms(pct(lags, 0.5))}, p95 ${ms(pct(lags, 0.95))}, max ${ms(Math.max(...lags))}`)

  // 2. The same lag-tolerant requests with and without the replica: tuples read on the primary, latency.
  const asAdmin = { token, tenant: tenantId }
  const mix = [
    (app: App) => call(app, 'GET', '/api/v1/catalog?limit=100', { key }),
    (app: App) => call(app, 'GET', '/api/v1/catalog?limit=20&q=item%201', { key }),
    (app: App) => call(app, 'GET', '/api/v1/analytics/summary?range=30d', asAdmin),
    (app: App) => call(app, 'GET', '/api/v1/analytics/top-products?range=30d', asAdmin),
    (app: App) => call(app, 'GET', '/api/v1/catalog/export?format=ndjson', { key }),
    (app: App) => call(app, 'GET', '/api/v1/events/export?format=ndjson', { key }),
  ]
  const primaryTuples = async () => {
    await Bun.sleep(1200) // PostgreSQL flushes a backend's statistics at most once a second
    await primarySql`select pg_stat_clear_snapshot()`
    const [r] = await primarySql`select tup_returned + tup_fetched as n from pg_stat_database where datname = 'postgres'`
    return Number(r!.n)
  }
  for (const [label, app] of [['primary only', direct], ['DATABASE_READ_URL', replicated]] as const) {
    const before = await primaryTuples()
    const took: number[] = []
    for (let i = 0; i < REQUESTS; i++) {
      const t0 = performance.now()
      await mix[i % mix.length]!(app)
      took.push(performance.now() - t0)
    }
    const tuples = (await primaryTuples()) - before
    console.log(`${label.padEnd(18)} ${REQUESTS} lag-tolerant requests: primary read ${tuples.toLocaleString('en')} tuples (${Math.round(tuples / REQUESTS).toLocaleString('en')}/request); latency p50 ${ms(pct(took, 0.5))}, p95 ${ms(pct(took, 0.95))}`)
  }

  // 3. The replica stopped: the first request finds it gone and is answered by the primary; the next skip it.
  await replicaSql.end({ timeout: 1 })
  await servers.stopReplica()
  const list = () => call(replicated, 'GET', '/api/v1/catalog?limit=100', { key })
  let t0 = performance.now()
  await list()
  const first = performance.now() - t0
  const after: number[] = []
  for (let i = 0; i < 50; i++) { t0 = performance.now(); await list(); after.push(performance.now() - t0) }
  const baseline: number[] = []
  for (let i = 0; i < 50; i++) { t0 = performance.now(); await call(direct, 'GET', '/api/v1/catalog?limit=100', { key }); baseline.push(performance.now() - t0) }
  console.log(`replica stopped: first list ${ms(first)} (finds it gone, answered by the primary); next 50 p50 ${ms(pct(after, 0.5))} vs primary-only p50 ${ms(pct(baseline, 0.5))}; no request failed`)
} finally {
  for (const app of apps) await app.shutdown().catch(() => {})
  await Promise.all([withReplica.close(), primaryOnly.close(), primarySql.end({ timeout: 1 }), replicaSql.end({ timeout: 1 })].map((p) => p.catch(() => {})))
  await servers.close()
}
