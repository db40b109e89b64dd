// Many tenants on one instance (issue 26, NFR-022). A throw-away PostgreSQL database gets N
// tenants written in bulk (catalogs of 50–5,000 items and 300–30,000 events, log-uniform,
// each with a read key) plus one 10,000-item probe tenant; their models are built here,
// outside the server (child processes, the build's own function and the store's save path),
// so setup takes minutes. Then the real server (`bun server/main.ts`, MODEL_WORKER=off,
// MODEL_CACHE_MB set) serves mixed recommendation traffic with Zipf-distributed tenant
// popularity, twice in one run on fresh processes: the top --compare tenants alone, then all
// N. Reports RSS (peak, end), latency of hot tenants (the top --compare), of tenants' first
// request, and of the rest; model loads/s and evictions (the server's /metrics); and the
// probe tenant's model: ready (served by its model) how long after its first request, and
// its load path in this process (gunzip, JSON, serving index). Prints a markdown table.
//
//   bun scripts/bench/tenants.ts [--tenants 1000] [--cache-mb 1024] [--seconds 60] [--concurrency 16] [--compare 10]
//     [--zipf 1] [--builders 2] [--keep] [--db <name of a database a --keep run left>] [--load-path: the probe's load path only]
//     [--serving-only: the serving runs only] [--rate R: open loop at R requests/s instead of --concurrency clients];
//     [--warm-seconds N: MODEL_WARM_SECONDS for the serving runs; the server's default otherwise];
//     MODEL_LOAD_THREADS in the environment reaches the server
import postgres from 'postgres'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzip, gunzipSync, gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import { loadStoredModel, stopLoadThread } from '../../server/models/load-runner.ts'
import { loadedModelBytes } from '../../server/models/model-bytes.ts'
import { arg } from '../lib/args.ts'
import { ROOT } from '../lib/bench-server.ts'
import { openDatabase } from '../../db/client.ts'
import { catalogForModel, claimBuild, interactionsForModel, loadModelBase64, loadModelBytes, saveModel } from '../../db/queries/models.ts'
import { buildModel } from '../../server/engine/build.ts'
import { UNTUNED_SETTINGS } from '../../server/engine/tune.ts'
import { HOUR_MS } from '../../server/engine/strategies/weights.ts'
import { compactForServing } from '../../server/engine/strategies/model-index.ts'
import type { EventType, TenantModel } from '../../server/engine/types.ts'
import { hmacSha256 } from '../../server/infra/crypto.ts'
import { loadKernels } from '../../server/kernels/load.ts'
import { itemOf } from '../../server/models/store.ts'
import { mulberry32 } from '../eval/synthetic.ts'

const TENANTS = arg('--tenants', 1000), CACHE_MB = arg('--cache-mb', 1024), SECONDS = arg('--seconds', 60)
const RATE = arg('--rate', 0)
const WARM = process.argv.includes('--warm-seconds') ? String(arg('--warm-seconds', 0)) : undefined
const CONCURRENCY = arg('--concurrency', 16), COMPARE = arg('--compare', 10), ZIPF = arg('--zipf', 1), BUILDERS = arg('--builders', 2)
const KEEP = process.argv.includes('--keep')
const REUSE = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : undefined
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const PEPPER = 'bench-tenants-pepper-0123456789-0123456789'
const JWT = 'bench-tenants-jwt-secret-0123456789-0123456789'
const PROBE_ITEMS = 10_000, PROBE_EVENTS = 30_000
const DAY = 86400_000
const fmt = (x: number, digits = 0) => x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ')

