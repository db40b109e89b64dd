// API conventions shared by every endpoint.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from './test/backends.ts'
import { expectProblem, testApp } from './test/harness.ts'

for (const backend of BACKENDS) {
  describe(`conventions [${backend}]`, async () => {
    const t = await testApp(backend, { maxBodyBytes: 2048 })

    test('GET /health reports the engines', async () => {
      const r = await t.req('GET', '/health')
      expect(r.status).toBe(200)
      expect(r.body).toEqual({ status: 'ok', db: backend, cache: backend === 'pglite' ? 'memory' : 'redis' })
    })

    test('X-Request-ID is echoed when valid and generated otherwise, on errors too', async () => {
      expect((await t.req('GET', '/health', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123')
      expect((await t.req('GET', '/health')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      const err = await t.req('GET', '/api/v1/tenants', { headers: { 'x-request-id': 'req-401' } })
      expect(err.headers.get('x-request-id')).toBe('req-401')
      expect((await t.req('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } })).headers.get('x-request-id')).not.toBe('bad id with spaces')
    })

    test('unknown routes, malformed JSON, wrong content type and oversized bodies are problems', async () => {
      expectProblem(await t.req('GET', '/api/v1/nope'), 404)
      const { token } = await t.admin()
      expect(expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":' }), 400).type).toEndWith('/malformed-json')
      expect(expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415).type).toEndWith('/unsupported-media-type')
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }), 415) // text/plain: /track only
      expectProblem(await t.req('GET', '/api/v1/tenants', { token, headers: { 'x-junk': 'x'.repeat(17 * 1024) } }), 431)
      expectProblem(await t.req('GET', `/api/v1/${'p'.repeat(17 * 1024)}`, { token }), 431)
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, body: { name: 'x'.repeat(4000) } }), 413)
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '' }), 400)
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.data).toHaveLength(0)
    })

    test('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400 naming the field, on every endpoint', async () => {
      const { token } = await t.admin()
      const p = expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":"a\\u0000b"}' }), 400)
      expect(p.errors).toEqual([{ field: 'name', message: expect.stringContaining('NUL') }])
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":"ok","config":{"widget":{"title":"\\udc00"}}}' }), 400)
      expect(expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":"ok","x\\u0000":1}' }), 400).errors![0].field).toBe('(body)')
      const k = await t.tenantWithKeys()
      const ev = expectProblem(await t.req('POST', '/api/v1/events', { key: k.writeKey, raw: '{"eventType":"product_viewed","userId":"u","productId":"p","metadata":{"note":"a\\u0000"}}' }), 400)
      expect(ev.errors![0].field).toBe('metadata.note')
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.data).toHaveLength(0)
      for (const raw of ['{"name":"x","__proto__":{"admin":true}}', '{"name":"x","config":{"constructor":{"prototype":{}}}}', '{"name":"x","config":{"widget":[{"prototype":1}]}}']) {
        const p = expectProblem(await t.req('POST', '/api/v1/tenants', { token, raw }), 400)
        expect(p.detail).toMatch(/"(__proto__|constructor|prototype)"/)
      }
      // A real emoji (a surrogate pair) is fine.
      expect((await t.req('POST', '/api/v1/tenants', { token, raw: '{"name":"Shop \\ud83d\\ude00"}' })).body.data.name).toBe('Shop 😀')
    })

    test('CORS preflight allows the SDK headers and exposes rate-limit headers', async () => {
      const r = await t.req('OPTIONS', '/api/v1/me', { headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } })
      expect(r.status).toBeLessThan(300)
      expect(r.headers.get('access-control-allow-origin')).toBe('https://shop.example')
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key')
      expect(r.headers.get('access-control-allow-methods')).toContain('POST')
      expect(r.headers.get('access-control-max-age')).toBe('600')
      // The API takes keys and tokens, never cookies: no credentialed cross-origin reads.
      expect(r.headers.get('access-control-allow-credentials')).toBeNull()
      const g = await t.req('GET', '/health', { headers: { origin: 'https://shop.example' } })
      expect(g.headers.get('access-control-allow-origin')).toBe('https://shop.example')
      expect(g.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining')
      expect(g.headers.get('vary')).toBe('Origin')
    })

    test('a request without an Origin (not a browser) gets no CORS headers, only Vary: Origin for caches', async () => {
      const k = await t.tenantWithKeys()
      for (const r of [await t.req('GET', '/health'), await t.req('GET', '/api/v1/recommendations?userId=u1', { key: k.readKey }), await t.req('GET', '/api/v1/tenants')]) {
        expect(r.headers.get('access-control-allow-origin')).toBeNull()
        expect(r.headers.get('access-control-expose-headers')).toBeNull()
        expect(r.headers.get('vary')).toBe('Origin')
      }
      // A browser calling with the same key gets them (a 401 too, so the page can read why).
      const withOrigin = await t.req('GET', '/api/v1/recommendations?userId=u1', { key: k.readKey, headers: { origin: 'https://shop.example' } })
      expect(withOrigin.status).toBe(200)
      expect(withOrigin.headers.get('access-control-allow-origin')).toBe('https://shop.example')
      expect(withOrigin.headers.get('access-control-expose-headers')).toContain('X-Request-ID')
      const refused = await t.req('GET', '/api/v1/tenants', { headers: { origin: 'https://shop.example' } })
      expect(refused.status).toBe(401)
      expect(refused.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    })
  })
}

