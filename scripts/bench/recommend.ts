// Recommendation latency and throughput (issue 4): starts the real server,
// loads a store built from online_retail.csv.gz (catalog from its products,
// behaviour from its purchases before 2011-11-01, shifted to end an hour ago)
// through the public API,
// waits for the model, then drives GET /recommendations from a separate
// process: an open loop at a fixed rate (latency, client- and server-side via
// Server-Timing) and closed loops against /recommendations and a trivial route
// (/health) in the same run (throughput ratio): the mixed traffic below, a small
// working set (all answers cached) and personalised answers never asked before (all computed).
//
//   bun scripts/bench/recommend.ts [pglite|postgres] [--rate 1000] [--seconds 20] [--rounds 3] [--profile DIR] [--loops recs,hot,computed] [--rules 20]
//
// --rules N (issue 21) measures serving with N active merchandising rules (filters, boosts, a pin, a
// diversity cap, over every answer) side by side with none, in one run: each round runs the open loop
// and the closed loops without rules, then with them (created through the API), then deletes them.
// --loops picks the closed loops run besides hello-world (all three by default).
// --profile DIR restarts the server after loading, with a markdown CPU profile
// written to DIR when it exits: the profile then covers serving only.
import { machineBusyMs, ROOT as root, startBenchServer, type Engine } from '../lib/bench-server.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { arg } from '../lib/args.ts'
import { benchRules } from '../lib/bench-rules.ts'
import { STRATEGIES } from '../../server/vocabulary.ts'

if (process.argv[2] === '--load') {
  // ---- load-generator process
  const job = JSON.parse(process.argv[3]) as { base: string; key: string; users: string[]; products: string[]; mode: 'open' | 'closed'; path: 'recs' | 'recs-hot' | 'recs-computed' | 'hello'; rate: number; seconds: number; concurrency: number; start?: number }
  const strategies = STRATEGIES
  // Each run goes on where the last left off: a run replaying earlier URLs would find them cached.
  let n = job.start ?? 0
  // recs-hot: a small working set (200 shoppers, 50 products), so after warm-up
  // every request is a cache hit — the serving path without the engine.
  if (job.path === 'recs-hot') { job.users = job.users.slice(0, 200); job.products = job.products.slice(0, 50) }
  // recs-computed: every request a personalised answer not asked for before — collaborative
  // on a product page (the product is left out of the answer), each shopper with each product
  // in turn — so none comes from a cache.
  const url = () => {
    if (job.path === 'hello') return `${job.base}/health`
    const i = n++
    if (job.path === 'recs-computed') {
      const u = job.users.length
      return `${job.base}/api/v1/recommendations?userId=${encodeURIComponent(job.users[i % u]!)}&strategy=collaborative&productId=${encodeURIComponent(job.products[Math.floor(i / u) % job.products.length]!)}&context=product_page&limit=8`
    }
    const s = strategies[i % 4]
    const pid = s === 'frequently_bought_together' || s === 'content_based' ? `&productId=${encodeURIComponent(job.products[i % job.products.length])}` : ''
    return `${job.base}/api/v1/recommendations?userId=${encodeURIComponent(job.users[(i * 7919) % job.users.length])}&strategy=${s}${pid}&limit=8`
  }
  const client: number[] = [], server: number[] = []
  let errors = 0, cachedHits = 0
  const failures: Record<string, number> = {}
  const failed = (why: string) => { errors++; failures[why] = (failures[why] ?? 0) + 1 }
  const one = async () => {
    const t0 = performance.now()
    try {
      const res = await fetch(url(), { headers: { 'x-api-key': job.key } })
      const body = await res.text()
      client.push(performance.now() - t0)
      const st = res.headers.get('server-timing')?.match(/dur=([\d.]+)/)
      if (st) server.push(Number(st[1]))
      if (res.status !== 200) failed(String(res.status))
      else if (body.includes('"cached":true')) cachedHits++
    } catch (e) { failed(e instanceof Error ? e.name : 'thrown') }
  }
  const t0 = performance.now(), end = t0 + job.seconds * 1000
  if (job.mode === 'closed') await Promise.all(Array.from({ length: job.concurrency }, async () => { while (performance.now() < end) await one() }))
  else {
    const pending: Promise<void>[] = []
    for (let i = 0; performance.now() < end; i++) {
      const wait = t0 + (i * 1000) / job.rate - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      pending.push(one())
    }
    await Promise.all(pending)
  }
  const secs = (performance.now() - t0) / 1000
  const pct = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0 }
  const cpu = process.cpuUsage()
  console.log(JSON.stringify({ requests: client.length, rps: client.length / secs, errors, failures, cachedShare: cachedHits / Math.max(1, client.length), clientCpuUs: (cpu.user + cpu.system) / Math.max(1, client.length),
    client: { p50: pct(client, 50), p95: pct(client, 95), p99: pct(client, 99) }, server: { p50: pct(server, 50), p95: pct(server, 95), p99: pct(server, 99) } }))
  process.exit(0)
}