// ---- a builder child: builds its share of the tenants (index % shards) and stores them as the worker does ----
if (process.argv.includes('--build-shard')) {
  const shard = arg('--build-shard', 0), shards = arg('--shards', 1)
  const database = await openDatabase({ databaseUrl: process.argv[process.argv.indexOf('--url') + 1]!, maxConnections: 2 })
  const kernels = await loadKernels()
  const ids = (await database.raw.query<{ id: string }>(`select id from tenants where name like 'bench-tenants %' order by name`)).map((r) => r.id)
  let built = 0, gzBytes = 0
  const started = performance.now()
  for (let i = shard; i < ids.length; i += shards) {
    const tenantId = ids[i]!
    const now = Date.now()
    const [rows, interactions] = await Promise.all([catalogForModel(database.raw, tenantId), interactionsForModel(database.raw, tenantId, new Date(now - 90 * DAY), new Date(now))])
    const model = buildModel({
      items: rows.map(itemOf), now, weights: {}, halfLifeDays: UNTUNED_SETTINGS.halfLifeDays, liveFrom: Math.floor(now / HOUR_MS) * HOUR_MS,
      interactions: interactions.map((r) => ({ userId: r.u, productId: r.p, eventType: r.e as EventType, ts: Number(r.t), orderId: r.o ?? undefined, sessionId: r.s ?? undefined })),
    }, kernels)
    const gzipped = gzipSync(JSON.stringify(model))
    const holder = `bench-builder-${shard}`
    if (!(await claimBuild(database.raw, tenantId, { holder, now: new Date(), leaseMs: 600_000 }))) throw new Error(`could not claim ${tenantId}`)
    if (!(await saveModel(database.raw, tenantId, { version: model.version, builtAt: new Date(model.builtAt), model: gzipped, stats: { ...model.stats, bytes: gzipped.byteLength } }, new Date(), holder))) throw new Error(`could not save ${tenantId}`)
    built++
    gzBytes += gzipped.byteLength
    if (built % 50 === 0) console.error(`  builder ${shard}: ${built} models, ${fmt((performance.now() - started) / 1000)} s`)
  }
  await database.close()
  console.log(JSON.stringify({ built, gzBytes, ms: performance.now() - started }))
  process.exit(0)
}

// ---- setup ----
const dbName = REUSE ?? `recomengine_bench_tenants_${Date.now().toString(36)}`
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
if (!REUSE) await admin.unsafe(`create database ${dbName}`)
const database = await openDatabase({ databaseUrl: url, maxConnections: 4 })
await database.migrate()
const raw = database.raw

interface Tenant { id: string; name: string; items: number; events: number; users: number; key: string }
const rand = mulberry32(26)
const logUniform = (lo: number, hi: number) => Math.round(Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))))
// Sizes and keys are drawn the same way every run, so a reused database (--db) gets the keys it holds.
const shapes = Array.from({ length: TENANTS + 1 }, (_, i) => {
  const probe = i === TENANTS
  const items = probe ? PROBE_ITEMS : logUniform(50, 5000)
  const events = probe ? PROBE_EVENTS : logUniform(300, 30_000)
  return { name: probe ? 'bench-tenants probe' : `bench-tenants ${String(i).padStart(5, '0')}`, items, events, users: Math.max(20, Math.round(events / 15)) }
})
const hashKey = await hmacSha256(PEPPER)
const keyOf = async (name: string) => {
  // A key derived from the tenant's name (the same on a reused database), shaped as minted keys are: rk_live_ + 40 characters.
  const key = `rk_live_${Buffer.from(name).toString('hex').padStart(40, '0').slice(-40)}`
  return { key, prefix: key.slice(0, 12), keyHash: await hashKey(key) }
}

