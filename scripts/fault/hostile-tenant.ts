// Fault: a hostile tenant (issue 17). Two real API instances on a throw-away
// PostgreSQL database and a private Redis; an attacker tenant replays the
// reproductions the outside audit found while a victim tenant keeps writing
// and reading. Each check is what the audit saw broken, now refused or
// contained: nothing the attacker sends fails or stalls the victim.
//
//   bun scripts/fault/hostile-tenant.ts [--redis-port 6391]
import { arg } from '../lib/args.ts'
import { call, checkList, fmt, pct, privateRedis, type Proc, setupTenant, startProcess, throwawayDatabase } from '../lib/cluster.ts'

const REDIS_PORT = arg('--redis-port', 6391)
const METRICS_TOKEN = 'fault-metrics-token-0123456789'
const redis = privateRedis(REDIS_PORT)
const db = await throwawayDatabase('hostile')
const procs: Proc[] = []
const { check, finish } = checkList()
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString()
const post = (base: string, path: string, body: unknown, headers: Record<string, string>) =>
  fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const isProblem = (r: Response) => (r.headers.get('content-type') ?? '').startsWith('application/problem+json')

try {
  await redis.start()
  const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, METRICS_TOKEN, MAX_TENANT_RATE_LIMIT: '100000' }
  const a = await startProcess('api-a', 'server/main.ts', { ...env, MODEL_WORKER: 'inline' })
  procs.push(a)
  const b = await startProcess('api-b', 'server/main.ts', { ...env, MODEL_WORKER: 'off' })
  procs.push(b)
  console.log(`two instances (${a.base}, ${b.base}) on ${db.name}, Redis ${redis.url}`)
  const limits = { rateLimits: { read: 100_000, write: 100_000 } }
  const victim = await setupTenant(a.base, limits)
  const attacker = await setupTenant(b.base, limits)
  const sql = db.connect()
  const partitions = async () => Number((await sql`select count(*)::int as n from pg_inherits i join pg_class p on p.oid = i.inhparent where p.relname = 'events'`)[0]!.n)

  // ---- 1, 2: bad timestamps and a partition bomb, while the victim writes on both instances
  const before = await partitions()
  const victimWrites = Array.from({ length: 40 }, (_, i) => call([a, b][i % 2]!.base, 'POST', '/api/v1/events', victim.writeKey, { eventType: 'product_viewed', userId: `v${i}`, productId: `p${i % 5}`, eventId: `victim-${i}` }))
  const bad = await call(a.base, 'POST', '/api/v1/events', attacker.writeKey, { eventType: 'product_viewed', userId: 'x', productId: 'p', timestamp: '0000-06-01T00:00:00Z' })
  const bomb = await call(b.base, 'POST', '/api/v1/events/batch', attacker.writeKey, { events: [
    { eventType: 'product_viewed', userId: 'x', productId: 'p', timestamp: '2000-01-15T00:00:00Z' },
    { eventType: 'product_viewed', userId: 'x', productId: 'p', timestamp: '2009-12-15T00:00:00Z' },
    { eventType: 'product_viewed', userId: 'x', productId: 'p', timestamp: iso(60_000) },
  ] })
  const victimStatuses = (await Promise.all(victimWrites)).map((r) => r.status)
  check('a year-0 timestamp is a 400 naming timestamp', bad.status === 400 && bad.body?.errors?.some((e: any) => e.field === 'timestamp'), `${bad.status} ${JSON.stringify(bad.body?.errors)}`)
  check('the partition bomb: out-of-window rows rejected, the rest stored', bomb.status === 202 && bomb.body.data.accepted === 1 && bomb.body.data.rejected.length === 2, JSON.stringify(bomb.body.data))
  const after = await partitions()
  check('no partition created for rejected rows', after - before <= 1, `${before} → ${after} event partitions`)
  check('the victim\'s concurrent events all acknowledged', victimStatuses.every((s) => s === 202), `statuses ${[...new Set(victimStatuses)].join(',')}`)

  // ---- 13: an idempotency key stores a retried event once
  const retry = await call(a.base, 'POST', '/api/v1/events', victim.writeKey, { eventType: 'product_viewed', userId: 'v0', productId: 'p0', eventId: 'victim-0' })
  check('a retried eventId is a duplicate', retry.status === 200 && retry.body.data.status === 'duplicate', `${retry.status} ${JSON.stringify(retry.body)}`)
  const reused = await call(a.base, 'POST', '/api/v1/events', attacker.writeKey, { eventType: 'product_viewed', userId: 'v0', productId: 'p0', eventId: 'victim-0' })
  check('another tenant may use the same eventId', reused.status === 202, `${reused.status}`)

  // ---- 5, 4: exact paging over a tied batch, offset cap, cursor
  const tied = iso(120_000)
  for (let i = 0; i < 300; i += 100) {
    await call(a.base, 'POST', '/api/v1/events/batch', victim.writeKey, { events: Array.from({ length: 100 }, (_, j) => ({ eventType: 'product_viewed', userId: `tied-${i + j}`, productId: 'p1', timestamp: tied })) })
  }
  const seen: string[] = []
  let cursor: string | null = null, pages = 0
  do {
    const r = await call(b.base, 'GET', `/api/v1/events?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, victim.writeKey)
    if (r.status !== 200) { seen.push(`error ${r.status}`); break }
    seen.push(...r.body.data.map((e: any) => e.id))
    cursor = r.body.meta.pagination.nextCursor ?? null
  } while (cursor && ++pages < 100)
  const total = (await call(a.base, 'GET', '/api/v1/events?limit=1', victim.writeKey)).body.meta.pagination.total
  check('cursor paging returns every event exactly once', new Set(seen).size === seen.length && seen.length === total, `${seen.length} rows, ${new Set(seen).size} distinct, total ${total}`)
  const byOffset: string[] = []
  for (let off = 0; off < total; off += 9) byOffset.push(...(await call(a.base, 'GET', `/api/v1/events?limit=9&offset=${off}`, victim.writeKey)).body.data.map((e: any) => e.id))
  check('offset paging over tied timestamps is exact', new Set(byOffset).size === total && byOffset.length === total, `${byOffset.length} rows, ${new Set(byOffset).size} distinct`)
  const deep = await call(a.base, 'GET', '/api/v1/catalog?offset=19900', attacker.readKey)
  check('a deep offset is a 400 pointing to cursor', deep.status === 400 && /cursor/.test(deep.body.detail), `${deep.status} ${deep.body?.detail}`)

  // ---- 3: catalog search bounds
  const short = await call(a.base, 'GET', '/api/v1/catalog?q=a', attacker.readKey)
  check('a one-character search is a 400 naming q', short.status === 400 && short.body?.errors?.some((e: any) => e.field === 'q'), `${short.status}`)

  // ---- 8: the public read key reads no private data
  for (const path of ['/api/v1/events', '/api/v1/experiments', '/api/v1/analytics/overview']) {
    const r = await call(a.base, 'GET', path, victim.readKey)
    check(`read key refused on ${path}`, r.status === 403, `${r.status} ${r.body?.detail}`)
  }
  const recs = await call(a.base, 'GET', '/api/v1/recommendations?userId=v1&strategy=trending&limit=3', victim.readKey)
  check('read key still gets recommendations and the catalog', recs.status === 200 && (await call(a.base, 'GET', '/api/v1/catalog', victim.readKey)).status === 200, `${recs.status}`)

  // ---- 6: the login throttle holds under a parallel burst
  const email = `hostile-${Date.now()}@example.com`
  await post(a.base, '/api/v1/auth/signup', { email, password: 'the right password', name: 'Victim' }, {})
  const burst = await Promise.all(Array.from({ length: 45 }, (_, i) => post([a, b][i % 2]!.base, '/api/v1/auth/login', { email, password: `wrong ${i}` }, { 'x-forwarded-for': `203.0.113.${i}` })))
  const wrong = burst.filter((r) => r.status === 401).length
  check('45 parallel wrong passwords: at most 10 tried', wrong <= 10 && burst.every((r) => r.status === 401 || r.status === 429), `${wrong} × 401, ${burst.filter((r) => r.status === 429).length} × 429`)

  // ---- 7: an access token dies with its session
  const session = await (await post(a.base, '/api/v1/auth/signup', { email: `s-${email}`, password: 'another right password', name: 'S' }, {})).json() as any
  const bearer = { authorization: `Bearer ${session.data.accessToken}` }
  const live = await fetch(`${b.base}/api/v1/auth/me`, { headers: bearer })
  await post(a.base, '/api/v1/auth/logout', { refreshToken: session.data.refreshToken }, bearer)
  const dead = await fetch(`${b.base}/api/v1/auth/me`, { headers: bearer })
  check('after logout the access token is refused on the other instance', live.status === 200 && dead.status === 401, `${live.status} → ${dead.status}`)
  const [h, p] = session.data.accessToken.split('.')
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`
  check('an unsigned (alg none) token is refused', (await fetch(`${a.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${none}` } })).status === 401, h ? 'checked' : '')

  // ---- 9: limits a tenant cannot switch off
  const raise = await fetch(`${a.base}/api/v1/tenants/${attacker.tenantId}`, { method: 'PUT', headers: { authorization: `Bearer ${attacker.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ config: { rateLimits: { read: 10_000_000, write: 10_000_000 } } }) })
  check('a tenant cannot raise its limit above MAX_TENANT_RATE_LIMIT', raise.status === 400, `${raise.status}`)
  let invalid429 = 0
  for (let i = 0; i < 200 && !invalid429; i++) if ((await call(a.base, 'GET', '/api/v1/catalog', `re_live_not_a_key_${i}`)).status === 429) invalid429 = i + 1
  check('a flood of invalid keys is limited per address', invalid429 > 0, invalid429 ? `429 after ${invalid429} attempts` : 'never limited')
  const adminProbe = await fetch(`${a.base}/api/v1/tenants`, { headers: { authorization: `Bearer ${attacker.token}` } })
  check('admin-token requests carry a limit', adminProbe.headers.has('ratelimit-limit'), `RateLimit-Limit ${adminProbe.headers.get('ratelimit-limit')}`)

  // ---- 12, 13: errors from the HTTP layer are problem+json; prototype keys refused; /metrics guarded
  const big = await fetch(`${a.base}/api/v1/catalog/batch`, { method: 'POST', headers: { 'x-api-key': attacker.writeKey, 'content-type': 'application/json' }, body: 'x'.repeat(6 << 20) })
  check('a 6 MB body is a 413 problem', big.status === 413 && isProblem(big), `${big.status} ${big.headers.get('content-type')}`)
  const chunked = await fetch(`${a.base}/api/v1/catalog/batch`, { method: 'POST', headers: { 'x-api-key': attacker.writeKey, 'content-type': 'application/json' }, body: new Blob(['x'.repeat(6 << 20)]).stream() })
  check('a 6 MB chunked body is a 413 problem', chunked.status === 413 && isProblem(chunked), `${chunked.status} ${chunked.headers.get('content-type')}`)
  const headers = await fetch(`${a.base}/api/v1/catalog`, { headers: { 'x-api-key': attacker.readKey, 'x-junk': 'x'.repeat(32 << 10) } })
  check('huge headers are a 431 problem', headers.status === 431 && isProblem(headers), `${headers.status} ${headers.headers.get('content-type')}`)
  const wrongType = await fetch(`${a.base}/api/v1/catalog`, { method: 'POST', headers: { 'x-api-key': attacker.writeKey, 'content-type': 'application/xml' }, body: '<x/>' })
  check('a wrong Content-Type is a 415 problem', wrongType.status === 415 && isProblem(wrongType), `${wrongType.status}`)
  const proto = await fetch(`${a.base}/api/v1/catalog`, { method: 'POST', headers: { 'x-api-key': attacker.writeKey, 'content-type': 'application/json' }, body: '{"productId":"x","name":"x","__proto__":{"admin":true}}' })
  check('a __proto__ key is a 400 problem', proto.status === 400 && isProblem(proto), `${proto.status}`)
  const metricsOpen = await fetch(`${a.base}/metrics`)
  const metricsAuthed = await fetch(`${a.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  check('/metrics needs METRICS_TOKEN', metricsOpen.status === 401 && metricsAuthed.status === 200, `${metricsOpen.status} without, ${metricsAuthed.status} with`)

  // ---- the victim after all of it
  const ms: number[] = []
  for (let i = 0; i < 50; i++) ms.push((await call(b.base, 'GET', '/api/v1/recommendations?userId=v2&strategy=trending&limit=5', victim.readKey)).ms)
  check('the victim is served afterwards', ms.length === 50, `p95 ${fmt(pct(ms, 95))} ms`)
  await sql.end()
} catch (error) {
  check('the script ran to the end', false, String(error))
  for (const p of procs) console.log(`--- ${p.name} said:\n${p.log().slice(-3000)}`)
} finally {
  for (const p of procs) await p.kill()
  await redis.stop()
  await db.drop()
}
finish()
