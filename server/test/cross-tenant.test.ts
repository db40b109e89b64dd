// Cross-tenant probes on every endpoint in the OpenAPI document (issue 8),
// with every kind of credential tenant A holds — its read key, its write key,
// its admin's token with X-Tenant-ID naming tenant B, that token on B's
// /tenants/:id paths, a key plus an X-Tenant-ID header naming B — aimed at
// B's ids. B's data carries a marker that must never come back, B's ids
// never come back unless the request named them, and B is unchanged
// afterwards. Endpoints added later are probed without changes here. Also:
// keys, passwords and tokens never reach the logs.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { fileMailer } from '../infra/mailer.ts'
import { BACKENDS, backend } from './backends.ts'
import { testApp, TEST_SECRETS, uniqueEmail } from './harness.ts'
import { fillPath, minimalValid, operations, tenantScoped, type Operation } from './openapi-probe.ts'

const limits = { rateLimits: { read: 10_000_000, write: 10_000_000 } }
// Mutations last, upserts (which may create A's own copy of a B id) at the very end.
const ORDER: Record<string, number> = { GET: 0, POST: 1, PATCH: 2, DELETE: 3, PUT: 4 }

for (const name of BACKENDS) describe(`cross-tenant probes [${name}]`, async () => {
  const t = await testApp(name)
  const a = await t.tenantWithKeys(limits)
  const b = await t.tenantWithKeys(limits)
  const MARK = `bsecret${Math.random().toString(36).slice(2, 10)}`
  const N = 12
  // B: a catalog, shoppers with history, an experiment, a model; everything B-only carries MARK or a b- id.
  const seed = async (key: string, prefix: string, mark: string) => {
    const items = Array.from({ length: N }, (_, i) => ({ productId: `${prefix}prod-${i}`, name: `${mark} item ${i}`, description: `${mark} described`, category: `${mark}cat`, price: 10 + i }))
    await t.req('POST', '/api/v1/catalog/batch', { key, body: { items } })
    const now = Date.now()
    const events = Array.from({ length: 60 }, (_, i) => ({ eventType: i % 3 ? 'product_viewed' : 'purchase', userId: `${prefix}shopper-${i % 6}`, productId: `${prefix}prod-${(i * 5) % N}`, timestamp: new Date(now - 600_000 + i * 1000).toISOString(), metadata: { note: mark } }))
    await t.req('POST', '/api/v1/events/batch', { key, body: { events } })
  }
  await seed(b.writeKey, 'b', MARK)
  await seed(a.writeKey, 'a', 'plain')
  const bExperiment = (await t.req('POST', '/api/v1/experiments', { key: b.writeKey, body: { name: `${MARK} test`, control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', status: 'draft' } })).body.data
  // A merchandising rule of B's, its name marked: never listed, read, changed or applied for A.
  const bRule = (await t.req('POST', '/api/v1/rules', { key: b.writeKey, body: { name: `${MARK} rule`, action: 'boost', factor: 2, condition: { field: 'price', op: 'gte', value: 0 } } })).body.data
  // Widget settings, where that module is mounted: B's placement "home" carries the marker.
  await t.req('PUT', '/api/v1/widgets/home', { key: b.writeKey, body: { title: `${MARK} picks` } })
  // A segment and a shopper's traits of B's, named and valued with the marker.
  await t.req('POST', '/api/v1/segments', { key: b.writeKey, body: { key: 'bseg', name: `${MARK} segment`, conditions: { field: 'traits.mark', op: 'eq', value: MARK } } })
  await t.req('POST', '/api/v1/users/bshopper-1/traits', { key: b.writeKey, body: { traits: { mark: MARK } } })
  await t.app.services.models.build(a.tenantId)
  await t.app.services.models.build(b.tenantId)
  const bKeys = (await t.req('GET', `/api/v1/tenants/${b.tenantId}/api-keys`, { token: b.token })).body.data as { id: string }[]
  const bWebhook = (await t.req('POST', '/api/v1/webhooks', { key: b.writeKey, body: { url: 'https://93.184.216.34/b-hook', events: ['model.ready'], description: `${MARK} hook` } })).body.data
  const bIds: Record<string, string> = { tenants: b.tenantId, 'api-keys': bKeys[0]!.id, catalog: 'bprod-1', experiments: bExperiment.id, widgets: 'home', webhooks: bWebhook.id, rules: bRule.id, segments: 'bseg' }
  const bId = (param: string, collection: string) => bIds[collection] ?? `b-${param}`
  const bOnly = [...Array.from({ length: N }, (_, i) => `bprod-${i}`), ...Array.from({ length: 6 }, (_, i) => `bshopper-${i}`), b.tenantId, bExperiment.id, bWebhook.id, bRule.id, ...bKeys.map((k) => k.id)]
  const snapshot = async () => ({
    catalog: (await t.req('GET', '/api/v1/catalog?limit=100', { key: b.readKey })).body,
    events: (await t.req('GET', '/api/v1/events?limit=1', { key: b.writeKey })).body.meta.pagination.total,
    experiment: (await t.req('GET', `/api/v1/experiments/${bExperiment.id}`, { key: b.readKey })).body.data,
    // (usage counters move with the snapshot's own reads)
    keys: ((await t.req('GET', `/api/v1/tenants/${b.tenantId}/api-keys`, { token: b.token })).body.data as Record<string, unknown>[]).map(({ id, name, permissions, revokedAt }) => ({ id, name, permissions, revokedAt })),
    widget: (await t.req('GET', '/api/v1/widgets/home', { key: b.readKey })).body,
    rules: (await t.req('GET', '/api/v1/rules', { key: b.writeKey })).body,
    tenant: (await t.req('GET', `/api/v1/tenants/${b.tenantId}`, { token: b.token })).body.data,
    webhook: (await t.req('GET', `/api/v1/webhooks/${bWebhook.id}`, { key: b.writeKey })).body.data,
  })
  const ops = (await operations(t)).sort((x, y) => (ORDER[x.method] ?? 5) - (ORDER[y.method] ?? 5))

  const leaks: string[] = []
  async function probe(op: Operation, who: string, headers: Record<string, string>, path: string, expectStatus?: number[]) {
    const body = op.body ? JSON.stringify(minimalValid(op.body) ?? {}) : undefined
    const res = await t.app.handle(new Request(`http://localhost${path}`, { method: op.method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers }, body }))
    const text = await res.text()
    const where = `${who}: ${op.method} ${path} → ${res.status}`
    if (text.includes(MARK)) leaks.push(`${where} returned B's data: ${text.slice(0, 200)}`)
    const asked = decodeURIComponent(path) + (body ?? '')
    for (const id of bOnly) if (text.includes(id) && !asked.includes(id)) leaks.push(`${where} returned B's id ${id}`)
    if (res.status >= 500) leaks.push(`${where}: ${text.slice(0, 200)}`)
    if (expectStatus && !expectStatus.includes(res.status)) leaks.push(`${where}, expected ${expectStatus.join('/')}: ${text.slice(0, 160)}`)
  }

  test('A\'s keys, A\'s admin token, and headers naming B never reach B\'s data; B is unchanged', async () => {
    const before = await snapshot()
    expect(JSON.stringify(before.catalog)).toContain(MARK) // the marker is there to be leaked
    if (ops.some((op) => op.path === '/api/v1/widgets/{placement}')) expect(JSON.stringify(before.widget)).toContain(MARK)
    let probes = 0
    for (const op of ops) {
      if (!op.path.startsWith('/api/')) continue
      const pathB = fillPath(op.path, bId)
      // Named by one of B's ids (placements and the like are names every tenant has its own of).
      const refersToB = bOnly.some((id) => pathB.includes(id))
      if (tenantScoped(op)) {
        // A's keys aimed at B's ids: A has no such resource (an upsert makes A's own).
        const status = refersToB && op.method !== 'PUT' ? [400, 401, 403, 404] : undefined
        for (const [who, key] of [['A read key', a.readKey], ['A write key', a.writeKey]] as const) {
          await probe(op, who, { 'x-api-key': key }, pathB, status)
          // A key decides the tenant; a header naming another one changes nothing.
          await probe(op, `${who} + X-Tenant-ID B`, { 'x-api-key': key, 'x-tenant-id': b.tenantId }, pathB, status)
          probes += 2
        }
        // A's admin naming B's tenant: refused before anything runs.
        await probe(op, 'A admin + X-Tenant-ID B', { authorization: `Bearer ${a.token}`, 'x-tenant-id': b.tenantId }, pathB, [403, 404])
        probes++
      } else if (op.security.includes('bearer') && !op.pathParams.length) {
        // Admin routes that act on one tenant through X-Tenant-ID (they refuse a token without it):
        // A's admin naming B is refused; any other admin route ignores the header and shows only A's.
        const bare = await t.app.handle(new Request(`http://localhost${op.path}`, { method: op.method, headers: { authorization: `Bearer ${a.token}` } }))
        const scoped = bare.status === 400 && (await bare.text()).includes('X-Tenant-ID')
        if (op.method === 'GET' || scoped) {
          await probe(op, 'A admin + X-Tenant-ID B', { authorization: `Bearer ${a.token}`, 'x-tenant-id': b.tenantId }, op.path, scoped ? [403, 404] : undefined)
          probes++
        }
      } else if (op.security.includes('bearer') && op.pathParams.length) {
        // Admin routes under /tenants/:id — A's admin on B's tenant, and on A's tenant with B's sub-ids.
        await probe(op, 'A admin on B\'s tenant', { authorization: `Bearer ${a.token}` }, pathB, [403, 404])
        const mixed = fillPath(op.path, (p, c) => (c === 'tenants' ? a.tenantId : bId(p, c)))
        if (mixed !== fillPath(op.path, (_, c) => (c === 'tenants' ? a.tenantId : 'x'))) {
          await probe(op, 'A admin, A\'s tenant, B\'s sub-ids', { authorization: `Bearer ${a.token}` }, mixed, op.method === 'PUT' ? undefined : [400, 403, 404])
          probes++
        }
        probes++
      }
    }
    // Reads that take ids in the query: B's shoppers and products asked for through A's key.
    for (const q of ['/api/v1/recommendations?userId=bshopper-1&productId=bprod-1&strategy=frequently_bought_together', '/api/v1/recommendations?userId=bshopper-1&strategy=collaborative',
      '/api/v1/recommendations?userId=bshopper-2&productId=bprod-2&strategy=content_based',
      '/api/v1/recommendations?userId=bshopper-1&cartProductIds=bprod-1,bprod-2&strategy=frequently_bought_together', '/api/v1/recommendations?userId=bshopper-1&context=cart_page&strategy=collaborative',
      '/api/v1/events?userId=bshopper-1', '/api/v1/events?productId=bprod-1', '/api/v1/catalog?q=item', `/api/v1/catalog?category=${MARK}cat`]) {
      await probe({ method: 'GET', path: q, security: ['apiKey'], pathParams: [], queryParams: [] }, 'A read key, B ids in the query', { 'x-api-key': a.readKey }, q)
      probes++
    }
    expect(leaks).toEqual([])
    expect(probes).toBeGreaterThan(60)
    const after = await snapshot()
    expect(after).toEqual(before)
  }, 60_000)
})

describe('keys, passwords and tokens never reach the logs', () => {
  test('signup, login, refresh, password reset, key creation, requests with keys (good, bad, revoked)', async () => {
    const lines: string[] = []
    const log = createLogger('debug', (l) => lines.push(l))
    const dataDir = mkdtempSync(join(tmpdir(), 'log-probe-'))
    const b = await backend('pglite')
    const mail: { text: string }[] = []
    const files = fileMailer(dataDir, log)
    const app = await createApp({
      config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'debug' }), database: b.database, cache: await b.makeCache(), log, secrets: TEST_SECRETS,
      mailer: { send: async (m) => { mail.push(m); await files.send(m) } }, usageFlushMs: 0,
    })
    app.markReady()
    const req = async (method: string, path: string, o: { body?: unknown; headers?: Record<string, string> } = {}) => {
      const res = await app.handle(new Request(`http://localhost${path}`, { method, headers: { ...(o.body ? { 'content-type': 'application/json' } : {}), ...o.headers }, body: o.body ? JSON.stringify(o.body) : undefined }))
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : null }
    }
    const secrets: string[] = []
    const email = uniqueEmail('logs'), password = 'a password nobody logs 7431', newPassword = 'another secret phrase 9902'
    secrets.push(password, newPassword)
    const signup = await req('POST', '/api/v1/auth/signup', { body: { email, password, name: 'Logger' } })
    expect(signup.status).toBe(201)
    secrets.push(signup.body.data.accessToken, signup.body.data.refreshToken)
    await req('POST', '/api/v1/auth/login', { body: { email, password: 'wrong ' + password } })
    const login = await req('POST', '/api/v1/auth/login', { body: { email, password } })
    secrets.push(login.body.data.accessToken, login.body.data.refreshToken)
    const refreshed = await req('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.body.data.refreshToken } })
    secrets.push(refreshed.body.data.accessToken, refreshed.body.data.refreshToken)
    await req('POST', '/api/v1/auth/refresh', { body: { refreshToken: login.body.data.refreshToken } }) // reuse: revokes the family
    const admin = { authorization: `Bearer ${signup.body.data.accessToken}` }
    const tenant = (await req('POST', '/api/v1/tenants', { body: { name: 'Log shop' }, headers: admin })).body.data
    const key = (await req('POST', `/api/v1/tenants/${tenant.id}/api-keys`, { body: { name: 'w', permissions: 'write' }, headers: admin })).body.data
    secrets.push(key.key)
    await req('POST', '/api/v1/events', { body: { eventType: 'product_viewed', userId: 'u', productId: 'p' }, headers: { 'x-api-key': key.key } })
    await req('GET', '/api/v1/me', { headers: { authorization: `Bearer ${key.key}` } })
    await req('GET', '/api/v1/events', { headers: { 'x-api-key': key.key.slice(0, -4) + 'zzzz' } })
    await req('DELETE', `/api/v1/tenants/${tenant.id}/api-keys/${key.id}`, { headers: admin })
    await req('GET', '/api/v1/me', { headers: { 'x-api-key': key.key } })
    await req('POST', '/api/v1/auth/forgot-password', { body: { email } })
    const token = mail.at(-1)?.text.match(/token=([\w-]+)/)?.[1]
    expect(token).toBeString()
    secrets.push(token!)
    expect((await req('POST', '/api/v1/auth/reset-password', { body: { token, password: newPassword } })).status).toBe(200)
    await app.shutdown()
    rmSync(dataDir, { recursive: true, force: true })

    // The logs were written (requests, the outgoing mail), and hold none of the secrets.
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(12)
    expect(lines.some((l) => l.includes('mail written'))).toBe(true)
    const all = lines.join('\n')
    for (const s of secrets) expect(all).not.toContain(s)
    expect(all).not.toContain(key.key.slice(12)) // keys may be shown by their short display prefix, never by what follows
    expect(all.toLowerCase()).not.toContain(email.toLowerCase())
  }, 30_000)
})

// Issue 17 reproductions (events): one tenant's input must not fail another's, nor reach it.
for (const name of BACKENDS) describe(`issue 17: events across tenants [${name}]`, async () => {
  const t = await testApp(name)
  const at = () => new Date(Date.now() - 60_000).toISOString()

  test('a year-0000 event sent alongside other tenants\' events: theirs are stored (202), it alone is refused (400)', async () => {
    const hostile = await t.tenantWithKeys()
    const victims = await Promise.all([t.tenantWithKeys(), t.tenantWithKeys()])
    const [bad, ...rest] = await Promise.all([
      t.req('POST', '/api/v1/events', { key: hostile.writeKey, body: { eventType: 'product_viewed', userId: 'h', productId: 'p', timestamp: '0000-06-01T00:00:00Z' } }),
      ...victims.flatMap((v) => Array.from({ length: 5 }, (_, i) => t.req('POST', '/api/v1/events', { key: v.writeKey, body: { eventType: 'product_viewed', userId: `v${i}`, productId: 'p', timestamp: at() } }))),
    ])
    expect(bad.status).toBe(400)
    expect(rest.map((r) => r.status)).toEqual(Array(10).fill(202))
    for (const v of victims) expect((await t.req('GET', '/api/v1/events', { key: v.writeKey })).body.meta.pagination.total).toBe(5)
  })

  test('eventId is per tenant: B\'s event with A\'s eventId is stored; a cursor from A\'s list shows B only B\'s events', async () => {
    const a = await t.tenantWithKeys()
    const b = await t.tenantWithKeys()
    const e = { eventType: 'product_viewed', userId: 'u', productId: 'p', eventId: 'same-key', timestamp: at() }
    expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: e })).status).toBe(202)
    expect((await t.req('POST', '/api/v1/events', { key: b.writeKey, body: e })).status).toBe(202)
    await t.req('POST', '/api/v1/events/batch', { key: a.writeKey, body: { events: [1, 2, 3].map((i) => ({ ...e, eventId: `a-${i}`, userId: `a${i}` })) } })
    const pageA = await t.req('GET', '/api/v1/events?limit=1', { key: a.writeKey })
    const fromA = await t.req('GET', `/api/v1/events?limit=100&cursor=${pageA.body.meta.pagination.nextCursor}`, { key: b.writeKey })
    expect(fromA.status).toBe(200)
    expect(fromA.body.data.every((x: { userId: string }) => !x.userId.startsWith('a'))).toBe(true)
    expect((await t.req('GET', '/api/v1/events', { key: b.writeKey })).body.data.map((x: { eventId: string }) => x.eventId)).toEqual(['same-key'])
  })
})