const setupStarted = performance.now()
if (!REUSE) {
  console.log(`setup: ${TENANTS} tenants + a ${fmt(PROBE_ITEMS)}-item probe into ${dbName} (load ${load()})`)
  const [owner] = await raw.query<{ id: string }>(`insert into users (email, password_hash, name) values ($1, 'not-a-hash', 'bench') returning id`, [`bench-tenants-${Date.now()}@example.com`])
  const [account] = await raw.query<{ id: string }>(`insert into accounts (name) values ('bench tenants') returning id`)
  const config = JSON.stringify({ rateLimits: { read: 10_000_000, write: 10_000_000 } })
  const rows = await raw.query<{ id: string; name: string }>(
    `insert into tenants (account_id, owner_id, name, status, config) select $1, $2, x.name, 'active', $4::jsonb from jsonb_to_recordset($3::jsonb) x(name text) returning id, name`,
    [account!.id, owner!.id, JSON.stringify(shapes.map((s) => ({ name: s.name }))), config])
  const idOf = new Map(rows.map((r) => [r.name, r.id]))
  const keys = await Promise.all(shapes.map(async (s) => ({ tenant_id: idOf.get(s.name), name: 'bench', permissions: 'read', ...(await keyOf(s.name)) })))
  await raw.query(
    `insert into api_keys (tenant_id, name, prefix, key_hash, permissions) select x.tenant_id, x.name, x.prefix, x."keyHash", x.permissions from jsonb_to_recordset($1::jsonb) x(tenant_id uuid, name text, prefix text, "keyHash" text, permissions text)`,
    [JSON.stringify(keys)])
  // Each tenant's catalog and behaviour in two statements: words from small lists make names and descriptions
  // overlap (content similarity), users browse a neighbourhood of the catalog (co-views), some orders buy.
  let done = 0
  const writeOne = async (s: (typeof shapes)[number]) => {
    const id = idOf.get(s.name)!
    await raw.query(
      `insert into catalog_items (tenant_id, product_id, name, category, price, description, attributes)
       select $1, 'p' || g,
         (array['Alpine','Breeze','Cedar','Delta','Ember','Fjord','Grove','Harbor','Iris','Juniper','Kestrel','Lumen','Maple'])[1 + g % 13] || ' ' ||
         (array['jacket','runner','grinder','knife','mat','game','lamp','kettle','backpack','bottle','scarf','tent','watch','boot','chair','desk','pan'])[1 + (g / 13) % 17] || ' ' || g,
         'category-' || (g % 25), 5 + g % 200,
         'A ' || (array['waterproof','cushioned','forged','breathable','compact','insulated','ergonomic','classic','premium','everyday'])[1 + (g / 7) % 10] ||
         ' item, ' || (array['light','sturdy','soft','quiet','warm','fast','durable','handmade'])[1 + (g / 3) % 8] || ' and easy to care for',
         jsonb_build_object('color', (array['black','navy','olive','grey','red'])[1 + g % 5])
       from generate_series(1, $2::int) g`, [id, s.items])
    await raw.query(
      `insert into events (tenant_id, event_type, user_id, product_id, ts, metadata)
       select $1, case when g % 25 = 0 then 'purchase' when g % 10 = 0 then 'add_to_cart' else 'product_viewed' end, 'u' || (g % $3::int),
         'p' || (1 + ((g % $3::int) * 37 + (g / $3::int) % 15) % $2::int), now() - ((g * 7) % 43200) * interval '1 minute',
         case when g % 25 = 0 then jsonb_build_object('orderId', 'o' || (g % $3::int) || '-' || (g / 500), 'price', 10) end
       from generate_series(1, $4::int) g`, [id, s.items, s.users, s.events])
    if (++done % 100 === 0) console.log(`  ${done} tenants written, ${fmt((performance.now() - setupStarted) / 1000)} s`)
  }
  const queue = [...shapes]
  await Promise.all(Array.from({ length: 3 }, async () => { for (let s = queue.shift(); s; s = queue.shift()) await writeOne(s) }))
  const written = performance.now()
  console.log(`  written in ${fmt((written - setupStarted) / 1000)} s; building models with ${BUILDERS} processes (load ${load()})`)
  const builders = Array.from({ length: BUILDERS }, (_, shard) =>
    Bun.spawn([process.execPath, import.meta.path, '--build-shard', String(shard), '--shards', String(BUILDERS), '--url', url], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' }))
  const results = await Promise.all(builders.map(async (b) => { const out = await new Response(b.stdout).text(); if ((await b.exited) !== 0) throw new Error('a builder failed'); return JSON.parse(out.trim().split('\n').pop()!) as { built: number; gzBytes: number } }))
  const built = results.reduce((s, r) => s + r.built, 0), gz = results.reduce((s, r) => s + r.gzBytes, 0)
  console.log(`  ${built} models built and stored in ${fmt((performance.now() - written) / 1000)} s (${fmt(gz / 2 ** 20, 1)} MiB gzipped)`)
}
const setupSeconds = (performance.now() - setupStarted) / 1000
// A key is found by its hash in api_key_hashes (as insertKeyWithinLimit writes it); also for a database set up before that table.
await raw.query('insert into api_key_hashes (key_hash, tenant_id, key_id) select key_hash, tenant_id, id from api_keys on conflict do nothing')
const byName = new Map((await raw.query<{ id: string; name: string }>(`select id, name from tenants where name like 'bench-tenants %'`)).map((r) => [r.name, r.id]))
const tenants: Tenant[] = await Promise.all(shapes.map(async (s) => ({ ...s, id: byName.get(s.name)!, key: (await keyOf(s.name)).key })))
const probe = tenants.pop()!
// Popularity: a random order of the tenants; rank r is asked for in proportion to 1 / r^s.
const ranked = [...tenants]
for (let i = ranked.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [ranked[i], ranked[j]] = [ranked[j]!, ranked[i]!] }

// ---- the server ----
async function startServer(warmSeconds = WARM) {
  const port = 22000 + Math.floor(Math.random() * 9000)
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tenants-'))
  const env = {
    ...process.env, PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: url, REDIS_URL: '', MODEL_WORKER: 'off', MODEL_CACHE_MB: String(CACHE_MB),
    LOG_LEVEL: 'error', JWT_SECRET: JWT, API_KEY_PEPPER: PEPPER, MAX_TENANT_RATE_LIMIT: '10000000',
    ...(warmSeconds !== undefined ? { MODEL_WARM_SECONDS: warmSeconds } : {}),
  }
  // BENCH_PROFILE_DIR: the server writes a markdown CPU profile there when it exits.
  const prof = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
  const proc = Bun.spawn([process.execPath, ...prof, 'server/main.ts'], { cwd: ROOT, env, stdout: 'inherit', stderr: 'inherit' })
  const base = `http://127.0.0.1:${port}`
  const spawned = performance.now()
  // Ready: /health answers 200 once the models warmed at start (MODEL_WARM_SECONDS) are loaded.
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break } catch { /* starting */ }
    if (i > 1200) throw new Error('server did not start')
    await Bun.sleep(100)
  }
  const readyMs = performance.now() - spawned
  const status = () => readFileSync(`/proc/${proc.pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? 0) / 1024
  return {
    base, readyMs, rssMb: () => kb('VmRSS'), peakMb: () => kb('VmHWM'),
    metrics: async () => {
      const text = await (await fetch(`${base}/metrics`)).text()
      const m = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
      return { loads: m('recomengine_model_cache_loads_total'), evictions: m('recomengine_model_cache_evictions_total'), loadMs: m('recomengine_model_cache_load_ms_total'), bytes: m('recomengine_model_cache_bytes'), models: m('recomengine_model_cache_models') }
    },
    stop: async () => { proc.kill('SIGTERM'); await proc.exited; rmSync(dataDir, { recursive: true, force: true }) },
  }
}

// ---- traffic ----
/** `at`: ms into the run when the request was sent. */
/** ms: client side, from when the request was due; serverMs: the handler's own time (Server-Timing app). */
interface Sample { rank: number; ms: number; serverMs: number; first: boolean; loading: boolean; at: number }
const pct = (xs: number[], p: number) => { if (!xs.length) return NaN; const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! }

async function run(count: number) {
  const pool = ranked.slice(0, count)
  const weights = pool.map((_, r) => 1 / (r + 1) ** ZIPF)
  const cumulative: number[] = []
  weights.reduce((s, w, i) => (cumulative[i] = s + w), 0)
  const total = cumulative[cumulative.length - 1]!
  const pick = () => { const x = rand() * total; let lo = 0, hi = cumulative.length - 1; while (lo < hi) { const mid = (lo + hi) >> 1; if (cumulative[mid]! < x) lo = mid + 1; else hi = mid } return lo }
  const server = await startServer()
  const warmed = await server.metrics()
  const loadBefore = load()
  const samples: Sample[] = []
  const seen = new Set<number>()
  let peakRss = server.rssMb(), errors = 0
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, server.rssMb()) }, 200)
  const started = performance.now()
  const deadline = started + SECONDS * 1000
  // One request: `t0` is when it was meant to be sent (open loop: a late send counts against the server).
  const request = async (t0: number) => {
    const rank = pick()
    const t = pool[rank]!
    const kind = rand()
    // Mixed pages: a shopper's homepage list, a product page, trending.
    const qs = `userId=u${Math.floor(rand() * t.users * 1.2)}&limit=8` + (kind < 0.35 ? `&productId=p${1 + Math.floor(rand() * t.items)}` : kind < 0.5 ? '&strategy=trending' : '')
    const first = !seen.has(rank)
    seen.add(rank)
    t0 = Math.max(t0, performance.now()) // a timer may wake a little early: never count from before the send
    try {
      const res = await fetch(`${server.base}/api/v1/recommendations?${qs}`, { headers: { 'x-api-key': t.key } })
      const body = await res.json() as { meta?: { modelLoading?: boolean } }
      if (res.status !== 200) { errors++; return }
      const serverMs = Number(/app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN)
      samples.push({ rank, ms: performance.now() - t0, serverMs, first, loading: body.meta?.modelLoading === true, at: t0 - started })
    } catch { errors++ }
  }
  if (RATE) {
    // Open loop at a fixed rate, the same offered load whatever the tenant count: latency then says what
    // many tenants cost a hot one, not how a saturated closed loop shares out the server.
    const inFlight = new Set<Promise<void>>()
    for (let i = 0; ; i++) {
      const due = started + (i * 1000) / RATE
      if (due >= deadline) break
      const wait = due - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      if (inFlight.size >= 1024) { errors++; continue } // the server fell behind: counted, not queued without end
      const p = request(due).finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await Promise.all(inFlight)
  } else {
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) await request(performance.now())
    }))
  }
  const seconds = (performance.now() - started) / 1000
  clearInterval(sampler)
  const metrics = await server.metrics()
  const endRss = server.rssMb()
  peakRss = Math.max(peakRss, server.peakMb())
  // Loads during the run: those of the warm-up before it are not the traffic's.
  return { count, server, seconds, samples, errors, peakRss, endRss, metrics: { ...metrics, loads: metrics.loads - warmed.loads }, warm: { readyMs: server.readyMs, models: warmed.loads, bytes: warmed.bytes }, loadBefore, loadAfter: load(), tenantsAsked: seen.size }
}

/** The probe's model: its first request (answered while it loads) to the first answer its model gives. */
async function probeReady(server: Awaited<ReturnType<typeof startServer>>) {
  const ask = async () => {
    const res = await fetch(`${server.base}/api/v1/recommendations?userId=u1&limit=8`, { headers: { 'x-api-key': probe.key } })
    const body = await res.json() as { meta: { modelLoading?: boolean; modelVersion: string | null } }
    if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body).slice(0, 300)}`)
    return body
  }
  const t0 = performance.now()
  const first = await ask()
  const firstMs = performance.now() - t0
  for (;;) {
    const r = await ask()
    if (r.meta.modelVersion) return { firstMs, firstLoading: first.meta.modelLoading === true, readyMs: performance.now() - t0 }
    if (performance.now() - t0 > 60_000) throw new Error('the probe model never served')
    await Bun.sleep(10)
  }
}

