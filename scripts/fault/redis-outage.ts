// Fault: Redis unreachable (issue 8). Two real API instances on one throw-away
// PostgreSQL database and a private redis-server that this script kills and
// starts again (empty, as after a crash). While it is down: recommendations
// still 200 (cache bypassed, local limiter), events still 202 and stored.
// When it is back: shared rate limits, the shared result cache and broadcasts
// (a key revoked on one instance refused at once by the other) resume without
// restarting the instances.
//
//   bun scripts/fault/redis-outage.ts [--redis-port 6390] [--outage-seconds 10]
import { call, checkList, fmt, pct, privateRedis, type Proc, seedSmallStore, setupTenant, sleep, startProcess, throwawayDatabase } from '../lib/cluster.ts'
import { arg } from '../lib/args.ts'

const REDIS_PORT = arg('--redis-port', 6390), OUTAGE_S = arg('--outage-seconds', 10)
const PROBE_LIMIT = 60 // read requests per minute for the rate-limit probe key

const redis = privateRedis(REDIS_PORT)
const db = await throwawayDatabase('redis_fault')
const procs: Proc[] = []
const { check, finish } = checkList()

try {
  await redis.start()
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url }
  const a = await startProcess('api-a', 'server/main.ts', { ...env, MODEL_WORKER: 'inline' })
  procs.push(a)
  const b = await startProcess('api-b', 'server/main.ts', { ...env, MODEL_WORKER: 'off' })
  procs.push(b)
  const instances = [a, b]
  console.log(`two instances (${a.base}, ${b.base}) on ${db.name}, Redis ${redis.url}`)

  const main = await setupTenant(a.base, { rateLimits: { read: 1_000_000, write: 1_000_000 } })
  const probe = await setupTenant(a.base, { rateLimits: { read: PROBE_LIMIT, write: 1_000_000 } })
  await seedSmallStore(a.base, main)

  // ---- background traffic on both instances through every phase
  type Phase = 'before' | 'outage' | 'after'
  let phase: Phase = 'before', running = true, seq = 0
  const stats: Record<Phase, { recs: Record<number, number>; events: Record<number, number>; recMs: number[] }> = {
    before: { recs: {}, events: {}, recMs: [] }, outage: { recs: {}, events: {}, recMs: [] }, after: { recs: {}, events: {}, recMs: [] },
  }
  const acked = new Set<string>()
  const traffic = Array.from({ length: 8 }, async (_, w) => {
    while (running) {
      const inst = instances[w % 2]!, s = stats[phase], i = seq++
      const r = await call(inst.base, 'GET', `/api/v1/recommendations?userId=u${i % 50}&strategy=${['collaborative', 'trending'][i % 2]}&limit=5`, main.readKey)
      s.recs[r.status] = (s.recs[r.status] ?? 0) + 1
      s.recMs.push(r.ms)
      const e = await call(inst.base, 'POST', '/api/v1/events', main.writeKey, { eventType: 'product_viewed', userId: `shopper-${i}`, productId: `p${i % 60}` })
      s.events[e.status] = (s.events[e.status] ?? 0) + 1
      if (e.status === 202) acked.add(e.body.data.id)
      await sleep(5)
    }
  })

  /** Requests on the probe key, alternating instances, as fast as they come back; how many were allowed. */
  const limitProbe = async (n: number) => {
    let allowed = 0
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      const r = await call(instances[i % 2]!.base, 'GET', '/api/v1/events?limit=1', probe.writeKey)
      if (r.status === 200) allowed++
    }))
    return allowed
  }
  /** Warms b's key cache with a fresh key, revokes it through a, and asks b at once (well inside b's 5 s key cache). */
  const revocationSeen = async () => {
    const made = await fetch(`${a.base}/api/v1/tenants/${main.tenantId}/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${main.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'revoke me', permissions: 'read' }) })
    const key = (await made.json() as any).data
    await call(b.base, 'GET', '/api/v1/me', key.key)
    await fetch(`${a.base}/api/v1/tenants/${main.tenantId}/api-keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${main.token}` } })
    const t0 = performance.now()
    for (;;) {
      const r = await call(b.base, 'GET', '/api/v1/me', key.key)
      if (r.status === 401) return performance.now() - t0
      if (performance.now() - t0 > 10_000) return Infinity
      await sleep(20)
    }
  }
  /** The same question on a and then b: does b answer from the cache a filled? */
  const sharedCache = async (tag: string) => {
    // A strategy that works from the shopper's history, for a shopper who has one (a new shopper's fallback is
    // kept per instance, not read back): only those answers are read back from the shared cache. A limit the
    // background traffic never asks for, so the first answer is worked out here.
    const q = `/api/v1/recommendations?userId=${tag === 'before' ? 'u1' : 'u2'}&strategy=collaborative&limit=${tag === 'before' ? 7 : 9}`
    const first = await call(a.base, 'GET', q, main.readKey)
    await sleep(50) // shared entries are written behind (within 5 ms)
    const second = await call(b.base, 'GET', q, main.readKey)
    return { first: first.body?.meta?.cached, second: second.body?.meta?.cached }
  }
  const redisUp = async (p: Proc) => /^recomengine_redis_up 1$/m.test(await (await fetch(`${p.base}/metrics`)).text())

  // ---- before
  await sleep(3000)
  let allowed = await limitProbe(PROBE_LIMIT + 40)
  check('before: rate limit shared by the two instances', allowed <= PROBE_LIMIT + 2, `${allowed} of ${PROBE_LIMIT + 40} allowed across both (limit ${PROBE_LIMIT}/min)`)
  let cache = await sharedCache('before')
  check('before: an answer cached by one instance is served by the other', cache.first === false && cache.second === true, JSON.stringify(cache))
  let seen = await revocationSeen()
  check('before: a key revoked on one instance is refused by the other at once', seen < 1000, `after ${fmt(seen)} ms`)

  // ---- outage
  await redis.stop()
  const down0 = performance.now()
  phase = 'outage'
  console.log(`Redis killed; outage for ${OUTAGE_S} s`)
  await sleep(1000)
  check('outage: instances report Redis down (/metrics recomengine_redis_up 0)', !(await redisUp(a)) && !(await redisUp(b)), '')
  // Each instance falls back to its own bucket: a key gets its limit from each of them.
  const probeDown = await setupTenant(a.base, { rateLimits: { read: PROBE_LIMIT, write: 1_000_000 } })
  let allowedDown = 0
  await Promise.all(Array.from({ length: PROBE_LIMIT * 2 + 40 }, async (_, i) => {
    if ((await call(instances[i % 2]!.base, 'GET', '/api/v1/events?limit=1', probeDown.writeKey)).status === 200) allowedDown++
  }))
  check('outage: rate limit enforced by each instance on its own (at most twice the limit across two)', allowedDown <= PROBE_LIMIT * 2 + 2 && allowedDown > PROBE_LIMIT, `${allowedDown} of ${PROBE_LIMIT * 2 + 40} allowed across both`)
  seen = await revocationSeen()
  check('outage: a revoked key is still refused by the other instance once its key cache expires (≤ 5 s)', seen <= 6000, `after ${fmt(seen)} ms (no broadcast; bounded by the TTL)`)
  await sleep(Math.max(0, OUTAGE_S * 1000 - (performance.now() - down0)))

  // ---- recovery: the same processes, no restart
  await redis.start()
  const up0 = performance.now()
  while (!((await redisUp(a)) && (await redisUp(b)))) {
    if (performance.now() - up0 > 15_000) throw new Error('instances did not reconnect to Redis')
    await sleep(100)
  }
  const reconnectMs = performance.now() - up0
  phase = 'after'
  console.log(`Redis back; both instances reconnected in ${fmt(reconnectMs)} ms`)
  await sleep(1000)
  // Local buckets from the outage may still hold leased tokens; a fresh minute on a fresh probe tenant shows the shared limit.
  const probe2 = await setupTenant(a.base, { rateLimits: { read: PROBE_LIMIT, write: 1_000_000 } })
  let allowed2 = 0
  await Promise.all(Array.from({ length: PROBE_LIMIT + 40 }, async (_, i) => {
    if ((await call(instances[i % 2]!.base, 'GET', '/api/v1/events?limit=1', probe2.writeKey)).status === 200) allowed2++
  }))
  check('after: rate limit shared again', allowed2 <= PROBE_LIMIT + 2, `${allowed2} of ${PROBE_LIMIT + 40} allowed across both (limit ${PROBE_LIMIT}/min)`)
  cache = await sharedCache('after')
  check('after: shared result cache again', cache.first === false && cache.second === true, JSON.stringify(cache))
  seen = await revocationSeen()
  check('after: broadcasts again (revocation refused by the other instance at once)', seen < 1000, `after ${fmt(seen)} ms`)
  await sleep(2000)
  running = false
  await Promise.all(traffic)

  // ---- traffic summary and the acknowledged events
  for (const p of ['before', 'outage', 'after'] as const) {
    const s = stats[p]
    console.log(`${p.padEnd(6)}: recommendations ${JSON.stringify(s.recs)} (p50 ${fmt(pct(s.recMs, 50))} ms, p99 ${fmt(pct(s.recMs, 99))} ms); events ${JSON.stringify(s.events)}`)
  }
  const outage = stats.outage
  const recsOk = Object.keys(outage.recs).every((s) => s === '200') && (outage.recs[200] ?? 0) > 0
  const eventsOk = Object.keys(outage.events).every((s) => s === '202') && (outage.events[202] ?? 0) > 0
  check('outage: every recommendation 200', recsOk, JSON.stringify(outage.recs))
  check('outage: every event 202', eventsOk, JSON.stringify(outage.events))
  const sql = db.connect()
  const ids = [...acked]
  const [{ n }] = await sql`select count(*)::int as n from events where id in ${sql(ids)}`
  await sql.end()
  check('every acknowledged event is in the database', n === ids.length, `${n} of ${ids.length}`)
  const warned = instances.map((p) => (p.log().match(/Redis unreachable/g) ?? []).length)
  console.log(`instances logged the outage once each: ${warned.join(', ')} warning(s)`)
} finally {
  for (const p of procs) await p.kill().catch(() => {})
  await redis.stop()
  await db.drop()
}
finish()
