// The public read key (issue 17, item 8) sits in every merchant page, so anyone
// can hold it. Walking every operation in the OpenAPI document with one: only
// what a merchant page needs answers (recommendations, widget settings, /track,
// /me, the catalog, a running experiment for the SDK's getVariant); every other
// tenant route is 403 "Insufficient permissions", and admin-only routes refuse
// it. Routes added later are walked without changes here.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from './backends.ts'
import { testApp } from './harness.ts'
import { fillPath, minimalValid, operations } from './openapi-probe.ts'

/** method + OpenAPI path a read key may call. */
const PUBLIC = new Set([
  'GET /api/v1/recommendations', 'GET /api/v1/widgets/{placement}', 'POST /api/v1/track', 'GET /api/v1/me',
  'GET /api/v1/catalog', 'GET /api/v1/catalog/{productId}', 'GET /api/v1/experiments/{id}',
])

for (const name of BACKENDS) describe(`the read key [${name}]`, async () => {
  const t = await testApp(name)
  const k = await t.tenantWithKeys()
  await t.req('POST', '/api/v1/catalog', { key: k.writeKey, body: { productId: 'p1', name: 'P', price: 1 } })
  const running = (await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'Live', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr' } })).body.data.id
  const draft = (await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'Draft', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', placement: 'pdp', status: 'draft' } })).body.data.id
  const rule = (await t.req('POST', '/api/v1/rules', { key: k.writeKey, body: { name: 'r', action: 'boost', factor: 2 } })).body.data.id
  const ids: Record<string, string> = { tenants: k.tenantId, catalog: 'p1', experiments: running, widgets: 'home', rules: rule }
  const keyId = (await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data[0].id
  const fill = (path: string) => fillPath(path, (param, collection) => (param === 'keyId' ? keyId : ids[collection] ?? 'probe'))

  test('every operation: only the public list answers a read key; other tenant routes are 403, admin routes refuse it', async () => {
    const wrong: string[] = []
    let walked = 0
    for (const op of await operations(t)) {
      if (!op.security.length) continue // public routes (health, SDK, sign-in) take no credential
      walked++
      const body = op.body ? JSON.stringify(minimalValid(op.body) ?? {}) : undefined
      const r = await t.req(op.method, fill(op.path), { key: k.readKey, raw: body })
      const label = `${op.method} ${op.path}`
      if (PUBLIC.has(label)) {
        if (r.status === 401 || r.status === 403) wrong.push(`${label}: ${r.status} for a route merchant pages need`)
      } else if (op.security.includes('apiKey')) {
        if (r.status !== 403 || r.body?.detail !== 'Insufficient permissions: write access required') wrong.push(`${label}: ${r.status} ${r.body?.detail ?? ''}`)
        if (!(r.headers.get('content-type') ?? '').startsWith('application/problem+json')) wrong.push(`${label}: not problem+json`)
      } else if (r.status !== 401 && r.status !== 403) wrong.push(`${label}: ${r.status} for an admin-only route`)
    }
    expect(wrong).toEqual([])
    expect(walked).toBeGreaterThan(30)
  })

  test('the private reads the audit found: events, experiments, results, models are 403 to a read key and 200 to a write key', async () => {
    for (const path of ['/api/v1/events', '/api/v1/experiments', `/api/v1/experiments/${running}/results`, '/api/v1/models']) {
      const r = await t.req('GET', path, { key: k.readKey })
      expect([path, r.status, r.body.detail]).toEqual([path, 403, 'Insufficient permissions: write access required'])
      expect([path, (await t.req('GET', path, { key: k.writeKey })).status]).toEqual([path, 200])
    }
  })

  test('a running experiment is readable with the read key (the SDK picks its arm); a draft is not', async () => {
    expect((await t.req('GET', `/api/v1/experiments/${running}`, { key: k.readKey })).body.data.status).toBe('running')
    expect((await t.req('GET', `/api/v1/experiments/${draft}`, { key: k.readKey })).status).toBe(403)
    expect((await t.req('GET', `/api/v1/experiments/${draft}`, { key: k.writeKey })).status).toBe(200)
  })

  test('the OpenAPI document says which key each tenant route needs', async () => {
    const doc = (await t.req('GET', '/api/v1/openapi.json')).body
    const missing: string[] = []
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(methods)) {
        const keyed = (op.security ?? []).some((s: object) => 'apiKey' in s)
        if (keyed && !/API key/.test(op.description ?? '')) missing.push(`${method.toUpperCase()} ${path}`)
      }
    }
    expect(missing).toEqual([])
    expect(doc.paths['/api/v1/events'].get.description).toContain('Read keys')
  })
})