/**
 * The load path in this process, step by step, on the probe's stored model (best of 5): CPU time
 * (user + system of this process, which has one thread busy here) as well as wall time, which on
 * a shared machine is mostly waiting for a core.
 */
async function loadPath() {
  const best = { read: [Infinity, Infinity], gunzip: [Infinity, Infinity], parse: [Infinity, Infinity], index: [Infinity, Infinity] }
  let gzBytes = 0
  const step = async <T>(name: keyof typeof best, f: () => T | Promise<T>): Promise<T> => {
    const c0 = process.cpuUsage(), t0 = performance.now()
    const out = await f()
    const c = process.cpuUsage(c0)
    best[name] = [Math.min(best[name][0]!, (c.user + c.system) / 1000), Math.min(best[name][1]!, performance.now() - t0)]
    return out
  }
  for (let i = 0; i < 5; i++) {
    const row = (await step('read', () => loadModelBytes(raw, probe.id)))!
    gzBytes = row.model.byteLength
    const text = await step('gunzip', () => gunzipSync(row.model).toString('utf8'))
    const model = await step('parse', () => JSON.parse(text) as TenantModel)
    await step('index', () => compactForServing(model))
  }
  return { ...best, gzBytes, serving: await servingThreadCpu() }
}

/** This process's main thread's CPU ms (/proc: the load thread's time is not in it). */
const mainThreadMs = () => {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) * 10 // utime + stime, in ticks of 10 ms
}

