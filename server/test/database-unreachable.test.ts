// PostgreSQL cut off for real (a TCP proxy between the app and the test
// database closes every connection and refuses new ones): keys this instance
// already resolved keep working, events get 503 + Retry-After, any other
// request that needs the database gets 503 (never a 500), and everything
// recovers without a restart. The fault script scripts/fault/postgres-outage.ts
// does the same to real server processes under load.
import { describe, expect, setSystemTime, test } from 'bun:test'
import { tcpProxy } from '../../scripts/lib/cluster.ts'
import { openDatabase } from '../../db/client.ts'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { backend, PG_ADMIN_URL, quietLog, REAL_BACKENDS, RUN_ID } from './backends.ts'
import { testApp, TEST_SECRETS } from './harness.ts'
import { waitFor } from './wait-for.ts'

describe.skipIf(!REAL_BACKENDS)('database unreachable [postgres]', () => {
  test('known keys keep serving, events 503 + Retry-After, other database work 503, recovery without restart', async () => {
    const t = await testApp('postgres')
    const k = await t.tenantWithKeys()
    const other = await t.tenantWithKeys()
    await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: Array.from({ length: 10 }, (_, i) => ({ productId: `p${i}`, name: `P ${i}` })) } })
    await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: Array.from({ length: 30 }, (_, i) => ({ eventType: 'purchase', userId: `u${i % 5}`, productId: `p${i % 10}` })) } })
    await t.app.services.models.build(k.tenantId)

    // A second instance whose only way to the database is the proxy.
    const url = new URL(PG_ADMIN_URL.replace(/\/[^/]*$/, `/recomengine_test_${RUN_ID}`))
    const proxy = tcpProxy({ host: url.hostname, port: Number(url.port || 5432) })
    url.host = `127.0.0.1:${proxy.port}`
    const database = await openDatabase({ databaseUrl: url.toString(), maxConnections: 4 })
    const app = await createApp({
      config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent' }), database, cache: await (await backend('postgres')).makeCache(), log: quietLog,
      mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS,
    })
    const ask = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const res = await app.handle(new Request(`http://localhost${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined }))
      return { status: res.status, retryAfter: res.headers.get('retry-after'), type: res.headers.get('content-type'), body: await res.json() as any }
    }
    const event = (i: number) => ({ eventType: 'product_viewed', userId: `cut-${i}`, productId: 'p1' })
    try {
      expect((await ask('GET', '/api/v1/recommendations?userId=u1&limit=3', { 'x-api-key': k.readKey })).status).toBe(200)
      // The first request may be answered while the model loads (MODEL_COLD_WAIT_MS): it must be in memory before the cut.
      await waitFor('the model serves', async () => (await ask('GET', '/api/v1/recommendations?userId=u1&limit=3', { 'x-api-key': k.readKey })).body.meta.modelVersion !== null)
      expect((await ask('POST', '/api/v1/events', { 'x-api-key': k.writeKey }, event(0))).status).toBe(202)

      proxy.cut()
      // Past the 5 s key cache: a key resolved before must not need the database again.
      setSystemTime(new Date(Date.now() + 10_000))
      const recs = await ask('GET', '/api/v1/recommendations?userId=u1&limit=3', { 'x-api-key': k.readKey })
      expect(recs.status).toBe(200)
      expect(recs.body.data.length).toBe(3)
      const ev = await ask('POST', '/api/v1/events', { 'x-api-key': k.writeKey }, event(1))
      expect(ev.status).toBe(503)
      expect(Number(ev.retryAfter)).toBeGreaterThan(0)
      // Never seen here, so it cannot be checked: 503, not 401 and not 500.
      const unknown = await ask('GET', '/api/v1/events', { 'x-api-key': other.writeKey })
      expect(unknown.status).toBe(503)
      expect(unknown.type).toStartWith('application/problem+json')
      expect(Number(unknown.retryAfter)).toBeGreaterThan(0)
      const admin = await ask('GET', '/api/v1/tenants', { authorization: `Bearer ${k.token}` })
      expect(admin.status).toBe(503)

      proxy.restore()
      setSystemTime()
      await waitFor('an event accepted again', async () => (await ask('POST', '/api/v1/events', { 'x-api-key': k.writeKey }, event(2))).status === 202, { everyMs: 100 })
      // A pooled connection cut mid-use can hold one request for the driver's 5 s timeout, whichever request
      // meets it first (on b8e6ae1 it was the POST above in 2 of 3 runs): recovery means every request succeeds again.
      await waitFor('a never-seen key read again', async () => (await ask('GET', '/api/v1/events', { 'x-api-key': other.writeKey })).status === 200, { everyMs: 100 })
      // The refused event was not stored; the two acknowledged ones were.
      const stored = await t.req('GET', '/api/v1/events?productId=p1&eventType=product_viewed', { key: k.writeKey })
      expect(stored.body.data.map((e: { userId: string }) => e.userId).sort()).toEqual(['cut-0', 'cut-2'])
    } finally {
      setSystemTime()
      await app.shutdown().catch(() => {})
      await database.close().catch(() => {})
      proxy.close()
    }
  }, 30_000)
})