// Issue 17, item 4: a catalog cursor names a position, not a tenant's rows; tenant A's cursor used by tenant B pages B's catalog only.
for (const name of BACKENDS) describe(`cross-tenant: catalog cursor [${name}]`, async () => {
  const t = await testApp(name)
  test('a cursor from tenant A used by tenant B returns nothing of A\'s', async () => {
    const a = await t.tenantWithKeys(limits)
    const b = await t.tenantWithKeys(limits)
    await t.req('POST', '/api/v1/catalog/batch', { key: a.writeKey, body: { items: Array.from({ length: 5 }, (_, i) => ({ productId: `a-only-${i}`, name: `A secret ${i}` })) } })
    await t.req('POST', '/api/v1/catalog/batch', { key: b.writeKey, body: { items: [{ productId: 'b-1', name: 'B one' }] } })
    const cursor = (await t.req('GET', '/api/v1/catalog?limit=2', { key: a.readKey })).body.meta.pagination.nextCursor
    expect(cursor).toBeString()
    // The cursor only says where in the order to start; whatever B gets after that position is B's own.
    const page = await t.req('GET', `/api/v1/catalog?limit=100&cursor=${cursor}`, { key: b.readKey })
    expect(page.status).toBe(200)
    expect(page.text).not.toContain('a-only')
    expect(page.text).not.toContain('A secret')
    const search = await t.req('GET', `/api/v1/catalog?q=secret&cursor=${cursor}`, { key: b.readKey })
    expect(search.body.data).toEqual([])
  })
})