/**
 * The serving thread's CPU per load of the probe's model, 20 loads each way, and the longest
 * the event loop went without a turn meanwhile (a 1 ms interval timer's largest gap): as the
 * store loaded before the load thread (base64 decode, gunzip on zlib's pool, parse, index,
 * bytes), and as it loads now, on PGlite's path (the base64 text read here, handed to the load
 * thread) and on PostgreSQL's (the load thread reads the model itself).
 */
async function servingThreadCpu() {
  const N = 20
  // CPU first, without the ticker (whose own turns are CPU too), then the gaps over 5 more loads.
  const measure = async (f: () => Promise<unknown>) => {
    const c0 = mainThreadMs()
    for (let i = 0; i < N; i++) await f()
    const cpu = (mainThreadMs() - c0) / N
    let last = performance.now(), gap = 0
    const ticker = setInterval(() => { const now = performance.now(); gap = Math.max(gap, now - last); last = now }, 1)
    for (let i = 0; i < 5; i++) await f()
    clearInterval(ticker)
    return { cpu, gap }
  }
  let sliced = 0, longest = 0
  const inline = await measure(async () => {
    const row = (await loadModelBytes(raw, probe.id))!
    const model = JSON.parse((await promisify(gunzip)(row.model)).toString('utf8')) as TenantModel
    loadedModelBytes(model, compactForServing(model))
  })
  const readHere = await measure(() => loadStoredModel(raw, probe.id, { threads: 1 }))
  const threadReads = await measure(async () => {
    const r = (await loadStoredModel(raw, probe.id, { threads: 1, databaseUrl: url }))!
    sliced += r.servingMs
    longest = Math.max(longest, r.longestMs)
  })
  const readOnly = await measure(() => loadModelBase64(raw, probe.id))
  // The same ticker with nothing to do for a second: the gaps the shared machine makes on its own.
  const idle = await measure(() => new Promise((resolve) => setTimeout(resolve, 50)))
  stopLoadThread()
  return { inline, readHere, threadReads, readOnly, idle, slicedMs: sliced / (N + 5), longestSliceMs: longest }
}

