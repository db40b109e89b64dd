// Redis Cluster for real (issue 26): three masters on loopback ports, two app instances on
// the real PostgreSQL sharing it. Limits, the answer cache, live counters and broadcasts
// behave as on one Redis; then a master is SIGKILLed mid-traffic: every request is still
// answered (the in-process fallbacks) and every event acknowledged with 202 is in PostgreSQL.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { RedisCache } from '../infra/cache/redis.ts'
import { tenantTag } from '../infra/cache/keys.ts'
import { perMinute } from '../infra/rate-limit/token-bucket.ts'
import { HOUR_MS } from '../infra/live-counters/types.ts'
import { backend, quietLog, REAL_BACKENDS, RUN_ID } from './backends.ts'
import { testApp, type TestApp } from './harness.ts'
import { startRedisCluster, type TestRedisCluster } from './redis-cluster.ts'
import { waitFor } from './wait-for.ts'

const catalog = Array.from({ length: 12 }, (_, i) => ({ productId: `p-${i}`, name: `Product ${i}`, category: 'mugs', price: 10 + i }))

describe.skipIf(!REAL_BACKENDS)('Redis Cluster: two instances on three masters', () => {
  let cluster: TestRedisCluster
  const caches: RedisCache[] = []
  let one: TestApp, two: TestApp
  const prefix = `test:${RUN_ID}:cluster:`

  const cache = async () => { const c = new RedisCache(cluster.url, quietLog, prefix); await c.ready(); caches.push(c); return c }

  beforeAll(async () => {
    cluster = await startRedisCluster()
    one = await testApp('postgres', {}, undefined, { cache: await cache() })
    two = await testApp('postgres', {}, undefined, { cache: await cache() })
  }, 60_000)

  afterAll(async () => {
    await Promise.all([one?.app.shutdown(), two?.app.shutdown()])
    for (const c of caches) await c.close()
    await cluster?.stop()
  })

  test('keys of many tenants spread over every master; batches and deletes across them work', async () => {
    const [a, b] = caches as [RedisCache, RedisCache]
    const tenants = Array.from({ length: 30 }, (_, i) => `tenant-${i}`)
    await a.setMany(tenants.flatMap((t) => [[`rec:${tenantTag(t)}:#1`, t], [`rec:${tenantTag(t)}:#2`, t]] as const), 60_000)
    for (const t of tenants) expect(await b.get(`rec:${tenantTag(t)}:#2`)).toBe(t)
    await b.del(tenants.map((t) => `rec:${tenantTag(t)}:#1`))
    for (const t of tenants) expect(await a.get(`rec:${tenantTag(t)}:#1`)).toBeNull()
    // Spread: each master holds some of them (30 tenants over 3 shards).
    const client = (a as unknown as { client: import('ioredis').Cluster }).client
    const owners = new Set(await Promise.all(tenants.map(async (t) => {
      const slot = await client.cluster('KEYSLOT', `${prefix}rec:${tenantTag(t)}:#2`) as number
      return client.slots[slot]?.[0]
    })))
    expect(owners.size).toBe(3)
  })

  test('a rate limit is shared: 40 requests across both instances on a 20/min key, exactly 20 pass', async () => {
    const k = await one.tenantWithKeys({ rateLimits: { read: 20, write: 1_000_000 } })
    const statuses: number[] = []
    for (let i = 0; i < 40; i++) statuses.push((await (i % 2 ? two : one).req('GET', '/api/v1/recommendations?userId=u&limit=1', { key: k.readKey })).status)
    expect(statuses.filter((s) => s === 200).length).toBe(20)
    expect(statuses.filter((s) => s === 429).length).toBe(20)
  })

  test('a token bucket (the Lua script) is atomic across instances', async () => {
    const [a, b] = caches as [RedisCache, RedisCache]
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).take(`probe:${tenantTag('x')}`, perMinute(12))))
    expect(decisions.filter((d) => d.allowed).length).toBe(12)
  })

  test('live counters: events on one instance count in trending on the other; baskets pair across calls', async () => {
    const k = await one.tenantWithKeys()
    expect((await one.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })).status).toBe(200)
    await one.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [0, 1, 2].map((p) => ({ eventType: 'product_viewed', userId: 'old', productId: `p-${p}`, timestamp: new Date(Date.now() - 3 * HOUR_MS).toISOString() })) } })
    await one.app.services.models.build(k.tenantId)
    await two.app.services.models.build(k.tenantId)
    const burst = Array.from({ length: 30 }, (_, i) => ({ eventType: 'product_viewed', userId: `b-${i}`, productId: 'p-9' }))
    expect((await one.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: burst } })).status).toBe(202)
    const top = await waitFor('p-9 trending on the other instance', async () => {
      const r = await two.req('GET', '/api/v1/recommendations?userId=someone&strategy=trending&limit=3', { key: k.readKey })
      return r.body.data?.find((x: { productId: string }) => x.productId === 'p-9')
    })
    expect(top.reason).toBe('Trending: 30 interactions in the last 24 h')
    // One order, its items sent to different instances: the second call pairs with what the first left in the basket.
    for (const [t, p] of [[one, 'p-4'], [two, 'p-7'], [one, 'p-8']] as const) {
      expect((await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'purchase', userId: 'buyer', productId: p, metadata: { orderId: 'o-1', price: 5 } } })).status).toBe(202)
    }
    const hour = Math.floor(Date.now() / HOUR_MS)
    const partners = await waitFor('the pairs counted', async () => { const p = Object.fromEntries(await caches[0]!.live.partners(k.tenantId, 'p-7', [hour])); return Object.keys(p).length === 2 && p })
    expect(partners).toEqual({ 'p-4': 1, 'p-8': 1 })
  })

  test('a key revoked on one instance is refused by the other at once (pub/sub across the cluster)', async () => {
    const k = await one.tenantWithKeys()
    const probe = () => two.req('GET', '/api/v1/recommendations?userId=u&limit=1', { key: k.readKey })
    expect((await probe()).status).toBe(200) // cached on two
    const keys = (await one.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data as { id: string; permissions: string }[]
    const read = keys.find((x) => x.permissions === 'read')!
    expect((await one.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${read.id}`, { token: k.token })).status).toBe(200)
    // Within 3 s, under the key cache's 5 s: heard through the broadcast, not by expiry.
    await waitFor('the revocation on the other instance', async () => (await probe()).status === 401, { timeoutMs: 3000 })
  })

  test('a master killed mid-traffic: every request answered, every 202 stored', async () => {
    const tenants = await Promise.all(Array.from({ length: 6 }, () => one.tenantWithKeys({ rateLimits: { read: 1_000_000, write: 1_000_000 } })))
    for (const k of tenants) expect((await one.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: catalog } })).status).toBe(200)
    const acked: { tenantId: string; id: string }[] = []
    const statuses: Record<string, number> = {}
    let running = true, sent = 0
    const traffic = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; running; i++) {
        const t = w % 2 ? two : one, k = tenants[(w + i) % tenants.length]!
        const e = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: i % 5 ? 'product_viewed' : 'purchase', userId: `w${w}-${i % 9}`, productId: `p-${i % 12}`, ...(i % 5 ? {} : { metadata: { orderId: `o-${w}-${i % 7}`, price: 3 } }) } })
        statuses[`event ${e.status}`] = (statuses[`event ${e.status}`] ?? 0) + 1
        if (e.status === 202) acked.push({ tenantId: k.tenantId, id: e.body.data.id })
        const r = await t.req('GET', `/api/v1/recommendations?userId=w${w}-${i % 9}&limit=4`, { key: k.readKey })
        statuses[`recs ${r.status}`] = (statuses[`recs ${r.status}`] ?? 0) + 1
        sent += 2
      }
    })
    await waitFor('traffic before the kill', () => sent >= 100, { timeoutMs: 20_000 })
    // The master holding the first tenant's keys: its requests must take the fallbacks.
    const client = (caches[0] as unknown as { client: import('ioredis').Cluster }).client
    const victim = client.slots[await client.cluster('KEYSLOT', tenantTag(tenants[0]!.tenantId)) as number]![0]!
    await cluster.kill(Number(victim.split(':').pop()))
    const atKill = sent, killedAt = performance.now()
    // Past the cluster's node timeout (1 s), so both the dead master's silence and its failure state are crossed.
    await waitFor('traffic after the kill', () => sent >= atKill + 300 && performance.now() - killedAt > 3000, { timeoutMs: 30_000 })
    running = false
    await Promise.all(traffic)
    expect(Object.keys(statuses).sort()).toEqual(['event 202', 'recs 200'])
    // Every acknowledged event is in PostgreSQL.
    const { database } = await backend('postgres')
    const ids = acked.map((a) => a.id)
    const stored = await database.raw.query('select count(*)::int as n from events where id = any($1::uuid[])', [ids]) as { n: number }[]
    expect(stored[0]!.n).toBe(ids.length)
    // Broadcasts still reach the other instance (its subscriber moves to a live master if it was on the dead one).
    const k = tenants[0]!
    const probe = () => two.req('GET', '/api/v1/recommendations?userId=u&limit=1', { key: k.readKey })
    expect((await probe()).status).toBe(200)
    const read = ((await one.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data as { id: string; permissions: string }[]).find((x) => x.permissions === 'read')!
    expect((await one.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${read.id}`, { token: k.token })).status).toBe(200)
    await waitFor('the revocation on the other instance after the kill', async () => (await probe()).status === 401, { timeoutMs: 3000 })
  }, 60_000)
})