describe('CORS_ORIGINS as a list', async () => {
  const t = await testApp('pglite', { corsOrigins: ['https://shop.example'] })
  const preflight = (origin: string) => t.req('OPTIONS', '/api/v1/recommendations', { headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' } })

  test('a listed origin is admitted: preflight and request', async () => {
    const p = await preflight('https://shop.example')
    expect(p.status).toBe(204)
    expect(p.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    expect(p.headers.get('vary')).toContain('Origin')
    expect((await t.req('GET', '/health', { headers: { origin: 'https://shop.example' } })).headers.get('access-control-allow-origin')).toBe('https://shop.example')
  })

  test('any other origin gets no allow-origin, so the browser blocks it; the answer is otherwise the same', async () => {
    for (const origin of ['https://evil.example', 'http://shop.example', 'https://shop.example.evil.example']) {
      const p = await preflight(origin)
      expect(p.status).toBe(204)
      expect(p.headers.get('access-control-allow-origin')).toBeNull()
      expect(p.headers.get('access-control-allow-headers')).toBeNull()
      const g = await t.req('GET', '/health', { headers: { origin } })
      expect(g.status).toBe(200)
      expect(g.headers.get('access-control-allow-origin')).toBeNull()
      expect(g.headers.get('vary')).toBe('Origin')
    }
  })
})

describe('OpenAPI', async () => {
  const t = await testApp('pglite')
  test('the document is generated from the route schemas and lists every endpoint', async () => {
    const r = await t.req('GET', '/api/v1/openapi.json')
    expect(r.status).toBe(200)
    expect(r.body.openapi).toStartWith('3.')
    const paths = Object.keys(r.body.paths)
    for (const p of ['/api/v1/auth/signup', '/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout', '/api/v1/auth/forgot-password',
      '/api/v1/auth/reset-password', '/api/v1/auth/me', '/api/v1/tenants', '/api/v1/tenants/{id}', '/api/v1/tenants/{id}/api-keys',
      '/api/v1/tenants/{id}/api-keys/{keyId}', '/api/v1/me', '/health']) expect(paths).toContain(p)
    const signup = r.body.paths['/api/v1/auth/signup'].post
    expect(Object.keys(signup.responses)).toEqual(expect.arrayContaining(['201', '400', '409']))
    expect(JSON.stringify(signup.requestBody)).toContain('password')
    expect((await t.req('GET', '/api/docs')).status).toBe(200)
  })
})
