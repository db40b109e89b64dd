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
  const real: Record<string, string> = {
    tenants: k.tenantId, 'api-keys': keys.body.data[0].id, catalog: product.body.data.productId, experiments: experiment.body.data.id,
  }
  const realId = (param: string, collection: string) => real[collection] ?? real[param] ?? 'probe-unknown'
  const ops = (await operations(t)).filter((op) => op.path !== '/api/v1/openapi.json')
  let ip = 0
  const credentials = (op: Operation): Record<string, string> => ({
    // A fresh client address each time, so per-address login throttling does not mask what is probed.
    'x-forwarded-for': `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip++ & 255}`,
    ...(op.security.includes('apiKey') ? { 'x-api-key': k.writeKey } : op.security.includes('bearer') ? { authorization: `Bearer ${k.token}` } : {}),
  })
  const COUNTED = ['users', 'tenants', 'api_keys', 'catalog_items', 'events', 'experiments']
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