const results: Awaited<ReturnType<typeof run>>[] = []
let probeResult: Awaited<ReturnType<typeof probeReady>> | undefined, coldProbe: typeof probeResult
let path: Awaited<ReturnType<typeof loadPath>> | undefined
try {
  // --serving-only: the serving runs without the load path first (side-by-side runs against another checkout).
  if (!process.argv.includes('--serving-only')) path = await loadPath()
  // --load-path: the probe's load path alone (no server, no traffic).
  if (process.argv.includes('--load-path')) throw Object.assign(new Error('load path only'), { loadPathOnly: true })
  for (const count of [Math.min(COMPARE, TENANTS), TENANTS]) {
    console.log(`serving ${count} tenants for ${SECONDS} s, ${RATE ? `open loop at ${RATE} req/s` : `${CONCURRENCY} concurrent`}, MODEL_CACHE_MB=${CACHE_MB} (load ${load()})`)
    const r = await run(count)
    results.push(r)
    // The probe's failure is reported, not the end of the run: the serving figures stand on their own.
    if (count === TENANTS) probeResult = await probeReady(r.server).catch((error) => { console.log(`probe failed: ${error}`); return undefined })
    await r.server.stop()
  }
  // The probe again on a fresh server that loads nothing before it is ready: a 10k-item model's load on its first request.
  if (results.length) {
    const cold = await startServer('0')
    coldProbe = await probeReady(cold).catch((error) => { console.log(`cold probe failed: ${error}`); return undefined })
    await cold.stop()
  }
} catch (error) {
  if (!(error as { loadPathOnly?: boolean }).loadPathOnly) throw error
} finally {
  await database.close()
  if (KEEP || REUSE) console.log(`kept database ${dbName} (--db ${dbName} reuses it)`)
  else await admin.unsafe(`drop database if exists ${dbName} with (force)`)
  await admin.end()
}

