// Sustained mixed load, then a 10x spike (issue 8, "Black Friday"), on the
// real server (`bun server/main.ts` on a throw-away PostgreSQL database and a
// private Redis), loopback only and bounded in time. A separate load-generator
// process (this file with --load) drives, at fixed rates (open loop):
// recommendations and event batches on a tenant with room to spare, analytics
// reads by its admin, and recommendations plus event batches on a second
// tenant whose keys are over their limits during the spike. Reported per kind
// and phase: p50/p95/p99 and statuses. Must hold: no errors except 429s on
// the over-limit keys, and events stored == events acknowledged. Then, in the
// same run, recommendation throughput against a hello-world route (/health).
//
// With --cluster, the same across the production topology of deploy/compose.yaml:
// two API instances (MODEL_WORKER=off) and a model worker behind a round-robin
// proxy (scripts/lib/cluster.ts startCluster), every request through the proxy.
//
//   bun scripts/load/mixed.ts [--sustain 60] [--spike 30] [--recs 100] [--redis-port 6394] [--cluster] [--redis-cluster] [--summary]
//
// --redis-cluster: the server uses a private 3-master Redis Cluster (redis+cluster://) instead of
// one redis-server; --summary: a last line `summary: {json}` for scripts/bench/redis-cluster.ts.
import { call, type Cluster, fmt, pct, privateRedis, type Proc, ROOT, setupTenant, sleep, startCluster, startProcess, storedEvents, throwawayDatabase, waitForModel } from '../lib/cluster.ts'
import { arg } from '../lib/args.ts'
import { startRedisCluster, type TestRedisCluster } from '../../server/test/redis-cluster.ts'

interface Kind { name: string; method: 'GET' | 'POST'; rate: number; headers: Record<string, string>; path: string; batch?: number }
interface Job { base: string; seconds: number; kinds: Kind[]; users: number; products: number; tag: string }
interface KindResult { sent: number; statuses: Record<string, number>; ms: number[]; acknowledged: number }

if (process.argv[2] === '--load') {
  // ---- load-generator process: each kind at its own fixed rate, for `seconds`
  const job = JSON.parse(process.argv[3]!) as Job
  const results: Record<string, KindResult> = {}
  const t0 = performance.now(), end = t0 + job.seconds * 1000
  let seq = 0
  await Promise.all(job.kinds.map(async (k) => {
    const r: KindResult = results[k.name] = { sent: 0, statuses: {}, ms: [], acknowledged: 0 }
    const pending: Promise<void>[] = []
    const one = async (i: number) => {
      const u = (i * 7919) % job.users, p = (i * 104_729) % job.products
      const url = job.base + k.path.replace('{user}', `s${u}`).replace('{product}', `p${p}`)
      let body: string | undefined
      if (k.batch) {
        body = JSON.stringify({ events: Array.from({ length: k.batch }, (_, j) => ({
          eventType: j % 10 === 0 ? 'add_to_cart' : 'product_viewed', userId: `s${(u + j) % job.users}`, productId: `p${(p + j * 31) % job.products}`,
          // Stored == accepted holds whatever the mix; an exact repeat would be answered as a duplicate, not accepted.
          timestamp: new Date(Date.now() - 1000).toISOString(), sessionId: `${job.tag}-${k.name}-${i}-${j}-${seq++}`,
        })) })
      }
      const s = performance.now()
      try {
        const res = await fetch(url, { method: k.method, headers: { ...k.headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body })
        const text = await res.text()
        r.ms.push(performance.now() - s)
        r.statuses[res.status] = (r.statuses[res.status] ?? 0) + 1
        if (k.batch && res.status === 202) r.acknowledged += (JSON.parse(text) as { data: { accepted: number } }).data.accepted
      } catch {
        r.statuses['network'] = (r.statuses['network'] ?? 0) + 1
      }
    }
    for (let i = 0; performance.now() < end; i++) {
      const wait = t0 + (i * 1000) / k.rate - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      r.sent++
      pending.push(one(i))
    }
    await Promise.all(pending)
  }))
  const secs = (performance.now() - t0) / 1000
  const out: Record<string, unknown> = {}
  for (const [name, r] of Object.entries(results)) {
    out[name] = { sent: r.sent, rps: r.sent / secs, statuses: r.statuses, acknowledged: r.acknowledged, p50: pct(r.ms, 50), p95: pct(r.ms, 95), p99: pct(r.ms, 99) }
  }
  console.log(JSON.stringify(out))
  process.exit(0)
}

if (process.argv[2] === '--closed') {
  // ---- closed loop on one URL: as many requests as `concurrency` clients get answered
  const job = JSON.parse(process.argv[3]!) as { urls: string[]; headers: Record<string, string>; seconds: number; concurrency: number }
  let n = 0, errors = 0, i = 0
  const t0 = performance.now(), end = t0 + job.seconds * 1000
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (performance.now() < end) {
      try {
        const res = await fetch(job.urls[i++ % job.urls.length]!, { headers: job.headers })
        await res.arrayBuffer()
        if (res.status !== 200) errors++
      } catch { errors++ }
      n++
    }
  }))
  console.log(JSON.stringify({ rps: n / ((performance.now() - t0) / 1000), errors }))
  process.exit(0)
}

