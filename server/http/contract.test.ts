// The contract walk: every operation of the OpenAPI document (3.0.3, as an
// integrator reads it) is called once, as documented — the documented example
// body, the credential its security names, ids of a seeded tenant — and must
// answer a status the document lists for it, with a body that matches the
// route's schema for that status (TypeBox's Value.Check on the very schema the
// document was generated from) or, for a failure, a problem+json document.
// An endpoint added later is walked without touching this file; one whose
// happy path the walk cannot reach says why in EXPECTED_FAILURES.
import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../test/backends.ts'
import { testApp, type Res } from '../test/harness.ts'
import { fillPath } from '../test/openapi-probe.ts'

type Json = Record<string, any>
const METHODS = ['get', 'post', 'put', 'patch', 'delete']

/** Operations whose documented success the walk cannot reach, with the status it gets instead and why. */
const EXPECTED_FAILURES: Record<string, { status: number; why: string }> = {
  'GET /demo': { status: 404, why: 'the demo store exists once `npm run demo` has run' },
  'POST /api/v1/auth/reset-password': { status: 400, why: 'needs the token from a reset email; the example token is not one' },
  'POST /api/v1/imports': { status: 415, why: 'an import is a file upload (text/csv or NDJSON), not the JSON the walk sends' },
  'POST /api/v1/imports/{id}/cancel': { status: 409, why: 'a walk-sized import has finished before it can be cancelled' },
}

/** Destructive operations run last, in this order (the tenant's own deletion at the very end). */
const LAST = ['POST /api/v1/auth/logout', 'POST /api/v1/account/invitations/accept', 'POST /api/v1/account/leave',
  'POST /api/v1/tenants/{id}/embed-key/rotate', 'DELETE /api/v1/account/members/{id}', 'DELETE /api/v1/account/api-keys/{id}',
  'DELETE /api/v1/rules/{id}', 'DELETE /api/v1/segments/{key}', 'DELETE /api/v1/webhooks/{id}', 'DELETE /api/v1/catalog/{productId}', 'DELETE /api/v1/users/{userId}', 'DELETE /api/v1/experiments/{id}',
  'DELETE /api/v1/tenants/{id}/api-keys/{keyId}', 'DELETE /api/v1/tenants/{id}']

/** Sets every date-time string in an example to now: a fixed date falls out of the event retention window. */
function freshDates(v: unknown, now: string): unknown {
  if (Array.isArray(v)) return v.map((x) => freshDates(x, now))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, freshDates(x, now)]))
  return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v) ? now : v
}

