// A bad-input corpus against every endpoint in the OpenAPI document (issue 8):
// malformed and deeply nested JSON, wrong types, 1 MB strings, invalid UTF-8,
// SQL/HTML injection strings, negative and huge numbers, unknown fields, bad
// path and query values, bad credentials. Never a 5xx; every error is
// application/problem+json; what must be refused is refused and nothing is
// stored. Endpoints added later are probed without changes here.
import { describe, expect, test } from 'bun:test'
import { BACKENDS, backend } from './backends.ts'
import { testApp } from './harness.ts'
import { fillPath, minimalValid, operations, properties, typeOf, type JsonSchema, type Operation } from './openapi-probe.ts'

const MB = 'x'.repeat(1 << 20)
const INJECTIONS = [
  "' OR '1'='1", "1; DROP TABLE events; --", "'); DELETE FROM tenants; --", "admin'--", '" onmouseover="alert(1)',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${7*7}{{7*7}}', '../../../../etc/passwd', '{"$gt":""}', 'ünïcødé ✓ 𝄞',
]
const BAD_NUMBERS = [-1, -0.5, 0, 1.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 63, 5e-324]
const WRONG: Record<string, unknown[]> = {
  string: [12345, true, {}, [], null], integer: ['abc', true, {}, [], 1.5, null], number: ['abc', true, {}, [], null],
  boolean: ['yes', 1, {}, null], array: [{}, 'x', 1, null], object: [[], 'x', 1, null],
}
const DEEP_ARRAY = '['.repeat(10_000) + ']'.repeat(10_000)
const DEEP_OBJECT = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
const enc = new TextEncoder()
const bytes = (...parts: (string | number[])[]) => {
  const chunks = parts.map((p) => (typeof p === 'string' ? enc.encode(p) : new Uint8Array(p)))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) { out.set(c, at); at += c.byteLength }
  return out
}
const INVALID_UTF8 = [[0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1], [0x80]]
const BAD_PARAMS = [...INJECTIONS, '-1', '99999999999999999999', '1e308', '0x10', ' ', 'x'.repeat(10_000), '\u0000', '%']
/** Values for query strings, already encoded: includes invalid percent-encoding and invalid UTF-8. */
const BAD_QUERY = [...BAD_PARAMS.map(encodeURIComponent), '%FF%FE', '%C0%AF', '%', '%zz', '-1', '1.5', 'abc', 'true', '']

/**
 * Batch endpoints answer 2xx with each item's outcome (valid items are stored even when others
 * are rejected); an answer that reports nothing accepted, created or updated stored nothing.
 */
function storesNothing(text: string): boolean {
  try {
    const data = JSON.parse(text).data
    const counts = ['accepted', 'created', 'updated'].filter((k) => typeof data?.[k] === 'number')
    return counts.length > 0 && counts.every((k) => data[k] === 0)
  } catch { return false }
}

interface Probe { label: string; method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array; mustRefuse: boolean; mustName?: string }