// ---- orchestrator
const SUSTAIN = arg('--sustain', 60), SPIKE = arg('--spike', 30), RECS = arg('--recs', 100), REDIS_PORT = arg('--redis-port', 6394)
const USERS = 5000, PRODUCTS = 2000
const REDIS_CLUSTER = process.argv.includes('--redis-cluster'), SUMMARY = process.argv.includes('--summary')
let redisCluster: TestRedisCluster | undefined
const redis = REDIS_CLUSTER
  ? { get url() { return redisCluster!.url }, async start() { redisCluster = await startRedisCluster({ nodeTimeoutMs: 5000 }) }, async stop() { await redisCluster?.stop() } }
  : privateRedis(REDIS_PORT)
const summary: Record<string, unknown> = { redis: REDIS_CLUSTER ? 'cluster (3 masters)' : 'single' }
const db = await throwawayDatabase('load')
let single: Proc | undefined
let cluster: Cluster | undefined
try {
  await redis.start()
  // The analytics reads are one admin's, at up to 20/s in the spike: over ADMIN_RATE_LIMIT's default, which is not what this measures.
  const env = { LOG_LEVEL: 'error', ADMIN_RATE_LIMIT: process.env.ADMIN_RATE_LIMIT ?? '100000' }
  if (process.argv.includes('--cluster')) {
    cluster = await startCluster({ databaseUrl: db.url, redisUrl: redis.url, env })
    console.log(`cluster: proxy ${cluster.base} → ${cluster.apis.length} API instances, 1 worker`)
  } else {
    single = await startProcess('api', 'server/main.ts', { DATABASE_URL: db.url, REDIS_URL: redis.url, ...env })
  }
  const api = { base: cluster?.base ?? single!.base }
  const main = await setupTenant(api.base, { rateLimits: { read: 10_000_000, write: 10_000_000 } })
  // Limits the sustained phase stays under and the spike goes over (per key, per minute).
  const limited = await setupTenant(api.base, { rateLimits: { read: 1200, write: 600 } })
  const adminHeaders = { authorization: `Bearer ${main.token}`, 'x-tenant-id': main.tenantId }

  // A store: 2,000 products in 20 categories, 5,000 shoppers, 100,000 interactions over 30 days.
  const cats = Array.from({ length: 20 }, (_, i) => `category-${i}`)
  const items = Array.from({ length: PRODUCTS }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, description: `A ${cats[i % 20]} product, number ${i}`, category: cats[i % 20], price: 5 + (i % 200) }))
  for (const k of [main, limited]) for (let i = 0; i < items.length; i += 500) await call(api.base, 'POST', '/api/v1/catalog/batch', k.writeKey, { items: items.slice(i, i + 500) })
  const now = Date.now()
  let seeded = 0
  for (let b = 0; b < 1000; b += 8) {
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      const events = Array.from({ length: 100 }, (_, j) => {
        const n = (b + w) * 100 + j, u = n % USERS
        return { eventType: n % 7 === 0 ? 'purchase' : 'product_viewed', userId: `s${u}`, productId: `p${(u % 20) + 20 * ((n * 13) % 100)}`, timestamp: new Date(now - 30 * 86400_000 + n * 25_000).toISOString() }
      })
      // A busy database answers 503 with Retry-After (nothing stored): send the batch again, as a client would.
      let r = await call(api.base, 'POST', '/api/v1/events/batch', main.writeKey, { events })
      for (let tries = 0; r.status === 503 && tries < 5; tries++) {
        await sleep(1000 * Number(r.headers.get('retry-after') ?? 1))
        r = await call(api.base, 'POST', '/api/v1/events/batch', main.writeKey, { events })
      }
      if (r.status !== 202) throw new Error(`seeding: ${r.status} ${JSON.stringify(r.body)}`)
      seeded += r.body.data.accepted
    }))
  }
  for (const k of [main, limited]) await call(api.base, 'POST', '/api/v1/models/rebuild', k.writeKey)
  await waitForModel(api.base, main.writeKey, 600)
  const hasSummary = (await fetch(`${api.base}/api/v1/analytics/summary?range=7d`, { headers: adminHeaders })).status === 200
  const analytics = hasSummary ? '/api/v1/analytics/summary?range=7d' : '/api/v1/events?limit=20'
  console.log(`store: ${PRODUCTS} products, ${seeded} interactions; analytics reads: GET ${analytics}`)

  const kinds = (x: number): Kind[] => [
    { name: 'recommendations', method: 'GET', rate: RECS * x, headers: { 'x-api-key': main.readKey }, path: '/api/v1/recommendations?userId={user}&productId={product}&limit=8' },
    { name: 'event batches (20)', method: 'POST', rate: (RECS / 10) * x, headers: { 'x-api-key': main.writeKey }, path: '/api/v1/events/batch', batch: 20 },
    { name: 'analytics reads', method: 'GET', rate: Math.max(1, RECS / 50) * x, headers: hasSummary ? adminHeaders : { 'x-api-key': main.writeKey }, path: analytics },
    { name: 'over-limit key: recommendations', method: 'GET', rate: 10 * x, headers: { 'x-api-key': limited.readKey }, path: '/api/v1/recommendations?userId={user}&limit=8' },
    { name: 'over-limit key: event batches (20)', method: 'POST', rate: 5 * x, headers: { 'x-api-key': limited.writeKey }, path: '/api/v1/events/batch', batch: 20 },
  ]
  const spawn = async (mode: '--load' | '--closed', job: object) => {
    const p = Bun.spawn([process.execPath, 'scripts/load/mixed.ts', mode, JSON.stringify(job)], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' })
    const out = await new Response(p.stdout).text()
    await p.exited
    return JSON.parse(out.trim().split('\n').at(-1)!)
  }
  const before = { main: await storedEvents(db, main.tenantId), limited: await storedEvents(db, limited.tenantId) }

  let failed = false
  const acked = { main: 0, limited: 0 }
  for (const [phase, seconds, x] of [['sustained', SUSTAIN, 1], ['spike 10x', SPIKE, 10]] as const) {
    // A fresh minute for the limited keys' buckets between phases.
    if (phase !== 'sustained') await sleep(5000)
    const r = await spawn('--load', { base: api.base, seconds, kinds: kinds(x), users: USERS, products: PRODUCTS, tag: phase.replace(/\W/g, '') }) as Record<string, { sent: number; rps: number; statuses: Record<string, number>; acknowledged: number; p50: number; p95: number; p99: number }>
    console.log(`\n${phase}, ${seconds} s:`)
    console.log('| kind | rate | sent | p50 ms | p95 ms | p99 ms | statuses |')
    console.log('|---|---|---|---|---|---|---|')
    for (const [name, k] of Object.entries(r)) {
      console.log(`| ${name} | ${fmt(k.rps)}/s | ${k.sent} | ${fmt(k.p50)} | ${fmt(k.p95)} | ${fmt(k.p99)} | ${Object.entries(k.statuses).map(([s, n]) => `${s}: ${n}`).join(', ')} |`)
      const overLimit = name.startsWith('over-limit')
      const bad = Object.entries(k.statuses).filter(([s]) => !(s === '200' || s === '202' || (overLimit && s === '429')))
      if (bad.length) { failed = true; console.log(`  errors on ${name}: ${JSON.stringify(Object.fromEntries(bad))}`) }
      if (name.includes('event batches')) acked[overLimit ? 'limited' : 'main'] += k.acknowledged
      if (!overLimit && name !== 'analytics reads') summary[`${phase} ${name}`] = { rps: k.rps, p50: k.p50, p95: k.p95, p99: k.p99 }
    }
  }
  await sleep(1000)
  const stored = { main: (await storedEvents(db, main.tenantId)) - before.main, limited: (await storedEvents(db, limited.tenantId)) - before.limited }
  console.log(`\nevents acknowledged ${acked.main} + ${acked.limited} (over-limit tenant); stored ${stored.main} + ${stored.limited}`)
  if (stored.main !== acked.main || stored.limited !== acked.limited) { failed = true; console.log('  MISMATCH: acknowledged events not all stored (or stored without acknowledgement)') }

  // Throughput against hello-world, same server, same run.
  const recUrls = Array.from({ length: 500 }, (_, i) => `${api.base}/api/v1/recommendations?userId=s${(i * 7919) % USERS}&productId=p${(i * 31) % PRODUCTS}&limit=8`)
  const hello = await spawn('--closed', { urls: [`${api.base}/health`], headers: {}, seconds: 10, concurrency: 32 })
  const recs = await spawn('--closed', { urls: recUrls, headers: { 'x-api-key': main.readKey }, seconds: 10, concurrency: 32 })
  console.log(`closed loop, 32 clients, 10 s each: hello-world (/health) ${Math.round(hello.rps)} req/s, recommendations ${Math.round(recs.rps)} req/s (${((recs.rps / hello.rps) * 100).toFixed(0)} %), errors ${hello.errors} / ${recs.errors}`)
  if (recs.errors) failed = true
  Object.assign(summary, { 'closed loop hello rps': hello.rps, 'closed loop recommendations rps': recs.rps, failed })
  if (SUMMARY) console.log(`summary: ${JSON.stringify(summary)}`)
  console.log(failed ? '\nFAILED' : '\nno errors beyond 429s on the over-limit keys; nothing lost')
  process.exitCode = failed ? 1 : 0
} finally {
  await single?.kill()
  await cluster?.stop()
  await redis.stop()
  await db.drop()
}
process.exit(process.exitCode ?? 0)