// ---- orchestrator
const engine = (process.argv[2] ?? 'postgres') as Engine
const RATE = arg('--rate', 1000), SECONDS = arg('--seconds', 20), ROUNDS = arg('--rounds', 3)
const profileDir = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined
const RULES = arg('--rules', 0)
const loops = new Set((process.argv.includes('--loops') ? process.argv[process.argv.indexOf('--loops') + 1]! : 'recs,hot,computed').split(','))
const skipped = { rps: NaN, cachedShare: NaN, errors: 0, failures: {}, serverCpuUs: NaN, clientCpuUs: NaN, otherCpuUs: NaN }
const { base, key, post, stop, signal, restart, cpuMs, rssMb } = await startBenchServer(engine, 'recs')
try {
  const auth = { 'x-api-key': key }
  const retail = loadOnlineRetail().filter((r) => r.date < new Date('2011-11-01T00:00:00Z'))
  const products = new Map<string, { name: string; price: number }>()
  for (const r of retail) if (!products.has(r.stockCode)) products.set(r.stockCode, { name: r.description || r.stockCode, price: r.price })
  // With --rules the items get a category (the description's last word: HOLDER, MUG, BAG…) for the diversity cap to bite on.
  const categoryOf = (name: string) => RULES ? name.trim().split(/\s+/).at(-1)!.toUpperCase() : undefined
  const items = [...products].map(([productId, p]) => ({ productId, name: p.name, description: p.name, price: p.price, currency: 'GBP', ...(RULES ? { category: categoryOf(p.name) } : {}) }))
  // Shift the history so its newest purchase is an hour ago: models look back 90 days.
  const shift = Date.now() - 3600_000 - Math.max(...retail.map((r) => r.date.getTime()))
  // The API takes the last 90 days only (what models look at anyway).
  const recent = retail.filter((r) => r.date.getTime() + shift >= Date.now() - 89 * 86400_000)
  const t0 = performance.now()
  /** The catalog and the purchases, into the tenant `postTo` writes to (--rules loads a second tenant the same). */
  const loadStore = async (postTo: (path: string, body: unknown) => Promise<any>) => {
    for (let i = 0; i < items.length; i += 500) await postTo('/api/v1/catalog/batch', { items: items.slice(i, i + 500) })
    const batches: Promise<unknown>[] = []
    for (let i = 0; i < recent.length; i += 100) {
      batches.push(postTo('/api/v1/events/batch', { events: recent.slice(i, i + 100).map((r, j) => ({
        eventType: 'purchase', userId: r.customer, productId: r.stockCode, timestamp: new Date(r.date.getTime() + shift + j).toISOString(),
        metadata: { price: r.price, quantity: r.quantity, orderId: r.invoice } })) }))
      if (batches.length >= 8) await Promise.all(batches.splice(0))
    }
    await Promise.all(batches)
  }
  await loadStore(post)
  console.log(`loaded ${items.length} products and ${recent.length} purchases (of ${retail.length}; the last 90 days) in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const b0 = performance.now()
  await post('/api/v1/models/rebuild', {})
  // While the model builds, /health is asked every 10 ms: how long the API is held back by a build.
  let building = true
  const probes: number[] = []
  const probing = (async () => {
    while (building) {
      const p0 = performance.now()
      await (await fetch(`${base}/health`)).text()
      probes.push(performance.now() - p0)
      await Bun.sleep(10)
    }
  })()
  let model: any
  for (;;) {
    model = (await (await fetch(`${base}/api/v1/models`, { headers: auth })).json() as any).data
    if (model.status === 'ready') break
    await Bun.sleep(250)
  }
  building = false
  await probing
  console.log(`model ready in ${((performance.now() - b0) / 1000).toFixed(1)} s (wall, incl. queueing): ${JSON.stringify(model.stats)}`)
  console.log(`  /health during the build: ${probes.length} probes, slowest ${Math.max(...probes).toFixed(0)} ms, median ${[...probes].sort((a, b) => a - b)[probes.length >> 1]!.toFixed(1)} ms`)
  if (profileDir) {
    await signal('SIGTERM')
    await restart(profileDir)
    console.log(`server restarted with a CPU profile to ${profileDir} (written when it exits)`)
  }

  const users = [...new Set(retail.map((r) => r.customer))]
  const productIds = items.map((i) => i.productId)
  const run = async (job: object) => {
    const p = Bun.spawn([process.execPath, 'scripts/bench/recommend.ts', '--load', JSON.stringify({ base, key, users, products: productIds, ...job })], { cwd: root, stdout: 'pipe', stderr: 'inherit' })
    const cpu0 = cpuMs(), busy0 = machineBusyMs()
    const out = await new Response(p.stdout).text()
    await p.exited
    const result = JSON.parse(out.trim().split('\n').at(-1)!)
    const per = (ms: number) => (ms * 1000) / Math.max(1, result.requests)
    const serverCpuUs = per(cpuMs() - cpu0)
    // Everything else the machine ran meanwhile (PostgreSQL, Redis, other tenants of this host), per request.
    return { ...result, serverCpuUs, otherCpuUs: Math.max(0, per(machineBusyMs() - busy0) - serverCpuUs - result.clientCpuUs) }
  }
  await run({ mode: 'closed', path: 'recs', rate: 0, seconds: 5, concurrency: 8 }) // warm-up
  if (RULES) await rulesSideBySide(run, items, loadStore)
  else {
  const open = await run({ mode: 'open', path: 'recs', rate: RATE, seconds: SECONDS, concurrency: 0, start: 500_000 })
  const f = (n: number) => n.toFixed(2)
  console.log(`${engine} open loop ${RATE} req/s for ${SECONDS} s: ${open.requests} requests, ${open.errors} errors ${JSON.stringify(open.failures)}, cached ${(open.cachedShare * 100).toFixed(0)} %`)
  console.log(`  server-side p50 ${f(open.server.p50)} ms  p95 ${f(open.server.p95)} ms  p99 ${f(open.server.p99)} ms`)
  console.log(`  client-side p50 ${f(open.client.p50)} ms  p95 ${f(open.client.p95)} ms  p99 ${f(open.client.p99)} ms`)
  // Closed loops alternate hello-world and recommendations, ROUNDS times, so a
  // passing disturbance on this shared machine lands on both; medians reported.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  if (loops.has('hot')) await run({ mode: 'closed', path: 'recs-hot', rate: 0, seconds: 3, concurrency: 8 }) // warm the small working set
  const rows: { hello: number; recs: number; hot: number; computed: number; computedCached: number; cached: number; errors: number }[] = []
  const failures: Record<string, number> = {}
  const tally = (x: { failures: Record<string, number> }) => { for (const [why, n] of Object.entries(x.failures)) failures[why] = (failures[why] ?? 0) + n }
  for (let r = 0; r < ROUNDS; r++) {
    const hello = await run({ mode: 'closed', path: 'hello', rate: 0, seconds: 10, concurrency: 32 })
    const recs = loops.has('recs') ? await run({ mode: 'closed', path: 'recs', rate: 0, seconds: 10, concurrency: 32, start: (r + 1) * 1_000_000 }) : skipped
    const hot = loops.has('hot') ? await run({ mode: 'closed', path: 'recs-hot', rate: 0, seconds: 10, concurrency: 32 }) : skipped
    // Each round its own stretch of (shopper, limit, context) combinations: nothing asked twice.
    const computed = loops.has('computed') ? await run({ mode: 'closed', path: 'recs-computed', rate: 0, seconds: 10, concurrency: 32, start: r * 250_000 }) : skipped
    rows.push({ hello: hello.rps, recs: recs.rps, hot: hot.rps, computed: computed.rps, computedCached: computed.cachedShare, cached: recs.cachedShare, errors: recs.errors + hot.errors + computed.errors })
    tally(recs); tally(hot); tally(computed)
    const pct = (x: number) => `${((x / hello.rps) * 100).toFixed(0)} %`
    console.log(`  round ${r + 1}: hello-world ${Math.round(hello.rps)} req/s; recommendations ${Math.round(recs.rps)} req/s (${pct(recs.rps)}, cached ${(recs.cachedShare * 100).toFixed(0)} %); small working set ${Math.round(hot.rps)} req/s (${pct(hot.rps)}); all computed ${Math.round(computed.rps)} req/s (${pct(computed.rps)}, cached ${(computed.cachedShare * 100).toFixed(0)} %)`)
    const us = (x: { serverCpuUs: number; clientCpuUs: number; otherCpuUs: number }) => `${x.serverCpuUs.toFixed(0)} / ${x.clientCpuUs.toFixed(0)} / ${x.otherCpuUs.toFixed(0)}`
    console.log(`    CPU µs per request, server / load generator / rest of the machine: hello-world ${us(hello)}, recommendations ${us(recs)}, small working set ${us(hot)}, all computed ${us(computed)}; server RSS ${rssMb().toFixed(0)} MB`)
  }
  const mixed = median(rows.map((x) => x.recs / x.hello)), allCached = median(rows.map((x) => x.hot / x.hello)), allComputed = median(rows.map((x) => x.computed / x.hello))
  console.log(`${engine} closed loop, 32 clients, ${ROUNDS} x 10 s each: median of ${ROUNDS} rounds — recommendations ${(mixed * 100).toFixed(0)} % of hello-world (cached ${(median(rows.map((x) => x.cached)) * 100).toFixed(0)} %), small working set (all cached) ${(allCached * 100).toFixed(0)} %, all computed ${(allComputed * 100).toFixed(0)} % (cached ${(median(rows.map((x) => x.computedCached)) * 100).toFixed(0)} %); errors ${rows.reduce((s, x) => s + x.errors, 0)} ${JSON.stringify(failures)}`)
  }
} finally {
  await stop()
}

/**
 * Serving with and without rules, side by side: a second tenant holds the same store and N rules (created once,
 * so its cached answers build up as the first tenant's do); each round runs the open loop and the closed loops on
 * the tenant without rules, then on the one with them, so a passing disturbance lands on both. Reported: the open
 * loop's server-side p95 and the mixed closed loop's throughput as a share of hello-world.
 */
async function rulesSideBySide(run: (job: object) => Promise<any>, items: { productId: string; category?: string; price: number }[], loadStore: (postTo: (path: string, body: unknown) => Promise<any>) => Promise<void>) {
  const send = async (path: string, body: unknown, headers: Record<string, string>, method = 'POST') => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return res.json() as Promise<any>
  }
  const token = (await send('/api/v1/auth/signup', { email: `bench-rules-${Date.now()}@example.com`, password: 'benchmark password', name: 'Bench' }, {})).data.accessToken
  const admin = { authorization: `Bearer ${token}` }
  const tenant = (await send('/api/v1/tenants', { name: 'Bench with rules', config: { rateLimits: { read: 10_000_000, write: 10_000_000 } } }, admin)).data
  const ruledKey = (await send(`/api/v1/tenants/${tenant.id}/api-keys`, { name: 'bench', permissions: 'write' }, admin)).data.key as string
  const postRuled = (path: string, body: unknown) => send(path, body, { 'x-api-key': ruledKey })
  await loadStore(postRuled)
  await postRuled('/api/v1/models/rebuild', {})
  while ((await (await fetch(`${base}/api/v1/models`, { headers: { 'x-api-key': ruledKey } })).json() as any).data.status !== 'ready') await Bun.sleep(250)
  const rules = benchRules(items, RULES)
  for (const body of rules) await postRuled('/api/v1/rules', body)
  console.log(`second tenant loaded and built, ${rules.length} rules on it: ${rules.map((r) => (r as { action: string }).action).join(', ')}`)
  await run({ mode: 'closed', path: 'recs', rate: 0, seconds: 5, concurrency: 8, key: ruledKey }) // its warm-up, as the first tenant had
  const rounds: { off: { p95: number; ratio: number; cached: number }; on: { p95: number; ratio: number; cached: number } }[] = []
  const f = (n: number) => n.toFixed(2)
  for (let r = 0; r < ROUNDS; r++) {
    const phase = async (label: string, tenantKey: string) => {
      const start = 2_000_000 + r * 400_000 // the same requests for both tenants
      const open = await run({ mode: 'open', path: 'recs', rate: RATE, seconds: SECONDS, concurrency: 0, start, key: tenantKey })
      const hello = await run({ mode: 'closed', path: 'hello', rate: 0, seconds: 10, concurrency: 32 })
      const recs = await run({ mode: 'closed', path: 'recs', rate: 0, seconds: 10, concurrency: 32, start: start + 100_000, key: tenantKey })
      console.log(`  round ${r + 1} ${label}: open loop ${RATE} req/s server-side p50 ${f(open.server.p50)} p95 ${f(open.server.p95)} p99 ${f(open.server.p99)} ms, cached ${(open.cachedShare * 100).toFixed(0)} %, errors ${open.errors + recs.errors}; mixed closed loop ${Math.round(recs.rps)} req/s = ${((recs.rps / hello.rps) * 100).toFixed(0)} % of hello-world (${Math.round(hello.rps)}), cached ${(recs.cachedShare * 100).toFixed(0)} %, server CPU ${recs.serverCpuUs.toFixed(0)} µs/req`)
      return { p95: open.server.p95 as number, ratio: recs.rps / hello.rps, cached: recs.cachedShare as number }
    }
    const off = await phase('no rules', key)
    const on = await phase(`${rules.length} rules`, ruledKey)
    rounds.push({ off, on })
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
  const p95Off = median(rounds.map((x) => x.off.p95)), p95On = median(rounds.map((x) => x.on.p95))
  const ratioOff = median(rounds.map((x) => x.off.ratio)), ratioOn = median(rounds.map((x) => x.on.ratio))
  console.log(`${engine}, ${rules.length} rules vs none, median of ${ROUNDS} rounds: server-side p95 ${f(p95Off)} → ${f(p95On)} ms (${(((p95On - p95Off) / p95Off) * 100).toFixed(0)} %); mixed throughput ${(ratioOff * 100).toFixed(0)} % → ${(ratioOn * 100).toFixed(0)} % of hello-world (${(((ratioOn - ratioOff) / ratioOff) * 100).toFixed(0)} %)`)
}
