// Fault: PostgreSQL unreachable (issue 8). Two real API instances reach a
// throw-away database through a TCP proxy in this script; cutting the proxy
// closes every connection and refuses new ones, as a dead database host
// would look (the shared cluster itself is never touched). While it is cut:
// events get 503 + Retry-After, never a false 202; recommendations are served
// from what the instances hold (model, profiles, answers: stale beats empty).
// When it is restored the same processes recover; every event ever
// acknowledged is in the database.
//
//   bun scripts/fault/postgres-outage.ts [--redis-port 6391] [--outage-seconds 15]
import { call, checkList, fmt, pct, privateRedis, type Proc, seedSmallStore, setupTenant, sleep, startProcess, tcpProxy, throwawayDatabase } from '../lib/cluster.ts'
import { arg } from '../lib/args.ts'

const REDIS_PORT = arg('--redis-port', 6391), OUTAGE_S = arg('--outage-seconds', 15)

const db = await throwawayDatabase('pg_fault')
const target = new URL(db.url)
const proxy = tcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
const viaProxy = db.url.replace(`${target.hostname}:${target.port || 5432}`, `127.0.0.1:${proxy.port}`)
// A private Redis, so that this run's broadcasts and cache keys stay out of the shared one.
const redis = privateRedis(REDIS_PORT)
const procs: Proc[] = []
const { check, finish } = checkList()

