// The roles matrix: every route the app mounts is in the roles table, and every route that takes a
// member's token answers each role as the table says — 403 problem+json below the route's role,
// anything but 401/403/500 at or above it. The route list comes from the app itself, so a route added
// without a table entry fails here.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../test/backends.ts'
import { expectProblem, testApp, uniqueEmail } from '../test/harness.ts'
import { accessFor, atLeast, HUMAN_ONLY, ROLES, ROUTE_ROLES, type Role } from './roles.ts'

for (const backend of BACKENDS) {
  describe(`roles [${backend}]`, async () => {
    const t = await testApp(backend)
    const routes = (t.app.routes as unknown as { method: string; path: string }[]).map((r) => ({ method: r.method, path: r.path }))

    test('every route the app mounts has an entry in the roles table', () => {
      const missing = routes.map((r) => `${r.method} ${r.path}`).filter((k) => !(k in ROUTE_ROLES))
      expect(missing).toEqual([])
      expect(routes.length).toBeGreaterThan(60)
    })

    test('every member route × every role (and an account key) → the expected status', async () => {
      const owner = await t.admin('Owner')
      const tenantId = (await t.req('POST', '/api/v1/tenants', { token: owner.token, body: { name: 'Matrix shop' } })).body.data.id
      const tokens: Record<Role, string> = { owner: owner.token } as Record<Role, string>
      for (const role of ROLES.filter((r) => r !== 'owner')) {
        const email = uniqueEmail(role)
        const inv = await t.req('POST', '/api/v1/account/members', { token: owner.token, body: { email, role } })
        expect(inv.status).toBe(201)
        const s = await t.req('POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery', name: role, invitationToken: inv.body.data.invitationToken } })
        expect(s.status).toBe(201)
        tokens[role] = s.body.data.accessToken
      }
      const accountKey = (await t.req('POST', '/api/v1/account/api-keys', { token: owner.token, body: { name: 'matrix' } })).body.data.key as string

      const fill = (path: string) => path
        .replace(':keyId', crypto.randomUUID()).replace(':id', crypto.randomUUID())
        .replace(':placement', 'home').replace(':productId', 'p-matrix').replace(':userId', 'shopper-matrix')
      const call = (method: string, path: string, auth: Record<string, string>) =>
        t.req(method, fill(path), { headers: { ...auth, 'x-tenant-id': tenantId }, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) })

      // Leaving goes last: the members leave one by one, and the owner, the last, may not (409).
      const member = routes.filter((r) => {
        const a = accessFor(r.method, r.path)
        return a !== 'public' && a !== 'signed-in'
      }).sort((a, b) => Number(a.path.endsWith('/leave')) - Number(b.path.endsWith('/leave')))
      const wrong: string[] = []
      for (const r of member) {
        const need = accessFor(r.method, r.path) as Role
        for (const role of [...ROLES].reverse()) {
          const res = await call(r.method, r.path, { authorization: `Bearer ${tokens[role]}` })
          const allowed = atLeast(role, need)
          if (allowed ? [401, 403, 500].includes(res.status) : res.status !== 403) wrong.push(`${r.method} ${r.path} as ${role}: ${res.status} ${res.text.slice(0, 120)}`)
          else if (!allowed) expectProblem(res, 403)
        }
        const keyAllowed = atLeast('admin', need) && !HUMAN_ONLY.has(`${r.method} ${r.path}`) && !r.path.endsWith('/leave')
        const res = await call(r.method, r.path, { authorization: `Bearer ${accountKey}` })
        if (keyAllowed ? [401, 403, 500].includes(res.status) : ![400, 403].includes(res.status)) wrong.push(`${r.method} ${r.path} as account key: ${res.status} ${res.text.slice(0, 120)}`)
      }
      expect(wrong).toEqual([])
      expect(member.length).toBeGreaterThan(50)
    }, 120_000)
  })
}
