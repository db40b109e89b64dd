// Export and erasure at scale (issue 20). In a throw-away PostgreSQL database: one shopper with 1M raw
// events over 89 days beside 1M events of 10,000 other shoppers (SQL generate_series, with profiles as
// ingestion keeps them). Then:
//  - GET /events/export (NDJSON and CSV) of all 2M events through app.handle: rows/s, bytes, chunks, and
//    the process's peak RSS while streaming (sampled every 50 ms) against before;
//  - DELETE /users/heavy: the time until GET /users/heavy answers 404, the number of delete statements
//    and the longest and median of them, and the latency of GET /users/other meanwhile (p50/p99/max).
// Prints figures; asserts only that the erasure is complete and left the others alone.
//
//   bun scripts/bench/erasure.ts [--events 1000000] [--keep]
//
// PostgreSQL: DATABASE_URL, else TEST_PG_ADMIN_URL, else postgres://postgres@127.0.0.1:5432/postgres.
import { benchDatabase } from '../lib/bench-database.ts'
import { createApp } from '../../server/app.ts'
import { MemoryCache } from '../../server/infra/cache/memory.ts'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/logger.ts'
import { arg } from '../lib/args.ts'

const EVENTS = arg('--events', 1_000_000)
const OTHERS = 10_000


const log = (s: string) => console.log(s)
const pct = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0 }
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`

const { database, close } = await benchDatabase('erasure', 10)
try {
  await database.migrate()
  const raw = database.raw
  const app = await createApp({
    config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database, cache: new MemoryCache(), log: createLogger('silent'),
    mailer: { send: async () => {} }, usageFlushMs: 0, secrets: { jwtSecret: 'b'.repeat(40), apiKeyPepper: 'c'.repeat(40) },
  })
  app.markReady()
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, {
    method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body: body ? JSON.stringify(body) : undefined,
  }))
  const json = async (r: Promise<Response>) => JSON.parse(await (await r).text())
  const signup = await json(call('POST', '/api/v1/auth/signup', { email: 'bench@example.com', password: 'correct horse battery', name: 'Bench' }))
  const auth = { authorization: `Bearer ${signup.data.accessToken}` }
  const tenantId: string = (await json(call('POST', '/api/v1/tenants', { name: 'Bench shop' }, auth))).data.id
  const key: string = (await json(call('POST', `/api/v1/tenants/${tenantId}/api-keys`, { name: 'w', permissions: 'write' }, auth))).data.key
  const h = { 'x-api-key': key }

  // ---- seed: the heavy shopper and the others, each event a distinct (user, product, ts)
  let t0 = performance.now()
  const end = Math.floor(Date.now() / 1000) * 1000 - 60_000
  const spanS = 89 * 86400
  await raw.query('select ensure_event_partitions($1::timestamptz, $2::timestamptz)', [new Date(end - spanS * 1000).toISOString(), new Date(end).toISOString()])
  await raw.query(
    `insert into events (tenant_id, event_type, user_id, product_id, ts, metadata, event_id)
     select $1, case when i % 20 = 0 then 'purchase' else 'product_viewed' end, 'heavy', 'p' || (i % 5000),
       to_timestamp($3 / 1000.0) - make_interval(secs => (i::float8 * $4 / $2)), case when i % 20 = 0 then '{"price": 9.5, "note": "a, \\"b\\""}'::jsonb end, 'h-' || i
     from generate_series(0, $2 - 1) i`, [tenantId, EVENTS, end, spanS])
  await raw.query(
    `insert into events (tenant_id, event_type, user_id, product_id, ts)
     select $1, 'product_viewed', 'u' || (i % $5), 'p' || (i % 5000), to_timestamp($3 / 1000.0) - make_interval(secs => (i::float8 * $4 / $2))
     from generate_series(0, $2 - 1) i`, [tenantId, EVENTS, end, spanS, OTHERS])
  await raw.query(`insert into event_ids (tenant_id, event_id, ts) select $1, 'h-' || i, now() from generate_series(0, $2 - 1) i`, [tenantId, EVENTS])
  await raw.query(
    `insert into user_profiles (tenant_id, user_id, recent, event_count)
     select $1, user_id, '[]'::jsonb, count(*) from events where tenant_id = $1 group by user_id`, [tenantId])
  await raw.query(
    `insert into user_purchases (tenant_id, user_id, product_id, last_purchased_at, purchases)
     select $1, user_id, product_id, max(ts), count(*) from events where tenant_id = $1 and event_type = 'purchase' group by user_id, product_id`, [tenantId])
  await raw.query('analyze')
  log(`seeded ${(2 * EVENTS).toLocaleString('en')} events (${EVENTS.toLocaleString('en')} of one shopper) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

  // ---- export
  for (const format of ['ndjson', 'csv']) {
    Bun.gc(true)
    const rssBefore = process.memoryUsage().rss
    let peak = rssBefore
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 50)
    t0 = performance.now()
    const res = await call('GET', `/api/v1/events/export?format=${format}`, undefined, h)
    const reader = res.body!.getReader()
    let bytes = 0
    let chunks = 0
    let lines = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
      chunks++
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++
    }
    const s = (performance.now() - t0) / 1000
    clearInterval(sampler)
    const rows = format === 'csv' ? lines - 1 : lines
    if (rows !== 2 * EVENTS) throw new Error(`${format} export: ${rows} rows, expected ${2 * EVENTS}`)
    log(`export ${format}: ${rows.toLocaleString('en')} events, ${mb(bytes)} in ${s.toFixed(1)} s = ${Math.round(rows / s).toLocaleString('en')} events/s; ` +
      `${chunks} chunks; RSS ${mb(rssBefore)} before, peak ${mb(peak)} while streaming (+${mb(peak - rssBefore)})`)
  }

  // ---- erasure: real route and service; each delete statement timed through the housekeeping events service
  const ev = app.services.housekeeping.events
  const batchMs: number[] = []
  const erase = ev.eraseShopperEvents
  ev.eraseShopperEvents = async (...a) => { const s = performance.now(); try { return await erase(...a) } finally { batchMs.push(performance.now() - s) } }
  const reads: number[] = []
  t0 = performance.now()
  const del = await call('DELETE', '/api/v1/users/heavy', undefined, h)
  if (del.status !== 202) throw new Error(`DELETE: ${del.status} ${await del.text()}`)
  const accepted = performance.now() - t0
  for (;;) {
    const s = performance.now()
    const other = await call('GET', '/api/v1/users/u42', undefined, h)
    reads.push(performance.now() - s)
    if (other.status !== 200) throw new Error(`GET /users/u42: ${other.status}`)
    if ((await call('GET', '/api/v1/users/heavy', undefined, h)).status === 404) break
    await new Promise((r) => setTimeout(r, 250)) // within the tenant's default rate limit
  }
  const total = (performance.now() - t0) / 1000
  await app.services.shoppers.settled()
  const [{ heavy, others, ids }] = await raw.query<{ heavy: number; others: number; ids: number }>(
    `select (select count(*) from events where tenant_id = $1 and user_id = 'heavy')::int as heavy,
       (select count(*) from events where tenant_id = $1 and user_id <> 'heavy')::int as others,
       (select count(*) from event_ids where tenant_id = $1)::int as ids`, [tenantId])
  if (heavy !== 0 || others !== EVENTS || ids !== 0) throw new Error(`after erasure: heavy ${heavy}, others ${others}, ids ${ids}`)
  log(`erasure of ${EVENTS.toLocaleString('en')} events: 202 in ${accepted.toFixed(0)} ms, GET 404 after ${total.toFixed(1)} s; ` +
    `${batchMs.length} delete statements, median ${pct(batchMs, 50).toFixed(0)} ms, longest ${Math.max(...batchMs).toFixed(0)} ms; ` +
    `GET /users/<another> meanwhile (${reads.length}): p50 ${pct(reads, 50).toFixed(1)} ms, p99 ${pct(reads, 99).toFixed(1)} ms, max ${Math.max(...reads).toFixed(1)} ms`)
  await app.shutdown()
} finally {
  await close(process.argv.includes('--keep'))
}