for (const name of (process.env.PROBE_BACKENDS?.split(',') as typeof BACKENDS | undefined) ?? BACKENDS) describe(`bad input on every endpoint [${name}]`, async () => {
  const t = await testApp(name)
  const raw = (await backend(name)).database.raw
  const k = await t.tenantWithKeys({ rateLimits: { read: 10_000_000, write: 10_000_000 } })
  const product = await t.req('POST', '/api/v1/catalog', { key: k.writeKey, body: { productId: 'probe-product', name: 'Probe', price: 10 } })
  const experiment = await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'Probe', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', status: 'draft' } })
  const keys = await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })
  // A public address literal: accepted without WEBHOOK_ALLOW_PRIVATE or DNS.
  const webhook = await t.req('POST', '/api/v1/webhooks', { key: k.writeKey, body: { url: 'https://93.184.216.34/probe', events: ['model.ready'] } })
  const rule = await t.req('POST', '/api/v1/rules', { key: k.writeKey, body: { name: 'Probe', action: 'boost', factor: 2 } })
  const real: Record<string, string> = {
    tenants: k.tenantId, 'api-keys': keys.body.data[0].id, catalog: product.body.data.productId, experiments: experiment.body.data.id, webhooks: webhook.body.data.id, rules: rule.body.data.id,
  }
  const realId = (param: string, collection: string) => real[collection] ?? real[param] ?? 'probe-unknown'
  const ops = (await operations(t)).filter((op) => op.path !== '/api/v1/openapi.json')
  let ip = 0
  const credentials = (op: Operation): Record<string, string> => ({
    // A fresh client address each time, so per-address login throttling does not mask what is probed.
    'x-forwarded-for': `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip++ & 255}`,
    ...(op.security.includes('apiKey') ? { 'x-api-key': k.writeKey } : op.security.includes('bearer') ? { authorization: `Bearer ${k.token}` } : {}),
  })
  const COUNTED = ['users', 'tenants', 'api_keys', 'catalog_items', 'events', 'experiments', 'merchandising_rules']
  const counts = async () => Object.fromEntries(await Promise.all(COUNTED.map(async (tbl) => [tbl, Number((await raw.query<{ n: number }>(`select count(*)::int as n from ${tbl}`))[0]!.n)])))

  const failures: string[] = []
  let unknownFieldProbes = 0
  const spent = new Map<string, number>()
  async function run(p: Probe) {
    const t0 = performance.now()
    try { await send(p) } finally { const k = p.label.replace(/^[\w.]+: /, '').split(/[ =]/)[0]!; spent.set(k, (spent.get(k) ?? 0) + performance.now() - t0) }
  }
  async function send(p: Probe) {
    const res = await t.app.handle(new Request(`http://localhost${p.path}`, {
      method: p.method, headers: { ...(p.body !== undefined ? { 'content-type': 'application/json' } : {}), ...p.headers }, body: p.body as BodyInit | undefined,
    }))
    const text = await res.text()
    const where = `${p.method} ${p.path.slice(0, 120)} [${p.label}]`
    if (res.status >= 500) failures.push(`${where}: ${res.status} ${text.slice(0, 200)}`)
    else if (res.status >= 400 && p.path.startsWith('/api/')) {
      const ct = res.headers.get('content-type') ?? ''
      let status: unknown
      try { status = JSON.parse(text).status } catch { /* not JSON */ }
      if (!ct.startsWith('application/problem+json') || status !== res.status) failures.push(`${where}: ${res.status} not problem+json (${ct}) ${text.slice(0, 120)}`)
      // Refused for the one thing that is wrong, not for something else about the probe.
      else if (p.mustName && res.status === 400 && !text.includes(p.mustName)) failures.push(`${where}: 400 without naming ${p.mustName}: ${text.slice(0, 200)}`)
    } else if (res.status < 400 && p.mustRefuse && !storesNothing(text)) failures.push(`${where}: accepted with ${res.status} ${text.slice(0, 160)}`)
  }

  /** Bodies that must be refused: each is wrong in exactly one way where a valid body is known. */
  function bodyProbes(op: Operation, path: string): Probe[] {
    const out: Probe[] = []
    const add = (label: string, body: string | Uint8Array) => out.push({ label, method: op.method, path, headers: credentials(op), body, mustRefuse: true })
    for (const b of ['{"a":', "{'a':1}", '[1,2', 'nul', '{"a":1}}', '\u0000']) add(`malformed ${JSON.stringify(b)}`, b)
    add('nested arrays 10k deep', DEEP_ARRAY)
    add('nested objects 10k deep', DEEP_OBJECT)
    for (const b of ['42', '"text"', '[]', 'null', 'true']) add(`root ${b}`, b)
    const base = minimalValid(op.body)
    const valid = base !== null && typeof base === 'object' && !Array.isArray(base) ? base as Record<string, unknown> : undefined
    const on = (prop: string, value: unknown) => JSON.stringify({ ...valid, [prop]: value })
    if (valid) {
      for (const value of [1, MB]) out.push({ label: `unknown field${value === 1 ? '' : ', 1 MB'}`, method: op.method, path, headers: credentials(op), body: on('unknownProbeField', value), mustRefuse: true, mustName: 'unknownProbeField' })
      unknownFieldProbes++
    }
    for (const [prop, schema] of properties(op.body)) {
      const type = typeOf(schema as JsonSchema)
      for (const v of WRONG[type ?? ''] ?? []) {
        if (v === null && JSON.stringify(schema).includes('"null"')) continue // nullable: null is allowed
        add(`${prop}: wrong type ${JSON.stringify(v)}`, on(prop, v))
      }
      if (type === 'string' || type === 'object' || type === 'array') add(`${prop}: 1 MB string`, on(prop, MB))
      add(`${prop}: 10k-deep value`, `{"${prop}":${type === 'array' ? DEEP_ARRAY : DEEP_OBJECT}}`)
      add(`${prop}: 10k-deep array`, `{"${prop}":${DEEP_ARRAY}}`)
      for (const b of INVALID_UTF8) add(`${prop}: invalid UTF-8 ${b.map((x) => x.toString(16)).join(' ')}`, bytes(`{"${prop}":"ab`, b, 'cd"}'))
      add(`${prop}: NUL character`, on(prop, 'a\u0000b'))
      add(`${prop}: lone surrogate`, `{"${prop}":"a\\ud800b"}`)
      // Injection strings in an otherwise empty body: refused for what is missing, and must not break anything on the way.
      for (const s of INJECTIONS.slice(0, 6)) add(`${prop}: injection ${s}`, JSON.stringify({ [prop]: s, unknownProbeField: s }))
    }
    return out
  }

  function paramProbes(op: Operation): Probe[] {
    const out: Probe[] = []
    // Bad path values (never a real id, so even DELETE and state changes cannot hit anything).
    for (const param of op.pathParams) {
      for (const v of BAD_PARAMS) {
        const path = fillPath(op.path, (p, c) => (p === param ? v : realId(p, c)))
        out.push({ label: `path ${param}=${JSON.stringify(v.slice(0, 30))}`, method: op.method, path, headers: credentials(op), body: op.body ? '{}' : undefined, mustRefuse: !['GET', 'PUT'].includes(op.method) })
      }
      for (const v of ['%FF%FE', '%C0%AF', '%25', '%00']) {
        const path = fillPath(op.path, (p, c) => (p === param ? '\u0001' : realId(p, c))).replace('%01', v)
        out.push({ label: `path ${param}=${v}`, method: op.method, path, headers: credentials(op), body: op.body ? '{}' : undefined, mustRefuse: !['GET', 'PUT'].includes(op.method) })
      }
    }
    // Bad query values on reads (with real path ids), and an unknown query parameter.
    if (op.method === 'GET') {
      const path = fillPath(op.path, realId)
      for (const q of [...op.queryParams.map((p) => p.name), 'unknownProbeParam']) {
        for (const v of BAD_QUERY) out.push({ label: `query ${q}=${v.slice(0, 30)}`, method: 'GET', path: `${path}?${q}=${v}`, headers: credentials(op), mustRefuse: false })
      }
    }
    // Bad credentials: garbage keys and tokens, and an X-Tenant-ID that is not an id.
    const path = fillPath(op.path, realId)
    const body = op.body ? '{}' : undefined
    for (const headers of <Record<string, string>[]>[
      { 'x-api-key': `rk_live_${"' OR 1=1 --".padEnd(40, 'x')}` }, { 'x-api-key': 'rk_live_' + 'A'.repeat(32) }, { 'x-api-key': MB.slice(0, 8000) },
      { authorization: 'Bearer <script>alert(1)</script>' }, { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }, { authorization: 'Basic Zm9vOmJhcg==' },
      ...(op.security.includes('apiKey') ? [{ authorization: `Bearer ${k.token}`, 'x-tenant-id': "'; DROP TABLE tenants; --" }] : []),
    ]) out.push({ label: `credentials ${JSON.stringify(headers).slice(0, 40)}`, method: op.method, path, headers: { 'x-forwarded-for': '10.255.0.1', ...headers }, body, mustRefuse: op.security.length > 0 })
    return out
  }

  test('malformed, nested, mistyped, oversized, invalid UTF-8, injected and unknown input: refused as problem+json, never a 5xx, nothing stored', async () => {
    const before = await counts()
    const probes = ops.flatMap((op) => [...(op.body ? bodyProbes(op, fillPath(op.path, realId)) : []), ...paramProbes(op)])
    for (const p of probes) await run(p)
    if (process.env.PROBE_TIMING) console.log([...spent].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', '))
    expect(failures).toEqual([])
    expect(await counts()).toEqual(before)
    expect(probes.length).toBeGreaterThan(1000)
    expect(unknownFieldProbes).toBeGreaterThanOrEqual(15) // bodies known to be valid but for the probe
  }, 120_000)

  test('negative and huge numbers in every numeric field: never a 5xx, errors as problem+json', async () => {
    failures.length = 0
    for (const op of ops) {
      if (!op.body) continue
      const base = minimalValid(op.body)
      if (!base || typeof base !== 'object' || Array.isArray(base)) continue
      for (const [prop, schema] of properties(op.body)) {
        const type = typeOf(schema as JsonSchema)
        if (type !== 'integer' && type !== 'number') continue
        for (const n of BAD_NUMBERS) await run({ label: `${prop}=${n}`, method: op.method, path: fillPath(op.path, realId), headers: credentials(op), body: JSON.stringify({ ...base, [prop]: n }), mustRefuse: false })
        // Beyond a double: JSON.parse makes these Infinity and -Infinity.
        for (const lit of ['1e999', '-1e999']) await run({ label: `${prop}=${lit}`, method: op.method, path: fillPath(op.path, realId), headers: credentials(op), body: JSON.stringify({ ...base, [prop]: 0 }).replace(`"${prop}":0`, `"${prop}":${lit}`), mustRefuse: true })
      }
    }
    expect(failures).toEqual([])
  }, 60_000)

  // Issue 17, items 12-13: prototype keys, at the top and nested, refused on every JSON body, naming the key.
  test('__proto__, constructor and prototype keys at any depth: 400 naming the key on every body, nothing stored', async () => {
    failures.length = 0
    const before = await counts()
    let probed = 0
    for (const op of ops) {
      if (!op.body) continue
      const base = minimalValid(op.body)
      const valid = base && typeof base === 'object' && !Array.isArray(base) ? JSON.stringify(base) : '{}'
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        // JSON.stringify cannot write an own "__proto__" key; splice it into the text instead.
        const top = valid === '{}' ? `{"${key}":{"admin":true}}` : valid.replace(/^\{/, `{"${key}":{"admin":true},`)
        const nested = valid === '{}' ? `{"x":[{"${key}":1}]}` : valid.replace(/^\{/, `{"x":[{"y":{"${key}":1}}],`)
        for (const body of [top, nested]) {
          await run({ label: `${key} key`, method: op.method, path: fillPath(op.path, realId), headers: credentials(op), body, mustRefuse: true, mustName: key })
          probed++
        }
      }
    }
    expect(failures).toEqual([])
    expect(probed).toBeGreaterThan(60)
    expect(await counts()).toEqual(before)
    const r = await t.req('POST', '/api/v1/catalog', { key: k.writeKey, raw: '{"productId":"x","name":"x","attributes":{"a":{"__proto__":{"admin":true}}}}' })
    expect(r.status).toBe(400)
    expect(r.body.errors).toEqual([{ field: 'attributes.a.__proto__', message: '"__proto__" is not an allowed key' }])
  }, 60_000)

  // Issue 17, item 12: errors the HTTP layer used to answer with empty bodies are problem documents.
  test('a body over the limit (declared or chunked), huge headers or path, a wrong Content-Type: 413, 431, 415 problem+json', async () => {
    const big = 'x'.repeat(6 << 20)
    const send = (init: RequestInit & { headers?: Record<string, string> }, path = '/api/v1/catalog/batch') =>
      t.app.handle(new Request(`http://localhost${path}`, { ...init, headers: { 'x-api-key': k.writeKey, ...init.headers } }))
    const expectProblemStatus = async (res: Response, status: number) => {
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect((await res.json()).status).toBe(status)
    }
    await expectProblemStatus(await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: big }), 413)
    const chunked = new ReadableStream<Uint8Array>({
      start(c) { const chunk = new TextEncoder().encode('x'.repeat(1 << 20)); for (let i = 0; i < 6; i++) c.enqueue(chunk); c.close() },
    })
    await expectProblemStatus(await send({ method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit & { headers: Record<string, string> }), 413)
    await expectProblemStatus(await send({ method: 'GET', headers: { 'x-junk': 'x'.repeat(32 << 10) } }, '/api/v1/catalog'), 431)
    await expectProblemStatus(await send({ method: 'GET' }, `/api/v1/catalog/${'p'.repeat(20 << 10)}`), 431)
    await expectProblemStatus(await send({ method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' }, '/api/v1/catalog'), 415)
    await expectProblemStatus(await send({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"productId":"x","name":"x"}' }, '/api/v1/catalog'), 415)
    // The SDK's keepalive beacon posts JSON as text/plain to /track: still accepted there.
    const beacon = await send({ method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-api-key': k.readKey }, body: JSON.stringify({ eventType: 'product_viewed', userId: 'beacon', productId: 'probe-product' }) }, '/api/v1/track')
    expect(beacon.status).toBe(202)
  })
})

// Issue 17, items 6–9: the audit's reproductions, with the operator limits at their defaults.
for (const name of BACKENDS) describe(`hostile tenant: sign-in, tokens, keys and limits [${name}]`, async () => {
  const t = await testApp(name, { authFailureLimit: 60, adminRateLimit: 1200, maxTenantRateLimit: 100_000 })
  const addr = () => `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`

  test('45 parallel wrong passwords for one email: at most 10 get 401, the rest 429', async () => {
    const { email } = await t.admin()
    const statuses = (await Promise.all(Array.from({ length: 45 }, (_, i) => t.req('POST', '/api/v1/auth/login', { body: { email, password: `wrong ${i}` }, headers: { 'x-forwarded-for': addr() } })))).map((r) => r.status)
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10)
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true)
  })

  test('an access token is refused after logout, and unsigned (alg none) always', async () => {
    const a = await t.admin()
    await t.req('POST', '/api/v1/auth/logout', { body: { refreshToken: a.refreshToken } })
    expect((await t.req('GET', '/api/v1/auth/me', { token: a.token })).status).toBe(401)
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${a.token.split('.')[1]}.`
    expect((await t.req('GET', '/api/v1/auth/me', { token: none })).status).toBe(401)
  })

  test('the public read key reads no events, experiments or results', async () => {
    const k = await t.tenantWithKeys()
    for (const path of ['/api/v1/events', '/api/v1/experiments', '/api/v1/models']) expect([path, (await t.req('GET', path, { key: k.readKey })).status]).toEqual([path, 403])
  })

  test('a tenant cannot set its limits above MAX_TENANT_RATE_LIMIT: 400 naming the field, nothing changed', async () => {
    const k = await t.tenantWithKeys()
    const put = await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { config: { rateLimits: { read: 10_000_000, write: 500 } } } })
    expect(put.status).toBe(400)
    expect(put.body.errors.map((e: { field: string }) => e.field)).toEqual(['config.rateLimits.read'])
    expect((await t.req('GET', `/api/v1/tenants/${k.tenantId}`, { token: k.token })).body.data.config.rateLimits.read).toBe(1000)
    const create = await t.req('POST', '/api/v1/tenants', { token: k.token, body: { name: 'Greedy', config: { rateLimits: { write: 100_001 } } } })
    expect(create.status).toBe(400)
    expect(create.body.errors.map((e: { field: string }) => e.field)).toEqual(['config.rateLimits.write'])
    expect((await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { config: { rateLimits: { read: 100_000 } } } })).status).toBe(200)
  })

  test('failed authentications are limited per address: invalid keys and tokens get 429 past 60 a minute, others unaffected', async () => {
    const k = await t.tenantWithKeys()
    const from = addr()
    const statuses: number[] = []
    for (let i = 0; i < 70; i++) statuses.push((await t.req('GET', '/api/v1/catalog', { key: `rk_live_${'x'.repeat(28)}${String(i).padStart(4, '0')}`, headers: { 'x-forwarded-for': from } })).status)
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true)
    const token = await t.req('GET', '/api/v1/tenants', { token: 'not.a.jwt', headers: { 'x-forwarded-for': from } })
    expect(token.status).toBe(429)
    expect(Number(token.headers.get('retry-after'))).toBeGreaterThan(0)
    // A key in use from that address still works; another address's bad key is still a plain 401.
    expect((await t.req('GET', '/api/v1/catalog', { key: k.readKey })).status).toBe(200)
    expect((await t.req('GET', '/api/v1/catalog', { key: k.readKey, headers: { 'x-forwarded-for': from } })).status).toBe(200)
    expect((await t.req('GET', '/api/v1/catalog', { key: 'rk_live_' + 'y'.repeat(32), headers: { 'x-forwarded-for': addr() } })).status).toBe(401)
    // After a change empties the key cache, a key seen valid before is still looked up; one never seen is not.
    await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { name: 'Renamed shop' } })
    expect((await t.req('GET', '/api/v1/catalog', { key: k.readKey, headers: { 'x-forwarded-for': from } })).status).toBe(200)
    expect((await t.req('GET', '/api/v1/catalog', { key: k.writeKey, headers: { 'x-forwarded-for': from } })).status).toBe(429)
  })

  test('a limit stored before the ceiling was lowered is held to the ceiling', async () => {
    const k = await t.tenantWithKeys({ rateLimits: { read: 100_000 } })
    const lowered = await testApp(name, { maxTenantRateLimit: 50 }) // another instance, started with a lower ceiling
    expect((await lowered.req('GET', '/api/v1/catalog', { key: k.readKey })).headers.get('ratelimit-limit')).toBe('50')
  })

  test('admin tokens are limited per user (ADMIN_RATE_LIMIT) and say so in RateLimit headers', async () => {
    const strict = await testApp(name, { adminRateLimit: 5 })
    const { token } = await strict.admin()
    const statuses: number[] = []
    let last
    for (let i = 0; i < 7; i++) { last = await strict.req('GET', '/api/v1/tenants', { token }); statuses.push(last.status) }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(last!.headers.get('ratelimit-limit')).toBe('5')
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0)
    const other = await strict.admin()
    expect((await strict.req('GET', '/api/v1/tenants', { token: other.token })).status).toBe(200)
  })
})

// Issue 17 reproductions (events): bad input that once failed or slowed other tenants.
for (const name of BACKENDS) describe(`issue 17: event input that hurt other tenants [${name}]`, async () => {
  const t = await testApp(name)
  const { database } = await backend(name)
  const partitions = async () => (await database.raw.query<{ n: number }>("select count(*)::int as n from pg_inherits where inhparent = 'events'::regclass"))[0].n

  test('timestamp 0000-06-01: 400 naming timestamp, no Retry-After (was 503 for the whole write group)', async () => {
    const k = await t.tenantWithKeys()
    const r = await t.req('POST', '/api/v1/events', { key: k.writeKey, body: { eventType: 'product_viewed', userId: 'u', productId: 'p', timestamp: '0000-06-01T00:00:00Z' } })
    expect(r.status).toBe(400)
    expect(r.headers.get('content-type')).toStartWith('application/problem+json')
    expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(['timestamp'])
    expect(r.headers.get('retry-after')).toBeNull()
  })

  test('a batch dated 2000-01-15 and 2009-12-15: both rows rejected, no partition created (was 120)', async () => {
    const k = await t.tenantWithKeys()
    const before = await partitions()
    const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: ['2000-01-15T00:00:00Z', '2009-12-15T00:00:00Z'].map((timestamp, i) => ({ eventType: 'product_viewed', userId: `u${i}`, productId: 'p', timestamp })) } })
    expect(r.status).toBe(202)
    expect(r.body.data).toEqual({ accepted: 0, duplicates: 0, rejected: [0, 1].map((index) => ({ index, errors: [{ field: 'timestamp', message: expect.stringContaining('90 days') }] })) })
    expect(await partitions()).toBe(before)
  })

  test('GET /events: offset 19,900 → 400 pointing to cursor; cursor with offset → 400 naming offset; a forged cursor → 400 naming cursor', async () => {
    const k = await t.tenantWithKeys()
    const deep = await t.req('GET', '/api/v1/events?offset=19900', { key: k.writeKey })
    expect(deep.status).toBe(400)
    expect(deep.body.errors[0]).toMatchObject({ field: 'offset', message: expect.stringContaining('cursor') })
    const forged = Buffer.from(JSON.stringify([1, 2, '00000000-0000-0000-0000-000000000000'])).toString('base64url')
    expect((await t.req('GET', `/api/v1/events?cursor=${forged}&offset=20`, { key: k.writeKey })).body.errors.map((e: { field: string }) => e.field)).toEqual(['offset'])
    for (const c of ['%FF', 'W10', Buffer.from('[1e400,1,"x"]').toString('base64url')]) {
      const r = await t.req('GET', `/api/v1/events?cursor=${c}`, { key: k.writeKey })
      expect(r.status).toBe(400)
      expect(r.body.errors.map((e: { field: string }) => e.field)).toEqual(['cursor'])
    }
  })
})

// Issue 17, items 3 and 4 (catalog): a search too short to narrow anything, and paging parameters that contradict each other.
for (const name of BACKENDS) describe(`bad input: catalog search and cursor [${name}]`, async () => {
  const t = await testApp(name)
  const k = await t.tenantWithKeys()
  const list = (query: string) => t.req('GET', `/api/v1/catalog?${query}`, { key: k.readKey })
  const refusedField = async (query: string) => {
    const r = await list(query)
    expect({ query, status: r.status, type: r.headers.get('content-type') }).toEqual({ query, status: 400, type: 'application/problem+json' })
    return r.body.errors.map((e: { field: string }) => e.field)
  }

  test('q of 0 or 1 characters, over 200, or with control characters is a 400 naming q', async () => {
    await t.req('POST', '/api/v1/catalog', { key: k.writeKey, body: { productId: 'p1', name: 'Table lamp' } })
    for (const q of ['', 'a', '%', 'x'.repeat(201), 'ab\ncd', 'a\u0001']) expect(await refusedField(`q=${encodeURIComponent(q)}`)).toEqual(['q'])
    expect((await list('q=ab')).body.data.map((i: { productId: string }) => i.productId)).toEqual(['p1'])
  })

  test('cursor with offset is a 400 naming offset; a forged cursor a 400 naming cursor; offset past 10,000 a 400 pointing to cursor', async () => {
    await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: [{ productId: 'a', name: 'A' }, { productId: 'b', name: 'B' }] } })
    const cursor = (await list('limit=1')).body.meta.pagination.nextCursor
    expect(cursor).toBeString()
    expect(await refusedField(`cursor=${cursor}&offset=5`)).toEqual(['offset'])
    for (const forged of ['!!!', 'x'.repeat(600), Buffer.from('[1e999,"a"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) {
      expect(await refusedField(`cursor=${forged}`)).toEqual(['cursor'])
    }
    const deep = await list('offset=19900')
    expect(deep.status).toBe(400)
    expect(deep.body.detail).toContain('cursor')
  })
})
