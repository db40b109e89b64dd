import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { problemHandler } from '../../http/problems.ts'
import { Strict, T } from '../../http/schemas.ts'
import { BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'

for (const backend of BACKENDS) {
  describe(`api keys [${backend}]`, async () => {
    const t = await testApp(backend)

    test('create shows the key once; the list never does (F-002)', async () => {
      const { token } = await t.admin()
      const tenantId = (await t.req('POST', '/api/v1/tenants', { token, body: { name: 'S' } })).body.data.id
      const r = await t.req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'Production SDK', permissions: 'read' } })
      expect(r.status).toBe(201)
      expect(r.body.data.key).toMatch(/^rk_live_[0-9A-Za-z]{32,}$/)
      expect(r.body.data.key.startsWith(r.body.data.prefix)).toBe(true)
      expect(r.body.data).toMatchObject({ name: 'Production SDK', permissions: 'read', requestCount: 0, lastUsedAt: null })
      const list = await t.req('GET', `/api/v1/tenants/${tenantId}/api-keys`, { token })
      expect(list.body.data).toHaveLength(1)
      expect(list.text).not.toContain(r.body.data.key)
      expect(list.body.data[0].key).toBeUndefined()
      expectProblem(await t.req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'x', permissions: 'admin' } }), 400)
    })

    test('the key is stored only as an HMAC-SHA256 hash (NFR-009)', async () => {
      const k = await t.tenantWithKeys()
      const { backend: b } = await import('../../test/backends.ts')
      const rows = await (await b(backend)).database.raw.query<{ key_hash: string }>('select key_hash from api_keys where tenant_id = $1', [k.tenantId])
      expect(rows).toHaveLength(2)
      for (const r of rows) {
        expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/)
        expect(r.key_hash).not.toContain(k.readKey.slice(8))
      }
    })

    test('an 11th active key is refused with 409; revoking one frees a slot', async () => {
      const { token } = await t.admin()
      const tenantId = (await t.req('POST', '/api/v1/tenants', { token, body: { name: 'S' } })).body.data.id
      const ids: string[] = []
      for (let i = 0; i < 10; i++) ids.push((await t.req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: `k${i}`, permissions: 'read' } })).body.data.id)
      expectProblem(await t.req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'k11', permissions: 'read' } }), 409)
      await t.req('DELETE', `/api/v1/tenants/${tenantId}/api-keys/${ids[0]}`, { token })
      expect((await t.req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'k11', permissions: 'read' } })).status).toBe(201)
    })

    test('keys authenticate by X-API-Key or Bearer; GET /me introspects; usage is counted', async () => {
      const k = await t.tenantWithKeys()
      const a = await t.req('GET', '/api/v1/me', { key: k.readKey })
      expect(a.status).toBe(200)
      expect(a.body.data).toMatchObject({ tenantId: k.tenantId, name: 'read', permissions: 'read' })
      const b = await t.req('GET', '/api/v1/me', { headers: { authorization: `Bearer ${k.writeKey}` } })
      expect(b.body.data.permissions).toBe('write')
      const list = await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })
      const read = list.body.data.find((x: { name: string }) => x.name === 'read')
      expect(read.requestCount).toBe(1)
      expect(read.lastUsedAt).not.toBeNull()
    })

    test('revoking one key rejects it with 401 and leaves the other working (FR-008)', async () => {
      const k = await t.tenantWithKeys()
      const keys = (await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data
      const readId = keys.find((x: { name: string }) => x.name === 'read').id
      expect((await t.req('GET', '/api/v1/me', { key: k.readKey })).status).toBe(200)
      expect((await t.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${readId}`, { token: k.token })).body.data.revokedAt).not.toBeNull()
      expectProblem(await t.req('GET', '/api/v1/me', { key: k.readKey }), 401)
      expect((await t.req('GET', '/api/v1/me', { key: k.writeKey })).status).toBe(200)
      expectProblem(await t.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${readId}`, { token: k.token }), 404)
      expectProblem(await t.req('GET', '/api/v1/me', { key: 'rk_live_' + 'x'.repeat(40) }), 401)
      expectProblem(await t.req('GET', '/api/v1/me'), 401)
    })

    test('a suspended tenant\'s keys get 403 "Tenant suspended"; its data is kept', async () => {
      const k = await t.tenantWithKeys()
      await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { status: 'suspended' } })
      const p = expectProblem(await t.req('GET', '/api/v1/me', { key: k.readKey }), 403)
      expect(p.detail).toBe('Tenant suspended')
      expect((await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data).toHaveLength(2)
      await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { status: 'active' } })
      expect((await t.req('GET', '/api/v1/me', { key: k.readKey })).status).toBe(200)
      await t.req('DELETE', `/api/v1/tenants/${k.tenantId}`, { token: k.token })
      expectProblem(await t.req('GET', '/api/v1/me', { key: k.readKey }), 403)
    })

    test('rate limit: the read budget per minute, then 429 with Retry-After and RateLimit headers', async () => {
      const k = await t.tenantWithKeys({ rateLimits: { read: 3, write: 2 } })
      for (let i = 0; i < 3; i++) {
        const r = await t.req('GET', '/api/v1/me', { key: k.readKey })
        expect(r.status).toBe(200)
        expect(r.headers.get('ratelimit-limit')).toBe('3')
        expect(r.headers.get('ratelimit-remaining')).toBe(String(2 - i))
      }
      const limited = await t.req('GET', '/api/v1/me', { key: k.readKey })
      expectProblem(limited, 429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(limited.headers.get('ratelimit-remaining')).toBe('0')
      // Budgets are per key: the write key still has its own.
      expect((await t.req('GET', '/api/v1/me', { key: k.writeKey })).status).toBe(200)
    })

    test('cross-tenant: another admin cannot create, list or revoke keys of a tenant', async () => {
      const k = await t.tenantWithKeys()
      const other = await t.admin('Mallory')
      const keys = (await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token })).body.data
      expectProblem(await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: other.token, body: { name: 'x', permissions: 'write' } }), 404)
      expectProblem(await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: other.token }), 404)
      expectProblem(await t.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${keys[0].id}`, { token: other.token }), 404)
      // A key is not an admin credential.
      expectProblem(await t.req('GET', `/api/v1/tenants/${k.tenantId}/api-keys`, { key: k.writeKey }), 401)
      // Another tenant's key id under my tenant is not found either.
      const mine = await t.tenantWithKeys()
      expectProblem(await t.req('DELETE', `/api/v1/tenants/${mine.tenantId}/api-keys/${keys[0].id}`, { token: mine.token }), 404)
      expect((await t.req('GET', '/api/v1/me', { key: k.readKey })).status).toBe(200)
    })

    test('admin JWT + X-Tenant-ID is accepted for tenant endpoints only for the admin\'s own tenants', async () => {
      const k = await t.tenantWithKeys()
      const other = await t.admin('Mallory')
      expectProblem(await t.req('GET', '/api/v1/me', { token: k.token, tenant: k.tenantId }), 400) // /me describes keys
      expectProblem(await t.req('GET', '/api/v1/me', { token: other.token, tenant: k.tenantId }), 404)
      expectProblem(await t.req('GET', '/api/v1/me', { token: k.token }), 400) // X-Tenant-ID missing
    })
  })
}

// The guard itself, on a route that needs write access: the permission
// model every tenant-scoped feature relies on.
describe('tenant guard', async () => {
  const t = await testApp('pglite')
  const probe = new Elysia()
    .use(problemHandler(quietLog))
    .use(t.app.guards)
    .post('/probe', ({ principal }) => principal.tenantId, { tenant: 'write', body: Strict({ a: T.Integer() }) })
  const post = (key: string, body: string) => probe.handle(new Request('http://localhost/probe', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body }))

  test('a read key on a write route gets 403 with the exact detail, before body validation', async () => {
    const k = await t.tenantWithKeys()
    const res = await post(k.readKey, '{"a":"not an int"}')
    expect(res.status).toBe(403)
    expect((await res.json()).detail).toBe('Insufficient permissions: write access required')
    expect((await post(k.writeKey, '{"a":"not an int"}')).status).toBe(400)
    const ok = await post(k.writeKey, '{"a":1}')
    expect(ok.status).toBe(200)
    expect(await ok.text()).toBe(k.tenantId)
  })

  test('no credentials: 401 before body validation', async () => {
    const res = await probe.handle(new Request('http://localhost/probe', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))
    expect(res.status).toBe(401)
  })
})
