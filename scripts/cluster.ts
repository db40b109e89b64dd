// The production topology (deploy/compose.yaml) as processes on loopback: two
// API instances (MODEL_WORKER=off) and one model worker on a throw-away
// PostgreSQL database and a private Redis, behind a round-robin proxy (a tiny
// Bun proxy standing in for Caddy). Checks that the instances share one state
// (a key made through one works on the other, the worker's model serves on
// both), then restarts the API instances one at a time under load: no request
// may fail and every acknowledged event must be stored.
//
//   bun scripts/cluster.ts [--seconds 20] [--rate 200] [--redis-port 6395] [--hold]
//
// --hold keeps the cluster up afterwards (Ctrl-C stops it) and prints its address.
// The load test across the same topology: bun scripts/load/mixed.ts --cluster.
import { arg } from './lib/args.ts'
import { call, checkList, fmt, pct, privateRedis, seedSmallStore, setupTenant, sleep, startCluster, storedEvents, throwawayDatabase, type Cluster } from './lib/cluster.ts'

const SECONDS = arg('--seconds', 20), RATE = arg('--rate', 200), REDIS_PORT = arg('--redis-port', 6395)
const redis = privateRedis(REDIS_PORT)
const db = await throwawayDatabase('cluster')
const { check, finish } = checkList()
let cluster: Cluster | undefined
try {
  await redis.start()
  cluster = await startCluster({ databaseUrl: db.url, redisUrl: redis.url, env: { LOG_LEVEL: 'warn' } })
  const c = cluster
  console.log(`proxy ${c.base} → ${c.apis.map((a) => a.base).join(', ')}; worker pid ${c.worker.proc.pid}`)

  // ---- one state behind the proxy
  const k = await setupTenant(c.base, { rateLimits: { read: 1_000_000, write: 1_000_000 } })
  await seedSmallStore(c.base, k)
  check('the worker built the model (the API instances do not build)', (await call(c.base, 'GET', '/api/v1/models', k.writeKey)).body.data.status === 'ready', 'ready')
  const versions = await Promise.all(c.apis.map(async (a) => (await call(a.base, 'GET', '/api/v1/recommendations?userId=u1&limit=5', k.readKey)).body?.meta?.modelVersion))
  check('both instances serve the worker\'s model with the key made through the proxy', versions.every((v) => v && v === versions[0]), versions.join(', '))
  check('the proxy spread the requests over both instances', Object.values(c.proxy.served).every((n) => n > 10), JSON.stringify(c.proxy.served))

  // ---- rolling restart under load: recommendations and events through the proxy, open loop
  const eventsBefore = await storedEvents(db, k.tenantId)
  const statuses: Record<string, number> = {}
  const ms: number[] = []
  let acked = 0, seq = 0
  const t0 = performance.now(), end = t0 + SECONDS * 1000
  const inflight: Promise<void>[] = []
  const load = (async () => {
    for (let i = 0; performance.now() < end; i++) {
      const wait = t0 + (i * 1000) / RATE - performance.now()
      if (wait > 0) await sleep(wait)
      inflight.push((async () => {
        const r = i % 4 === 0
          ? await call(c.base, 'POST', '/api/v1/events', k.writeKey, { eventType: 'product_viewed', userId: `u${i % 40}`, productId: `p${i % 60}`, eventId: `rolling-${seq++}` })
          : await call(c.base, 'GET', `/api/v1/recommendations?userId=u${i % 40}&limit=5`, k.readKey)
        statuses[r.status] = (statuses[r.status] ?? 0) + 1
        ms.push(r.ms)
        if (r.status === 202) acked++
      })())
    }
  })()
  const restarts: string[] = []
  for (const i of c.apis.keys()) {
    await sleep(Math.max(0, t0 + ((i + 1) * SECONDS * 1000) / (c.apis.length + 1) - performance.now()))
    const s = performance.now()
    await c.restartApi(i)
    restarts.push(`api-${i + 1} down and back in ${fmt((performance.now() - s) / 1000)} s`)
  }
  await load
  await Promise.all(inflight)
  await sleep(500)
  const stored = (await storedEvents(db, k.tenantId)) - eventsBefore
  const sent = Object.values(statuses).reduce((a, b) => a + b, 0)
  console.log(`rolling restart: ${restarts.join('; ')}`)
  console.log(`${sent} requests at ${RATE}/s over ${SECONDS} s: ${JSON.stringify(statuses)}; p50 ${fmt(pct(ms, 50))} ms, p99 ${fmt(pct(ms, 99))} ms, max ${fmt(Math.max(...ms))} ms`)
  check('no request failed while the instances restarted one at a time', Object.keys(statuses).every((s) => s === '200' || s === '202'), JSON.stringify(statuses))
  check('every acknowledged event is stored, none twice', stored === acked, `acknowledged ${acked}, stored ${stored}`)
  check('both restarted instances serve', (await Promise.all(c.apis.map(async (a) => (await fetch(`${a.base}/health`)).status))).every((s) => s === 200), c.apis.map((a) => a.base).join(', '))

  if (process.argv.includes('--hold')) {
    console.log(`\ncluster up: ${c.base} (API through the proxy); read key ${k.readKey}, write key ${k.writeKey}. Ctrl-C stops it.`)
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  }
} catch (e) {
  check('the cluster ran', false, (e as Error).message)
} finally {
  await cluster?.stop()
  await redis.stop()
  await db.drop()
}
finish()