// ---- report ----
const hotOf = (r: (typeof results)[number]) => r.samples.filter((s) => s.rank < COMPARE && !s.first).map((s) => s.ms)
// The steady state: the run's second half, after most tenants' first requests and the loads they start.
const steadyHotOf = (r: (typeof results)[number]) => r.samples.filter((s) => s.rank < COMPARE && !s.first && s.at >= (SECONDS * 1000) / 2).map((s) => s.ms)
const row = (r: (typeof results)[number]) => {
  const hot = hotOf(r)
  const firsts = r.samples.filter((s) => s.first).map((s) => s.ms)
  const rest = r.samples.filter((s) => s.rank >= COMPARE && !s.first).map((s) => s.ms)
  const ms = (xs: number[]) => xs.length ? `${fmt(pct(xs, 50), 1)} / ${fmt(pct(xs, 95), 1)} / ${fmt(pct(xs, 99), 1)}` : '–'
  return `| ${r.count} | ${fmt(r.warm.readyMs / 1000, 1)} s, ${fmt(r.warm.models)} (${fmt(r.warm.bytes / 2 ** 20)} MiB) | ${fmt(r.samples.length / r.seconds)} | ${fmt(r.peakRss)} / ${fmt(r.endRss)} | ${ms(hot)} | ${ms(steadyHotOf(r))} | ${ms(firsts)} (${firsts.length}) | ${ms(rest)} | ${r.samples.filter((s) => s.loading).length} | ${fmt(r.metrics.loads / r.seconds, 1)} (${fmt(r.metrics.loads)}) | ${fmt(r.metrics.evictions)} | ${fmt(r.metrics.bytes / 2 ** 20)} MiB, ${r.metrics.models} | ${r.errors} | ${r.loadBefore} → ${r.loadAfter} |`
}
if (results.length) {
console.log(`\nsetup ${fmt(setupSeconds)} s${REUSE ? ' (reused database)' : ''}; ${SECONDS} s per run, ${RATE ? `open loop at ${RATE} req/s` : `${CONCURRENCY} concurrent`}, Zipf s=${ZIPF}, MODEL_CACHE_MB=${CACHE_MB}`)
console.log(`hot = the top ${COMPARE} tenants by popularity (catalogs ${ranked.slice(0, COMPARE).map((t) => t.items).join(', ')} items); first = each tenant's first request of the run (its model loaded before it if warmed); latencies in ms, p50 / p95 / p99, client side\n`)
console.log('| tenants | ready after, models warmed | req/s | RSS MB peak / end | hot | hot, second half | first (n) | others | answered while loading | model loads/s (total) | evictions | cache at end | errors | load avg before → after |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (const r of results) console.log(row(r))
}
if (results.length === 2) {
  const ratio = (of: typeof hotOf) => fmt(pct(of(results[1]!), 95) / pct(of(results[0]!), 95), 2)
  console.log(`\nhot-tenant p95, ${TENANTS} tenants against ${results[0]!.count}: whole run ${ratio(hotOf)}x, second half ${ratio(steadyHotOf)}x`)
  // Client time is the handler's time plus what the request waited before and after it (the event loop, the
  // machine's other work): the handler's own p95 says whether hot requests wait on something inside.
  // The arrival burst and after: hot p95 and the answers given while a model loaded, per 10 s of the run.
  const windows = (r: (typeof results)[number]) => Array.from({ length: Math.ceil(SECONDS / 10) }, (_, w) => {
    const inW = r.samples.filter((s) => s.at >= w * 10_000 && s.at < (w + 1) * 10_000)
    return `${fmt(pct(inW.filter((s) => s.rank < COMPARE && !s.first).map((s) => s.ms), 95), 1)} (${inW.filter((s) => s.loading).length})`
  }).join(' | ')
  console.log(`hot p95 per 10 s (answers given while a model loaded): ${results[0]!.count} tenants: ${windows(results[0]!)}`)
  console.log(`hot p95 per 10 s (answers given while a model loaded): ${TENANTS} tenants: ${windows(results[1]!)}`)
  const handler = (r: (typeof results)[number], from: number) => pct(r.samples.filter((s) => s.rank < COMPARE && !s.first && s.at >= from).map((s) => s.serverMs), 95)
  console.log(`hot requests' handler time p95 (Server-Timing), ${results[0]!.count} vs ${TENANTS} tenants: whole run ${fmt(handler(results[0]!, 0), 2)} vs ${fmt(handler(results[1]!, 0), 2)} ms, second half ${fmt(handler(results[0]!, (SECONDS * 1000) / 2), 2)} vs ${fmt(handler(results[1]!, (SECONDS * 1000) / 2), 2)} ms`)
}
if (probeResult) {
  console.log(`\n${fmt(PROBE_ITEMS)}-item probe tenant after the ${TENANTS}-tenant run: first request answered in ${fmt(probeResult.firstMs, 1)} ms (${probeResult.firstLoading ? 'fallback, meta.modelLoading' : 'by its model'}); its model served ${fmt(probeResult.readyMs)} ms after it`)
}
if (coldProbe) {
  console.log(`the probe on a fresh server with MODEL_WARM_SECONDS=0: first request answered in ${fmt(coldProbe.firstMs, 1)} ms (${coldProbe.firstLoading ? 'fallback, meta.modelLoading' : 'by its model'}); its model served ${fmt(coldProbe.readyMs)} ms after it`)
}
if (path) {
  const ms = ([cpu, wall]: number[]) => `${fmt(cpu!)} ms CPU (${fmt(wall!)} wall)`
  console.log(`its load path in this process (best of 5): read ${ms(path.read)}, gunzip + utf-8 ${ms(path.gunzip)}, JSON ${ms(path.parse)}, serving index ${ms(path.index)}; ${fmt(path.gzBytes / 2 ** 20, 1)} MiB gzipped`)
  console.log(`  together ${fmt(path.read[0]! + path.gunzip[0]! + path.parse[0]! + path.index[0]!)} ms CPU`)
  const sv = path.serving
  const both = (x: { cpu: number; gap: number }) => `${fmt(x.cpu, 1)} ms (longest event-loop gap ${fmt(x.gap, 1)} ms)`
  console.log(`serving-thread CPU per load (20 each, /proc ticks): in-thread ${both(sv.inline)}; load thread, model read here (PGlite's path) ${both(sv.readHere)}; load thread reading it itself (PostgreSQL's path) ${both(sv.threadReads)}, of it ${fmt(sv.slicedMs, 1)} ms wall in its slices, the longest ${fmt(sv.longestSliceMs, 1)} ms; the base64 read alone ${both(sv.readOnly)}; idle, 1 s: longest gap ${fmt(sv.idle.gap, 1)} ms (load ${load()})`)
}