try {
  await redis.start()
  const env = { DATABASE_URL: viaProxy, REDIS_URL: redis.url }
  const a = await startProcess('api-a', 'server/main.ts', { ...env, MODEL_WORKER: 'inline' })
  procs.push(a)
  const b = await startProcess('api-b', 'server/main.ts', { ...env, MODEL_WORKER: 'off' })
  procs.push(b)
  const instances = [a, b]
  console.log(`two instances (${a.base}, ${b.base}) on ${db.name} through a proxy on :${proxy.port}`)

  const main = await setupTenant(a.base, { rateLimits: { read: 1_000_000, write: 1_000_000 } })
  await seedSmallStore(a.base, main)

  type Phase = 'before' | 'outage' | 'after'
  let phase: Phase = 'before', running = true, seq = 0
  const blank = () => ({ recs: {} as Record<string, number>, events: {} as Record<string, number>, batches: {} as Record<string, number>, recMs: [] as number[], eventMs: [] as number[], noRetryAfter: 0, stale: 0 })
  const stats: Record<Phase, ReturnType<typeof blank>> = { before: blank(), outage: blank(), after: blank() }
  const acked = new Set<string>()
  let batchAccepted = 0
  const firstEventAfter: Record<string, number> = {}
  let restoredAt = 0
  const bump = (o: Record<string, number>, k: number | string) => { o[k] = (o[k] ?? 0) + 1 }
  const traffic = Array.from({ length: 8 }, async (_, w) => {
    while (running) {
      const inst = instances[w % 2]!, i = seq++
      // Counted in the phase in which the answer arrived.
      const at = () => stats[phase]
      // Known shoppers (their profiles are in memory) and new ones (not in memory).
      const user = i % 4 === 0 ? `new-${i}` : `u${i % 40}`
      const r = await call(inst.base, 'GET', `/api/v1/recommendations?userId=${user}&strategy=${['collaborative', 'trending', 'content_based'][i % 3]}&productId=p${i % 60}&limit=5`, main.readKey)
      let s = at()
      bump(s.recs, r.status)
      s.recMs.push(r.ms)
      if (r.body?.meta?.stale) s.stale++
      if (i % 5 === 0) {
        // A batch: its accepted count must be stored too.
        const events = Array.from({ length: 10 }, (_, j) => ({ eventType: 'product_viewed', userId: `batch-${i}-${j}`, productId: `p${j}` }))
        const e = await call(inst.base, 'POST', '/api/v1/events/batch', main.writeKey, { events })
        s = at()
        bump(s.batches, e.status)
        if (e.status === 202) batchAccepted += e.body.data.accepted
        else if (e.status === 503 && !e.headers.get('retry-after')) s.noRetryAfter++
      } else {
        const e = await call(inst.base, 'POST', '/api/v1/events', main.writeKey, { eventType: 'product_viewed', userId: `shopper-${i}`, productId: `p${i % 60}` })
        s = at()
        bump(s.events, e.status)
        s.eventMs.push(e.ms)
        if (e.status === 202) {
          acked.add(e.body.data.id)
          if (phase === 'after' && firstEventAfter[inst.name] === undefined) firstEventAfter[inst.name] = performance.now() - restoredAt
        } else if (e.status === 503 && !e.headers.get('retry-after')) s.noRetryAfter++
      }
      await sleep(5)
    }
  })

  await sleep(3000)
  proxy.cut()
  phase = 'outage'
  console.log(`PostgreSQL cut off (all connections closed, new ones refused) for ${OUTAGE_S} s`)
  await sleep(OUTAGE_S * 1000)
  proxy.restore()
  restoredAt = performance.now()
  phase = 'after'
  console.log('PostgreSQL reachable again')
  for (let i = 0; Object.keys(firstEventAfter).length < 2 && i < 300; i++) await sleep(100)
  await sleep(3000)
  running = false
  await Promise.all(traffic)

  for (const p of ['before', 'outage', 'after'] as const) {
    const s = stats[p]
    console.log(`${p.padEnd(6)}: recommendations ${JSON.stringify(s.recs)} (stale ${s.stale}; p50 ${fmt(pct(s.recMs, 50))} ms, p99 ${fmt(pct(s.recMs, 99))} ms); events ${JSON.stringify(s.events)} (p99 ${fmt(pct(s.eventMs, 99))} ms); batches ${JSON.stringify(s.batches)}`)
  }
  const o = stats.outage
  const only = (rec: Record<string, number>, allowed: string[]) => Object.keys(rec).every((k) => allowed.includes(k))
  check('outage: recommendations answered 200 (from memory; stale beats empty)', only(o.recs, ['200']) && (o.recs['200'] ?? 0) > 0, JSON.stringify(o.recs))
  check('outage: events refused with 503 (202 only for what was stored before the cut)', only(o.events, ['503', '202']) && (o.events['503'] ?? 0) > 0, JSON.stringify(o.events))
  check('outage: batches refused with 503', only(o.batches, ['503', '202']) && (o.batches['503'] ?? 0) > 0, JSON.stringify(o.batches))
  check('outage: every 503 carries Retry-After', o.noRetryAfter === 0, `${o.noRetryAfter} without`)
  check('after: events accepted again on both instances without a restart', Object.keys(firstEventAfter).length === 2, Object.entries(firstEventAfter).map(([n, ms]) => `${n} after ${fmt(ms)} ms`).join(', '))
  check('after: everything 200/202 again', only(stats.after.recs, ['200']) && only(stats.after.events, ['202', '503']) && (stats.after.events['202'] ?? 0) > 0, `${JSON.stringify(stats.after.recs)} ${JSON.stringify(stats.after.events)}`)

  const sql = db.connect()
  const ids = [...acked]
  const [{ n }] = await sql`select count(*)::int as n from events where id in ${sql(ids)}`
  const [{ m }] = await sql`select count(*)::int as m from events where user_id like 'batch-%'`
  await sql.end()
  check('no false 202: every acknowledged single event is in the database', n === ids.length, `${n} of ${ids.length}`)
  // A group whose COMMIT reached the database just as the connection was cut is stored though its
  // caller got a 503 (the answer was lost, not the events): more stored than accepted is at-least-once.
  check('every event a batch reported accepted is in the database', m >= batchAccepted, `${m} stored, ${batchAccepted} accepted${m > batchAccepted ? ` (${m - batchAccepted} committed as the connection was cut, answered 503)` : ''}`)
  for (const p of procs) {
    if (p.proc.exitCode !== null) check(`${p.name} kept running`, false, `exited with ${p.proc.exitCode}; its last output:\n${p.log().slice(-2000)}`)
    const lines = p.log().split('\n').filter((l) => l.includes('"level":"error"'))
    const races = p.log().split('\n').filter((l) => l.includes('connection dropped during a write')).length
    console.log(`${p.name}: ${lines.length} error log line(s)${lines.length ? `, first: ${lines[0]!.slice(0, 300)}` : ''}${races ? `; survived the driver's write race ${races} time(s)` : ''}`)
  }
} finally {
  for (const p of procs) await p.kill().catch(() => {})
  proxy.close()
  await redis.stop()
  await db.drop()
}
finish()
