import { beforeEach, describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, uniqueEmail, type TestApp } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'

const PASSWORD = 'correct horse battery'

/** A signed-up user invited by `owner` into their account with `role`; answers the new user's token. */
async function member(t: TestApp, ownerToken: string, role: string) {
  const email = uniqueEmail(role)
  const inv = await t.req('POST', '/api/v1/account/members', { token: ownerToken, body: { email, role } })
  expect(inv.status).toBe(201)
  const s = await t.req('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: role, invitationToken: inv.body.data.invitationToken } })
  expect(s.status).toBe(201)
  return { token: s.body.data.accessToken as string, memberId: inv.body.data.id as string, email }
}

for (const backend of BACKENDS) {
  describe(`accounts [${backend}]`, async () => {
    const START = '2026-12-06T12:00:00Z'
    let now = new Date(START)
    // Every test starts on the same day, whether or not the one before it reached its own reset.
    beforeEach(() => { now = new Date(START) })
    const t = await testApp(backend, {}, () => now)
    const accountKey = async (token: string) => (await t.req('POST', '/api/v1/account/api-keys', { token, body: { name: 'provisioning' } })).body.data.key as string

    test('account keys: made by a signed-in admin, shown once, listed by prefix, revoked at once', async () => {
      const { token } = await t.admin()
      const made = await t.req('POST', '/api/v1/account/api-keys', { token, body: { name: 'platform' } })
      expect(made.status).toBe(201)
      expect(made.body.data.key).toMatch(/^ak_live_[0-9A-Za-z]{40}$/)
      const list = await t.req('GET', '/api/v1/account/api-keys', { token })
      expect(list.body.data).toHaveLength(1)
      expect(list.body.data[0].key).toBeUndefined()
      expect(made.body.data.key.startsWith(list.body.data[0].prefix)).toBe(true)
      const ak = made.body.data.key
      expect((await t.req('GET', '/api/v1/tenants', { headers: { authorization: `Bearer ${ak}` } })).status).toBe(200)
      expect((await t.req('GET', '/api/v1/tenants', { headers: { 'x-api-key': ak } })).status).toBe(200)
      // Its last use is recorded (in the background).
      await waitFor("the account key's lastUsedAt", async () => (await t.req('GET', '/api/v1/account/api-keys', { token })).body.data[0].lastUsedAt !== null)
      // An account key cannot make keys, nor manage members.
      expectProblem(await t.req('POST', '/api/v1/account/api-keys', { headers: { authorization: `Bearer ${ak}` }, body: { name: 'x' } }), 403)
      expectProblem(await t.req('POST', '/api/v1/account/members', { headers: { authorization: `Bearer ${ak}` }, body: { email: uniqueEmail(), role: 'viewer' } }), 403)
      expect((await t.req('DELETE', `/api/v1/account/api-keys/${made.body.data.id}`, { token })).status).toBe(200)
      expectProblem(await t.req('GET', '/api/v1/tenants', { headers: { authorization: `Bearer ${ak}` } }), 401)
    })

    test('provisioning end to end with an account key: tenant + keys in one call, found by externalId, configured, suspended, deleted', async () => {
      const { token } = await t.admin()
      const ak = await accountKey(token)
      const auth = { authorization: `Bearer ${ak}` }
      const created = await t.req('POST', '/api/v1/tenants', { headers: auth, body: {
        name: 'Store 4711', externalId: 'store-4711', config: { defaultStrategy: 'trending' },
        apiKeys: [{ name: 'storefront', permissions: 'read' }, { name: 'backend', permissions: 'write' }],
      } })
      expect(created.status).toBe(201)
      const tenant = created.body.data
      expect(tenant).toMatchObject({ name: 'Store 4711', externalId: 'store-4711', status: 'active' })
      expect(tenant.apiKeys.map((k: { permissions: string }) => k.permissions)).toEqual(['read', 'write'])
      const [readKey, writeKey] = tenant.apiKeys.map((k: { key: string }) => k.key)
      expect((await t.req('GET', '/api/v1/me', { key: readKey })).body.data).toMatchObject({ tenantId: tenant.id, permissions: 'read' })
      expect((await t.req('GET', '/api/v1/me', { key: writeKey })).body.data.permissions).toBe('write')
      // The same externalId again in this account: 409.
      expectProblem(await t.req('POST', '/api/v1/tenants', { headers: auth, body: { name: 'Other', externalId: 'store-4711' } }), 409)
      const found = await t.req('GET', '/api/v1/tenants?externalId=store-4711', { headers: auth })
      expect(found.body.data.map((x: { id: string }) => x.id)).toEqual([tenant.id])
      expect((await t.req('GET', '/api/v1/tenants?externalId=nope', { headers: auth })).body.data).toEqual([])
      // The account owner's console sees it too.
      expect((await t.req('GET', `/api/v1/tenants/${tenant.id}`, { token })).body.data.externalId).toBe('store-4711')
      // Widget/config, another key, tenant data with X-Tenant-ID.
      expect((await t.req('PUT', `/api/v1/tenants/${tenant.id}`, { headers: auth, body: { config: { widget: { theme: { primaryColor: '#112233' } } } } })).status).toBe(200)
      expect((await t.req('POST', `/api/v1/tenants/${tenant.id}/api-keys`, { headers: auth, body: { name: 'extra', permissions: 'read' } })).status).toBe(201)
      expect((await t.req('PUT', '/api/v1/widgets/home', { headers: { ...auth, 'x-tenant-id': tenant.id }, body: { title: 'For you' } })).status).not.toBe(403)
      expectProblem(await t.req('GET', '/api/v1/catalog', { headers: auth }), 400) // no X-Tenant-ID: never valid on tenant data
      expect((await t.req('GET', '/api/v1/catalog', { headers: { ...auth, 'x-tenant-id': tenant.id } })).status).toBe(200)
      expect((await t.req('PUT', `/api/v1/tenants/${tenant.id}`, { headers: auth, body: { status: 'suspended' } })).body.data.status).toBe('suspended')
      expectProblem(await t.req('GET', '/api/v1/me', { key: readKey }), 403)
      expect((await t.req('DELETE', `/api/v1/tenants/${tenant.id}`, { headers: auth })).body.data.status).toBe('deleted')
    })

    test('idempotent create: the same key and body answer the same tenant and keys; another body is a 409', async () => {
      const { token } = await t.admin()
      const ak = await accountKey(token)
      const headers = { authorization: `Bearer ${ak}`, 'idempotency-key': 'provision-store-1' }
      const body = { name: 'Idem store', externalId: 'idem-1', apiKeys: [{ name: 'front', permissions: 'read' }] }
      const first = await t.req('POST', '/api/v1/tenants', { headers, body })
      expect(first.status).toBe(201)
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      // Same body with its fields in another order: the same request.
      const again = await t.req('POST', '/api/v1/tenants', { headers, body: { apiKeys: body.apiKeys, externalId: 'idem-1', name: 'Idem store' } })
      expect(again.status).toBe(201)
      expect(again.headers.get('idempotent-replayed')).toBe('true')
      expect(again.body).toEqual(first.body)
      expect(again.body.data.apiKeys[0].key).toBe(first.body.data.apiKeys[0].key)
      expectProblem(await t.req('POST', '/api/v1/tenants', { headers, body: { ...body, name: 'Changed' } }), 409)
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.meta.pagination.total).toBe(1)
      // The stored answer is encrypted: the key secret is nowhere in the table.
      const { backend: open } = await import('../../test/backends.ts')
      const raw = (await open(backend)).database.raw
      const rows = await raw.query<{ response: Uint8Array }>('select response from idempotency_keys where key = $1', ['provision-store-1'])
      expect(Buffer.from(rows[0]!.response).toString('latin1')).not.toContain(first.body.data.apiKeys[0].key)
      // After 24 hours the key may be used again (a new tenant; this name is taken, so 409 proves it ran).
      now = new Date(now.getTime() + 25 * 3600_000)
      expectProblem(await t.req('POST', '/api/v1/tenants', { headers, body }), 409)
    })

    test('idempotent create under concurrency: parallel requests with one key make one tenant', async () => {
      const { token } = await t.admin()
      const ak = await accountKey(token)
      const headers = { authorization: `Bearer ${ak}`, 'idempotency-key': 'parallel-1' }
      const body = { name: 'Parallel store', apiKeys: [{ name: 'w', permissions: 'write' }] }
      const answers = await Promise.all(Array.from({ length: 6 }, () => t.req('POST', '/api/v1/tenants', { headers, body })))
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201))
      expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(1)
      expect(new Set(answers.map((a) => a.body.data.apiKeys[0].key)).size).toBe(1)
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.meta.pagination.total).toBe(1)
    })

    test("an account key of account A cannot touch account B's tenants", async () => {
      const a = await t.admin()
      const b = await t.tenantWithKeys()
      const ak = { authorization: `Bearer ${await accountKey(a.token)}` }
      const id = b.tenantId
      expectProblem(await t.req('GET', `/api/v1/tenants/${id}`, { headers: ak }), 404)
      expectProblem(await t.req('PUT', `/api/v1/tenants/${id}`, { headers: ak, body: { status: 'suspended' } }), 404)
      expectProblem(await t.req('DELETE', `/api/v1/tenants/${id}`, { headers: ak }), 404)
      expectProblem(await t.req('POST', `/api/v1/tenants/${id}/api-keys`, { headers: ak, body: { name: 'x', permissions: 'write' } }), 404)
      expectProblem(await t.req('GET', `/api/v1/tenants/${id}/api-keys`, { headers: ak }), 404)
      expectProblem(await t.req('GET', `/api/v1/tenants/${id}/usage`, { headers: ak }), 404)
      expectProblem(await t.req('GET', '/api/v1/catalog', { headers: { ...ak, 'x-tenant-id': id } }), 404)
      expectProblem(await t.req('POST', '/api/v1/events', { headers: { ...ak, 'x-tenant-id': id }, body: { eventType: 'product_viewed', userId: 'u', productId: 'p' } }), 404)
      expect((await t.req('GET', '/api/v1/tenants', { headers: ak })).body.data).toEqual([])
      expect((await t.req('GET', `/api/v1/tenants/${id}`, { token: b.token })).body.data.status).toBe('active')
      // A forged or tenant-shaped key is no account key.
      expectProblem(await t.req('GET', '/api/v1/tenants', { headers: { authorization: `Bearer ak_live_${'x'.repeat(40)}` } }), 401)
      expectProblem(await t.req('GET', '/api/v1/tenants', { key: b.writeKey }), 401)
    })

    test('invitations: mail with a link, accept when signed in, wrong email, expiry after 7 days, signup with the token', async () => {
      const owner = await t.admin('Olga')
      const invitee = await t.admin('Ivan')
      const inv = await t.req('POST', '/api/v1/account/members', { token: owner.token, body: { email: invitee.email.toUpperCase(), role: 'analyst' } })
      expect(inv.status).toBe(201)
      expect(inv.body.data).toMatchObject({ email: invitee.email, role: 'analyst', status: 'invited' })
      const token = inv.body.data.invitationToken as string
      const mail = [...t.mail].reverse().find((m) => m.to === invitee.email)!
      expect(mail.text).toContain(`invitationToken=${token}`)
      expect(mail.text).toContain('7 days')
      // Someone else signed in cannot use it.
      const stranger = await t.admin()
      expectProblem(await t.req('POST', '/api/v1/account/invitations/accept', { token: stranger.token, body: { invitationToken: token } }), 403)
      const ok = await t.req('POST', '/api/v1/account/invitations/accept', { token: invitee.token, body: { invitationToken: token } })
      expect(ok.status).toBe(200)
      expect(ok.body.data).toMatchObject({ status: 'active', role: 'analyst', email: invitee.email })
      expectProblem(await t.req('POST', '/api/v1/account/invitations/accept', { token: invitee.token, body: { invitationToken: token } }), 404) // used
      const members = (await t.req('GET', '/api/v1/account/members', { token: owner.token })).body.data
      expect(members.map((m: { email: string; role: string }) => `${m.email}:${m.role}`).sort()).toEqual([`${invitee.email}:analyst`, `${owner.email}:owner`].sort())

      // Expiry: 7 days.
      const late = uniqueEmail('late')
      const lateInv = (await t.req('POST', '/api/v1/account/members', { token: owner.token, body: { email: late, role: 'viewer' } })).body.data.invitationToken
      now = new Date(now.getTime() + 7 * 24 * 3600_000 + 1000)
      expectProblem(await t.req('POST', '/api/v1/auth/signup', { body: { email: late, password: PASSWORD, name: 'Late', invitationToken: lateInv } }), 410)
      now = new Date(START)
      // Signup with a token: another email is refused; the right one joins that account (and gets none of its own).
      const fresh = uniqueEmail('fresh')
      const freshInv = (await t.req('POST', '/api/v1/account/members', { token: owner.token, body: { email: fresh, role: 'viewer' } })).body.data.invitationToken
      expectProblem(await t.req('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD, name: 'X', invitationToken: freshInv } }), 403)
      const s = await t.req('POST', '/api/v1/auth/signup', { body: { email: fresh, password: PASSWORD, name: 'Fresh', invitationToken: freshInv } })
      expect(s.status).toBe(201)
      const acct = (await t.req('GET', '/api/v1/account', { token: s.body.data.accessToken })).body.data
      expect(acct).toMatchObject({ id: owner.userId, role: 'viewer' })
      expect(acct.accounts).toHaveLength(1)
      expectProblem(await t.req('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: PASSWORD, name: 'X', invitationToken: 'inv_nope' } }), 404)
    })

    test('roles: an account\'s tenants are visible to all its members; each role does what it may and gets 403 problem+json otherwise', async () => {
      const owner = await t.admin()
      const tenantId = (await t.req('POST', '/api/v1/tenants', { token: owner.token, body: { name: 'Shared' } })).body.data.id
      const viewer = await member(t, owner.token, 'viewer')
      const analyst = await member(t, owner.token, 'analyst')
      const admin = await member(t, owner.token, 'admin')
      for (const m of [viewer, analyst, admin]) expect((await t.req('GET', `/api/v1/tenants/${tenantId}`, { token: m.token })).status).toBe(200)
      const forbidden = expectProblem(await t.req('POST', '/api/v1/tenants', { token: viewer.token, body: { name: 'No' } }), 403)
      expect(forbidden.detail).toContain('admin')
      expectProblem(await t.req('POST', '/api/v1/catalog', { token: analyst.token, tenant: tenantId, body: { productId: 'p1', name: 'P' } }), 403)
      expectProblem(await t.req('POST', '/api/v1/experiments', { token: viewer.token, tenant: tenantId, body: {} }), 403)
      const exp = await t.req('POST', '/api/v1/experiments', { token: analyst.token, tenant: tenantId, body: { name: 'A/B', control: 'trending', variant: 'collaborative', trafficSplit: 50, metric: 'ctr' } })
      expect(exp.status).toBe(201)
      expect((await t.req('POST', '/api/v1/catalog', { token: admin.token, tenant: tenantId, body: { productId: 'p1', name: 'P' } })).status).toBe(201)
      expectProblem(await t.req('POST', '/api/v1/account/members', { token: admin.token, body: { email: uniqueEmail(), role: 'viewer' } }), 403)
      expect((await t.req('PATCH', `/api/v1/account/members/${viewer.memberId}`, { token: owner.token, body: { role: 'analyst' } })).body.data.role).toBe('analyst')
      expect((await t.req('POST', '/api/v1/catalog', { token: viewer.token, tenant: tenantId, body: { productId: 'p2', name: 'P' } })).status).toBe(403)
      expect((await t.req('DELETE', `/api/v1/account/members/${admin.memberId}`, { token: owner.token })).status).toBe(200)
      expectProblem(await t.req('GET', `/api/v1/tenants/${tenantId}`, { token: admin.token }), 403) // no longer a member of any account
    })

    test('the last owner cannot leave or be demoted; with a second owner they can', async () => {
      const owner = await t.admin()
      const own = (await t.req('GET', '/api/v1/account/members', { token: owner.token })).body.data[0]
      expectProblem(await t.req('PATCH', `/api/v1/account/members/${own.id}`, { token: owner.token, body: { role: 'admin' } }), 409)
      expectProblem(await t.req('DELETE', `/api/v1/account/members/${own.id}`, { token: owner.token }), 409)
      expectProblem(await t.req('POST', '/api/v1/account/leave', { token: owner.token }), 409)
      const second = await member(t, owner.token, 'owner')
      // Both demoting each other at once: one stays owner.
      const [x, y] = await Promise.all([
        t.req('PATCH', `/api/v1/account/members/${own.id}`, { token: second.token, headers: { 'x-account-id': owner.userId }, body: { role: 'viewer' } }),
        t.req('PATCH', `/api/v1/account/members/${second.memberId}`, { token: owner.token, body: { role: 'viewer' } }),
      ])
      // The loser is refused by the lock (409) or, when the winner committed first, by its new role (403).
      expect([x.status, y.status].filter((st) => st === 200)).toHaveLength(1)
      expect([403, 409]).toContain(x.status === 200 ? y.status : x.status)
      const owners = (await t.req('GET', '/api/v1/account/members', { token: second.token, headers: { 'x-account-id': owner.userId } })).body.data.filter((m: { role: string }) => m.role === 'owner')
      expect(owners).toHaveLength(1)
    })

    test('a member of two accounts switches with X-Account-ID; another account\'s id is refused', async () => {
      const a = await t.admin()
      const b = await t.admin()
      await t.req('POST', '/api/v1/tenants', { token: a.token, body: { name: 'A shop' } })
      await t.req('POST', '/api/v1/tenants', { token: b.token, body: { name: 'B shop' } })
      const inv = (await t.req('POST', '/api/v1/account/members', { token: a.token, body: { email: b.email, role: 'viewer' } })).body.data.invitationToken
      expect((await t.req('POST', '/api/v1/account/invitations/accept', { token: b.token, body: { invitationToken: inv } })).status).toBe(200)
      const me = (await t.req('GET', '/api/v1/account', { token: b.token })).body.data
      expect(me).toMatchObject({ id: b.userId, role: 'owner' }) // their own account by default
      expect(me.accounts.map((x: { id: string; role: string }) => `${x.id}:${x.role}`).sort()).toEqual([`${a.userId}:viewer`, `${b.userId}:owner`].sort())
      const names = async (headers: Record<string, string>) => (await t.req('GET', '/api/v1/tenants', { token: b.token, headers })).body.data.map((x: { name: string }) => x.name)
      expect(await names({})).toEqual(['B shop'])
      expect(await names({ 'x-account-id': a.userId })).toEqual(['A shop'])
      expectProblem(await t.req('POST', '/api/v1/tenants', { token: b.token, headers: { 'x-account-id': a.userId }, body: { name: 'No' } }), 403)
      expectProblem(await t.req('GET', '/api/v1/tenants', { token: b.token, headers: { 'x-account-id': crypto.randomUUID() } }), 403)
      expectProblem(await t.req('GET', '/api/v1/tenants', { token: a.token, headers: { 'x-account-id': b.userId } }), 403)
    })

    test('email preferences are stored per user; the weekly summary goes through the mailer to those who want it, once a week', async () => {
      const keen = await t.admin('Keen')
      const quiet = await t.admin('Quiet')
      expect((await t.req('GET', '/api/v1/auth/me', { token: keen.token })).body.data.emailPreferences).toEqual({ weeklySummary: true, experimentAlerts: true })
      const off = await t.req('PATCH', '/api/v1/auth/me', { token: quiet.token, body: { emailPreferences: { weeklySummary: false } } })
      expect(off.body.data.emailPreferences).toEqual({ weeklySummary: false, experimentAlerts: true })
      await t.req('POST', '/api/v1/tenants', { token: keen.token, body: { name: 'Weekly shop' } })
      const summaries = t.app.services.summaries
      const sentTo = (email: string) => t.mail.filter((m) => m.to === email && m.subject.startsWith('Your week'))
      await summaries.sendDue()
      expect(sentTo(keen.email)).toHaveLength(0) // not a week since signup yet
      // A week after signup by the database's clock, which stamped created_at (the app's clock is fixed at a past day).
      now = new Date(Math.max(now.getTime(), Date.now()) + 8 * 24 * 3600_000)
      await summaries.sendDue()
      await summaries.sendDue()
      expect(sentTo(keen.email)).toHaveLength(1)
      expect(sentTo(keen.email)[0]!.text).toContain('Weekly shop: 0 impressions')
      expect(sentTo(quiet.email)).toHaveLength(0)
    })

    test('usage: the figures equal the traffic sent, per day and key, and the account view and CSV add up', async () => {
      const s = await t.tenantWithKeys()
      for (let i = 0; i < 3; i++) expect((await t.req('GET', '/api/v1/recommendations?userId=u1&limit=3', { key: s.readKey })).status).toBe(200)
      const ev = (i: number) => ({ eventType: 'product_viewed', userId: `u${i}`, productId: 'p1', eventId: `e-${i}` })
      expect((await t.req('POST', '/api/v1/events', { key: s.writeKey, body: ev(1) })).status).toBe(202)
      expect((await t.req('POST', '/api/v1/events', { key: s.writeKey, body: ev(1) })).status).toBe(200) // duplicate: not ingested
      const batch = await t.req('POST', '/api/v1/events/batch', { key: s.writeKey, body: { events: [ev(2), ev(3), ev(1)] } })
      expect(batch.body.data.accepted).toBe(2)
      expect((await t.req('GET', '/api/v1/catalog', { token: s.token, tenant: s.tenantId })).status).toBe(200)
      const u = await t.req('GET', `/api/v1/tenants/${s.tenantId}/usage?from=2026-12-05&to=2026-12-06`, { token: s.token })
      expect(u.status).toBe(200)
      expect(u.body.data.days.map((d: { date: string }) => d.date)).toEqual(['2026-12-05', '2026-12-06'])
      expect(u.body.data.days[0]).toMatchObject({ eventsIngested: 0, recommendationRequests: 0, apiCalls: 0, byKey: [] })
      const today = u.body.data.days[1]
      // tenantWithKeys made its keys with the admin token on management routes (not tenant calls): 3 + 3 key calls, 1 admin call.
      expect(today).toMatchObject({ eventsIngested: 3, recommendationRequests: 3, apiCalls: 7 })
      const keys = (await t.req('GET', `/api/v1/tenants/${s.tenantId}/api-keys`, { token: s.token })).body.data as { id: string; name: string; requestCount: number }[]
      const byKey = Object.fromEntries(today.byKey.map((k: { keyId: string | null; apiCalls: number; eventsIngested: number }) => [k.keyId ?? 'none', k]))
      for (const k of keys) expect(byKey[k.id].apiCalls).toBe(k.requestCount) // the same counting as the keys' own counters
      expect(byKey[keys.find((k) => k.name === 'write')!.id].eventsIngested).toBe(3)
      expect(byKey.none).toMatchObject({ apiCalls: 1, name: null })
      const acct = (await t.req('GET', '/api/v1/account/usage?from=2026-12-06&to=2026-12-06', { token: s.token })).body.data
      expect(acct.tenants).toHaveLength(1)
      expect(acct.tenants[0]).toMatchObject({ tenantId: s.tenantId, eventsIngested: 3, recommendationRequests: 3, apiCalls: 7 })
      const csv = await t.req('GET', '/api/v1/account/usage?from=2026-12-06&to=2026-12-06&format=csv', { token: s.token })
      expect(csv.headers.get('content-type')).toContain('text/csv')
      expect(csv.text.trim().split('\n')).toEqual(['date,tenantId,externalId,tenantName,eventsIngested,recommendationRequests,apiCalls', expect.stringMatching(new RegExp(`^2026-12-06,${s.tenantId},,Shop \\d+,3,3,7$`))])
      // The next UTC day counts on its own.
      now = new Date('2026-12-07T00:00:01Z')
      expect((await t.req('GET', '/api/v1/recommendations?userId=u1&limit=3', { key: s.readKey })).status).toBe(200)
      const next = (await t.req('GET', `/api/v1/tenants/${s.tenantId}/usage?from=2026-12-06&to=2026-12-07`, { token: s.token })).body.data.days
      expect(next.map((d: { recommendationRequests: number }) => d.recommendationRequests)).toEqual([3, 1])
      now = new Date(START)
      expectProblem(await t.req('GET', `/api/v1/tenants/${s.tenantId}/usage?from=2025-01-01&to=2026-12-06`, { token: s.token }), 400)
      expectProblem(await t.req('GET', `/api/v1/tenants/${s.tenantId}/usage?from=2026-12-07&to=2026-12-06`, { token: s.token }), 400)
    })
  })
}