for (const backend of BACKENDS) {
  describe(`contract walk of the OpenAPI document [${backend}]`, async () => {
    const t = await testApp(backend)
    const doc = (await t.req('GET', '/api/v1/openapi.json')).body as Json
    const k = await t.tenantWithKeys()
    const write = { key: k.writeKey }
    const must = (r: Res, status: number, what: string) => { if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text}`); return r.body }

    // The seeded tenant: the example product and shopper, a model, experiments in each state, a throw-away key,
    // tenant and draft, a finished import, and a tracked email link.
    must(await t.req('POST', '/api/v1/catalog/batch', { ...write, body: { items: ['sku-1042', 'sku-2', 'sku-3'].map((productId, i) => ({ productId, name: `Item ${i}`, url: `https://shop.example.com/p/${productId}`, category: 'footwear', price: 10 + i })) } }), 200, 'catalog')
    must(await t.req('POST', '/api/v1/events/batch', { ...write, body: { events: [
      ...['sku-1042', 'sku-2', 'sku-3'].map((productId) => ({ eventType: 'purchase', userId: 'shopper-7', productId })),
      { eventType: 'product_viewed', userId: 'shopper-42', productId: 'sku-1042' },
    ] } }), 202, 'events')
    await t.app.services.models.build(k.tenantId)
    const experiment = async (status: 'draft' | 'running', placement: string) =>
      must(await t.req('POST', '/api/v1/experiments', { ...write, body: { name: `E ${placement}`, metric: 'ctr', control: 'collaborative', variant: 'trending', trafficSplit: 50, placement, status } }), 201, 'experiment').data.id as string
    // One running experiment per placement; the documented example creates one on product_page.
    const exp = {
      draft: await experiment('draft', 'home'), running: await experiment('running', 'search_results'), toPause: await experiment('running', 'cart'),
      paused: await experiment('running', 'checkout'), toComplete: await experiment('running', 'category'), toPromote: await experiment('running', 'search'),
      toDelete: await experiment('draft', 'search'),
    }
    must(await t.req('POST', `/api/v1/experiments/${exp.paused}/pause`, write), 200, 'pause')
    const spareKey = must(await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'spare', permissions: 'read' } }), 201, 'key').data.id as string
    const spareTenant = must(await t.req('POST', '/api/v1/tenants', { token: k.token, body: { name: 'Spare shop' } }), 201, 'tenant').data.id as string
    const imported = must(await t.app.handle(new Request('http://localhost/api/v1/imports?type=catalog&format=csv', {
      method: 'POST', headers: { 'x-api-key': k.writeKey, 'content-type': 'text/csv' }, body: 'productId,name\nsku-9,Imported\n',
    })).then(async (r) => ({ status: r.status, body: await r.json(), headers: r.headers, text: '' })), 202, 'import').data.id as string
    const mail = must(await t.req('GET', '/api/v1/recommendations/email?userId=shopper-42&context=newsletter&format=json', write), 200, 'email').data
    const tracked = JSON.stringify(mail)
    const linkToken = /\/r\/([^"/?]+)/.exec(tracked)?.[1]
    const pixelFile = /\/o\/([^"/?]+\.gif)/.exec(tracked)?.[1]
    const session = must(await t.req('POST', '/api/v1/auth/login', { body: { email: (await t.req('GET', '/api/v1/auth/me', { token: k.token })).body.data.email, password: 'correct horse battery' } }), 200, 'login').data

    // The account side: an invited member, an account key, and an invitation from another admin's account to this
    // admin (accepted, then left again: the last owner of their own account cannot leave it).
    const me = (await t.req('GET', '/api/v1/auth/me', { token: k.token })).body.data
    const invited = must(await t.req('POST', '/api/v1/account/members', { token: k.token, body: { email: `invited-${backend}-${Date.now()}@example.com`, role: 'viewer' } }), 201, 'invite').data.id as string
    const accountKey = must(await t.req('POST', '/api/v1/account/api-keys', { token: k.token, body: { name: 'spare' } }), 201, 'account key').data.id as string
    const other = await t.admin('Grace')
    const otherAccount = must(await t.req('GET', '/api/v1/account', { token: other.token }), 200, 'account').data.id as string
    const invitation = must(await t.req('POST', '/api/v1/account/members', { token: other.token, body: { email: me.email, role: 'analyst' } }), 201, 'invitation').data.invitationToken as string
    // Merchandising and segments: a rule; webhooks: an endpoint (a public address: the walk's app keeps the SSRF guard) with one delivery.
    const rule = must(await t.req('POST', '/api/v1/rules', { ...write, body: { name: 'Hide sku-3', action: 'exclude', condition: { field: 'productId', op: 'eq', value: 'sku-3' } } }), 201, 'rule').data.id as string
    const hookUrl = 'https://93.184.216.34/hooks/recomengine'
    const webhook = must(await t.req('POST', '/api/v1/webhooks', { ...write, body: { url: hookUrl, events: ['experiment.started'] } }), 201, 'webhook').data.id as string
    const delivery = must(await t.req('POST', `/api/v1/webhooks/${webhook}/test`, write), 202, 'webhook test').data.id as string
    // Embedded analytics: a token for every view, exchanged for the session the /embed reads send.
    const embedToken = must(await t.req('POST', `/api/v1/tenants/${k.tenantId}/embed-tokens`, { token: k.token, body: { views: ['analytics', 'experiments'] } }), 201, 'embed token').data.token as string
    const embedSession = must(await t.req('POST', '/api/v1/embed/sessions', { body: { token: embedToken } }), 201, 'embed session').data.session as string

    const idFor: Record<string, string> = {
      'tenants': k.tenantId, 'experiments': exp.running, 'imports': imported, 'api-keys': spareKey, 'members': invited, 'rules': rule, 'webhooks': webhook,
    }
    const special: Record<string, string> = {
      'POST /api/v1/experiments/{id}/start': exp.draft, 'POST /api/v1/experiments/{id}/pause': exp.toPause, 'POST /api/v1/experiments/{id}/resume': exp.paused,
      'POST /api/v1/experiments/{id}/complete': exp.toComplete, 'POST /api/v1/experiments/{id}/promote': exp.toPromote, 'PATCH /api/v1/experiments/{id}': exp.draft,
      'DELETE /api/v1/experiments/{id}': exp.toDelete, 'DELETE /api/v1/tenants/{id}': spareTenant, 'DELETE /api/v1/account/api-keys/{id}': accountKey,
    }
    const paramValue = (where: string) => (name: string, collection: string): string => {
      if (name === 'id' && special[where]) return special[where]
      if (name === 'id') return idFor[collection] ?? `unknown-${collection}`
      if (name === 'keyId') return spareKey
      if (name === 'productId') return 'sku-1042'
      if (name === 'userId') return 'shopper-42'
      if (name === 'placement') return 'product_page'
      if (name === 'token') return linkToken ?? 'no-link'
      if (name === 'file') return pixelFile ?? 'no-pixel.gif'
      if (name === 'key') return 'loyal'
      if (name === 'deliveryId') return delivery
      return `unknown-${name}`
    }
    /** The same body overrides for operations whose documented example cannot be sent as it is. */
    const bodies: Record<string, unknown> = {
      'POST /api/v1/auth/signup': { email: `walk-${backend}-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Walker' },
      'POST /api/v1/auth/login': { email: session.user.email, password: 'correct horse battery' },
      'POST /api/v1/auth/refresh': { refreshToken: session.refreshToken },
      'POST /api/v1/auth/logout': { refreshToken: session.refreshToken },
      'PATCH /api/v1/auth/me': { name: 'Ada Walker' },
      // The example name is the one POST /tenants just used for another tenant of this admin.
      'PUT /api/v1/tenants/{id}': { name: 'Walked shop' },
      'POST /api/v1/account/invitations/accept': { invitationToken: invitation },
      'POST /api/v1/embed/sessions': { token: embedToken },
      // The example's host is not resolvable offline, and a webhook URL must resolve to a public address.
      'POST /api/v1/webhooks': { url: hookUrl, events: ['experiment.started'], description: 'Walked' },
      'PATCH /api/v1/webhooks/{id}': { url: `${hookUrl}/v2`, events: ['experiment.started', 'model.ready'], active: true },
    }
    /** Headers beyond the credential: the account an operation acts in. */
    const headersFor: Record<string, Record<string, string>> = {
      'POST /api/v1/account/leave': { 'x-account-id': otherAccount },
    }

    const ops = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, path, method, op: op as Json })))
    ops.sort((a, b) => LAST.indexOf(a.where) - LAST.indexOf(b.where))
    const routes = t.app.routes as unknown as { method: string; path: string; hooks: { response?: Record<string, TSchema> } }[]
    const routeOf = (method: string, path: string) => routes.find((r) => r.method === method.toUpperCase() && r.path.replace(/:(\w+)/g, '{$1}') === path)

    test('the walk covers every documented operation', () => {
      expect(ops.length).toBeGreaterThan(60)
      for (const { where, method, path } of ops) expect({ where, route: !!routeOf(method, path) }).toEqual({ where, route: true })
    })

    test('every operation answers a documented status with the documented shape', async () => {
      const wrong: string[] = []
      const now = new Date().toISOString()
      for (const { where, path, method, op } of ops) {
        const security = ((op.security ?? []) as Json[]).flatMap((s) => Object.keys(s))
        const query = new URLSearchParams()
        for (const p of (op.parameters ?? []) as Json[]) if (p.in === 'query' && p.required) query.set(p.name, String(p.example))
        const url = fillPath(path, paramValue(where)) + (query.size ? `?${query}` : '')
        const example = op.requestBody?.content?.['application/json']?.example
        const body = where in bodies ? bodies[where] : example === undefined ? undefined : freshDates(example, now)
        const r = await t.req(method.toUpperCase(), url, {
          body, ...(security.includes('apiKey') ? write : security.includes('bearer') ? { token: where === 'POST /api/v1/auth/logout' ? session.accessToken : k.token, tenant: k.tenantId } : {}),
          headers: { ...(security.includes('embedSession') ? { 'x-embed-session': embedSession } : {}), ...headersFor[where] },
        })
        const documented = Object.keys(op.responses)
        const expected = EXPECTED_FAILURES[where]
        if (!documented.includes(String(r.status))) { wrong.push(`${where} → ${r.status}, not documented (${documented.join(', ')}): ${r.text.slice(0, 200)}`); continue }
        if (expected ? r.status !== expected.status : r.status >= 400) { wrong.push(`${where} → ${r.status}${expected ? `, expected ${expected.status} (${expected.why})` : ''}: ${r.text.slice(0, 200)}`); continue }
        const media = Object.keys(op.responses[r.status].content ?? {})
        const contentType = (r.headers.get('content-type') ?? '').split(';')[0]!.trim()
        if (r.status >= 400) {
          if (contentType !== 'application/problem+json' || r.body?.status !== r.status || typeof r.body?.title !== 'string') wrong.push(`${where} → ${r.status} is not a problem document: ${contentType} ${r.text.slice(0, 200)}`)
          continue
        }
        if (media.length === 0) {
          if (r.text !== '') wrong.push(`${where} → ${r.status} documented without a body, answered ${r.text.slice(0, 100)}`)
          continue
        }
        // The documented media type the answer is (text/* covers text/html and text/plain; text/plain documents a text body).
        const matched = media.find((m) => m === contentType || (m.endsWith('/*') && contentType.startsWith(m.slice(0, -1))))
          ?? (media.includes('text/plain') && contentType !== 'application/json' ? 'text/plain' : undefined)
        if (!matched) { wrong.push(`${where} → ${r.status} answered ${contentType}, documented ${media.join(', ')}`); continue }
        if (matched === 'application/json') {
          const schema = routeOf(method, path)?.hooks.response?.[r.status]
          if (!schema) wrong.push(`${where} → ${r.status} has no route schema`)
          else if (!Value.Check(schema, r.body)) wrong.push(`${where} → ${r.status} does not match its schema: ${[...Value.Errors(schema, r.body)].slice(0, 3).map((e) => `${e.path} ${e.message}`).join('; ')}`)
        }
      }
      expect(wrong).toEqual([])
    }, 120_000)
  })
}
