// Fault: Redis down at start-up (issue 17, item 10). An API instance and a
// model worker start with REDIS_URL pointing at a Redis that is not running:
// both must start, the API serves on its in-process fallbacks and /health says
// `cache: "degraded"`; when Redis starts, both join it without a restart
// (/health says `redis`, the rate limiter and the answer cache are shared
// through it again).
//
//   bun scripts/fault/redis-down-at-start.ts [--redis-port 6392]
import { Redis } from 'ioredis'
import { arg } from '../lib/args.ts'
import { call, checkList, privateRedis, type Proc, setupTenant, sleep, startProcess, throwawayDatabase } from '../lib/cluster.ts'

const REDIS_PORT = arg('--redis-port', 6392)
const redis = privateRedis(REDIS_PORT)
const db = await throwawayDatabase('redis_late')
const procs: Proc[] = []
const { check, finish } = checkList()
const health = async (p: Proc) => (await (await fetch(`${p.base}/health`)).json()) as { status: string; cache: string }

try {
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url }
  const t0 = performance.now()
  const api = await startProcess('api', 'server/main.ts', { ...env, MODEL_WORKER: 'off' })
  procs.push(api)
  const worker = await startProcess('worker', 'server/worker.ts', env)
  procs.push(worker)
  check('the API starts with Redis down', true, `healthy after ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const down = await health(api)
  check('/health says degraded while Redis is down', down.status === 'ok' && down.cache === 'degraded', JSON.stringify(down))

  const tenant = await setupTenant(api.base, { rateLimits: { read: 100_000, write: 100_000 } })
  const ev = await call(api.base, 'POST', '/api/v1/events', tenant.writeKey, { eventType: 'product_viewed', userId: 'u1', productId: 'p1' })
  const recs = await call(api.base, 'GET', '/api/v1/recommendations?userId=u1&limit=5', tenant.readKey)
  check('requests are served on the in-process fallbacks', ev.status === 202 && recs.status === 200, `event ${ev.status}, recommendations ${recs.status}`)
  await sleep(1000)
  check('the worker is still running', worker.proc.exitCode === null, worker.proc.exitCode === null ? 'running' : `exited ${worker.proc.exitCode}`)

  await redis.start()
  const t1 = performance.now()
  let now = await health(api)
  for (let i = 0; i < 200 && now.cache !== 'redis'; i++) { await sleep(100); now = await health(api) }
  check('/health says redis once Redis answers, without a restart', now.cache === 'redis', `${JSON.stringify(now)} after ${((performance.now() - t1) / 1000).toFixed(1)} s`)

  // Shared state flows through Redis now: a small read budget is counted in a Redis bucket.
  const small = await setupTenant(api.base, { rateLimits: { read: 3, write: 100_000 } })
  const statuses: number[] = []
  for (let i = 0; i < 5; i++) statuses.push((await call(api.base, 'GET', '/api/v1/me', small.readKey)).status)
  const client = new Redis(redis.url)
  const buckets = (await client.keys('*rl:*')).length
  const clients = (await client.client('LIST') as string).trim().split('\n').length - 1 // minus this one
  await client.quit()
  check('the rate limiter counts in Redis after joining it', buckets > 0 && statuses.filter((s) => s === 429).length === 2, `${buckets} bucket keys in Redis; statuses ${statuses.join(',')}`)
  check('the API and the worker are connected to Redis', clients >= 4, `${clients} other client connections (2 per process)`)
  check('both processes still running', api.proc.exitCode === null && worker.proc.exitCode === null, '')
} catch (error) {
  check('the script ran to the end', false, String(error))
  for (const p of procs) console.log(`--- ${p.name} said:\n${p.log().slice(-3000)}`)
} finally {
  for (const p of procs) await p.kill()
  await redis.stop()
  await db.drop()
}
finish()
