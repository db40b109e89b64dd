// Fault: a model worker killed mid-build (issue 8). An API instance
// (MODEL_WORKER=off) and a separate `bun server/worker.ts` on a throw-away
// PostgreSQL database; a tenant loaded through the API with the retail data
// set (3,665 products, 397,884 purchases, all within the model's window), so
// a build takes seconds. The first build finishes; a rebuild is requested and
// the worker gets SIGKILL while it holds the build lease. The old model keeps
// serving throughout; a second worker completes the build once the dead
// worker's lease has expired.
//
//   bun scripts/fault/worker-killed.ts [--lease-seconds 20] [--redis-port 6393]
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { call, checkList, fmt, privateRedis, type Proc, setupTenant, sleep, startProcess, throwawayDatabase } from '../lib/cluster.ts'
import { arg } from '../lib/args.ts'

const LEASE_S = arg('--lease-seconds', 20), REDIS_PORT = arg('--redis-port', 6393)

const redis = privateRedis(REDIS_PORT)
const db = await throwawayDatabase('worker_fault')
const procs: Proc[] = []
const { check, finish } = checkList()
const t0 = performance.now()
const at = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`

try {
  await redis.start()
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, MODEL_LEASE_SECONDS: String(LEASE_S) }
  const api = await startProcess('api', 'server/main.ts', { ...env, MODEL_WORKER: 'off' })
  procs.push(api)
  const k = await setupTenant(api.base, { rateLimits: { read: 1_000_000, write: 1_000_000 } })
  const post = async (path: string, body: unknown) => {
    const r = await call(api.base, 'POST', path, k.writeKey, body)
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`)
    return r.body
  }

  // ---- a tenant whose build takes seconds: the retail catalog and purchases, through the API
  const retail = loadOnlineRetail()
  const products = new Map<string, { name: string; price: number }>()
  for (const r of retail) if (!products.has(r.stockCode)) products.set(r.stockCode, { name: r.description || r.stockCode, price: r.price })
  const items = [...products].map(([productId, p]) => ({ productId, name: p.name, description: p.name, price: p.price, currency: 'GBP' }))
  for (let i = 0; i < items.length; i += 500) await post('/api/v1/catalog/batch', { items: items.slice(i, i + 500) })
  // The year of history squeezed into the last 80 days: all of it is in the model's 90-day window (a
  // longer build), and none is old enough for the retention job that every process starts with.
  const times = retail.map((r) => r.date.getTime())
  const first = Math.min(...times), last = Math.max(...times), end = Date.now() - 3600_000
  const when = (t: number) => end - ((last - t) / (last - first)) * 80 * 86400_000
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < retail.length; i += 100) {
    pending.push(post('/api/v1/events/batch', { events: retail.slice(i, i + 100).map((r, j) => ({
      eventType: 'purchase', userId: r.customer, productId: r.stockCode, timestamp: new Date(when(r.date.getTime()) + j).toISOString(),
      metadata: { price: r.price, quantity: r.quantity, orderId: r.invoice } })) }))
    if (pending.length >= 8) await Promise.all(pending.splice(0))
  }
  await Promise.all(pending)
  console.log(`[${at()}] loaded ${items.length} products and ${retail.length} purchases`)

  const model = async () => (await call(api.base, 'GET', '/api/v1/models', k.writeKey)).body.data as { status: string; version: string | null; stats: { buildMs?: number } | null }
  const recommend = () => call(api.base, 'GET', `/api/v1/recommendations?userId=${retail[0]!.customer}&strategy=collaborative&limit=5`, k.readKey)
  const waitFor = async (ok: (m: Awaited<ReturnType<typeof model>>) => boolean, limitS: number) => {
    const s = performance.now()
    for (;;) {
      const m = await model()
      if (ok(m)) return m
      if (performance.now() - s > limitS * 1000) throw new Error(`model: timed out in state ${JSON.stringify(m)}`)
      await sleep(50)
    }
  }

  // ---- first build by worker 1
  // Requested before the worker starts, so one build covers every request so far (a request
  // arriving during a build would make the worker build again right after).
  await post('/api/v1/models/rebuild', {})
  const worker1 = await startProcess('worker-1', 'server/worker.ts', env)
  procs.push(worker1)
  const v1 = await waitFor((m) => m.status === 'ready' && !!m.version, 120)
  console.log(`[${at()}] worker 1 built ${v1.version} (build ${v1.stats?.buildMs} ms in the worker)`)
  const before = await recommend()
  check('the first model serves', before.status === 200 && before.body.meta.modelVersion === v1.version, `${before.status} ${before.body.meta?.modelVersion}`)

  // ---- more events, a rebuild, and SIGKILL while worker 1 holds the lease
  await post('/api/v1/events/batch', { events: Array.from({ length: 100 }, (_, i) => ({ eventType: 'purchase', userId: `late-${i}`, productId: items[i]!.productId })) })
  await post('/api/v1/models/rebuild', {})
  const requested = performance.now()
  // The API reports 'building' as soon as a build is requested; the lease in the table says when a worker took it.
  const sql = db.connect()
  for (;;) {
    const [r] = await sql`select lease_until > now() as held from recommendation_models where tenant_id = ${k.tenantId}`
    if (r?.held) break
    if (performance.now() - requested > 30_000) throw new Error('worker 1 never took the lease')
    await sleep(20)
  }
  const claimed = performance.now()
  await sleep(500) // inside the build: reading interactions, or building
  worker1.proc.kill('SIGKILL')
  await worker1.proc.exited
  const killed = performance.now()
  const [lease] = await sql`select status, version, coalesce(extract(epoch from (lease_until - now())) * 1000, 0)::float8 as left_ms from recommendation_models where tenant_id = ${k.tenantId}`
  console.log(`[${at()}] rebuild requested; worker 1 took the lease after ${fmt(claimed - requested)} ms; SIGKILL ${fmt(killed - claimed)} ms into the build; lease left: ${fmt(Number(lease!.left_ms))} ms`)
  check('the build was cut short (no new version stored, the lease still held)', lease!.version === v1.version && lease!.status === 'building' && Number(lease!.left_ms) > 0, `${lease!.status}, ${lease!.version}`)

  // ---- worker 2 starts at once; the old model serves until the new one is ready
  const worker2 = await startProcess('worker-2', 'server/worker.ts', env)
  procs.push(worker2)
  const served: Record<string, number> = {}
  let other = 0, v2: Awaited<ReturnType<typeof model>> | undefined, readyAt = 0
  while (!v2 || performance.now() - readyAt < 6000) {
    const r = await recommend()
    const key = `${r.status} ${r.body?.meta?.modelVersion === v1.version ? 'old' : r.body?.meta?.modelVersion ? 'new' : 'none'}`
    served[key] = (served[key] ?? 0) + 1
    if (r.status !== 200) other++
    if (!v2) {
      const m = await model()
      if (m.status === 'ready' && m.version !== v1.version) { v2 = m; readyAt = performance.now() }
    }
    if (performance.now() - killed > (LEASE_S + 120) * 1000) throw new Error(`no new model; worker 2 said:\n${worker2.log().slice(-3000)}`)
    await sleep(100)
  }
  const [row] = await sql`select version from recommendation_models where tenant_id = ${k.tenantId}`
  await sql.end()
  const sinceKill = readyAt - killed
  console.log(`[${at()}] worker 2 built ${v2.version} ${fmt(sinceKill)} ms after the kill (lease ${LEASE_S} s; its build ${v2.stats?.buildMs} ms); answers meanwhile: ${JSON.stringify(served)}`)
  check('recommendations answered 200 throughout', other === 0, JSON.stringify(served))
  check('the old model served until the new one was ready', (served['200 old'] ?? 0) > 0, JSON.stringify(served))
  check('the next build waited for the dead worker\'s lease, then completed', sinceKill >= Number(lease!.left_ms) - 500 && row!.version === v2.version, `new model ${fmt(sinceKill / 1000)} s after the kill, lease had ${fmt(Number(lease!.left_ms) / 1000)} s left`)
  const after = await recommend()
  check('the API instance serves the new model', after.status === 200 && after.body.meta.modelVersion === v2.version, `${after.body.meta?.modelVersion}`)
} finally {
  for (const p of procs) await p.kill().catch(() => {})
  await redis.stop()
  await db.drop()
}
finish()
