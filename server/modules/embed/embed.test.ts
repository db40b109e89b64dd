// Embedded analytics over the API (F-016): minting, the token's own key, strict theme validation, the session
// exchange, scopes, expiry, rotation, cross-tenant refusals; and analytics read with a write key.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, TEST_SECRETS } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'
import { base64url, fromBase64url, hmacSha256, randomToken } from '../../infra/crypto.ts'
import { createLogger } from '../../logger.ts'
import { eq } from 'drizzle-orm'
import { backend } from '../../test/backends.ts'
import { insertAccountKey } from '../../../db/queries/accounts.ts'
import { tenants } from '../../../db/schema.ts'

const START = Date.parse('2026-03-18T12:00:00Z')
const at = (day: string) => `2026-03-${day}Z`
const EXPERIMENT = { name: 'Trending vs CF', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr' }

/** Re-signs a token's payload with another key (a forgery with a key that is not the tenant's). */
async function resign(token: string, payload: object, key: string) {
  const enc = new TextEncoder()
  const body = `${token.split('.')[0]}.${base64url(enc.encode(JSON.stringify(payload)))}`
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return `${body}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(body))))}`
}
const payloadOf = (token: string) => JSON.parse(new TextDecoder().decode(fromBase64url(token.split('.')[1]!)))

for (const name of BACKENDS) describe(`embedded analytics API [${name}]`, async () => {
  let now = START
  const lines: string[] = []
  const t = await testApp(name, { consoleUrl: 'https://console.example' }, () => new Date(now), { log: createLogger('debug', (l) => lines.push(l)) })
  const a = await t.tenantWithKeys({ embed: { allowedOrigins: ['https://shop.example'] } })
  const b = await t.tenantWithKeys()
  const asA = { token: a.token }
  const mint = (body: object, tenantId = a.tenantId, opts: object = asA) => t.req('POST', `/api/v1/tenants/${tenantId}/embed-tokens`, { ...opts, body })
  const exchange = (token: string) => t.req('POST', '/api/v1/embed/sessions', { body: { token } })
  const embedded = (path: string, session: string) => t.req('GET', `/api/v1/embed${path}`, { headers: { 'x-embed-session': session } })

  // A's numbers: 2 impressions and 1 click on the 17th; B has 1 impression.
  const events = (k: string, evs: object[]) => t.req('POST', '/api/v1/events/batch', { key: k, body: { events: evs } })
  await events(a.writeKey, [
    { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p1', timestamp: at('17T10:00:00'), placement: 'home' },
    { eventType: 'recommendation_impressed', userId: 'u2', productId: 'p1', timestamp: at('17T10:00:00'), placement: 'home' },
    { eventType: 'recommendation_clicked', userId: 'u1', productId: 'p1', timestamp: at('17T10:01:00'), placement: 'home' },
  ])
  await events(b.writeKey, [{ eventType: 'recommendation_impressed', userId: 'x', productId: 'p9', timestamp: at('17T10:00:00') }])
  await waitFor('A\'s impressions', async () => (await t.req('GET', '/api/v1/analytics/summary?range=7d', { token: a.token, tenant: a.tenantId })).body.data.impressions === 2)
  await waitFor('B\'s impressions', async () => (await t.req('GET', '/api/v1/analytics/summary?range=7d', { token: b.token, tenant: b.tenantId })).body.data.impressions === 1)
  const expA = (await t.req('POST', '/api/v1/experiments', { key: a.writeKey, body: EXPERIMENT })).body.data.id as string
  const expA2 = (await t.req('POST', '/api/v1/experiments', { key: a.writeKey, body: { ...EXPERIMENT, name: 'Second', placement: 'pdp', status: 'draft' } })).body.data.id as string
  const expB = (await t.req('POST', '/api/v1/experiments', { key: b.writeKey, body: EXPERIMENT })).body.data.id as string

  test('mint: 201 { token, url, expiresAt }; a JWT signed with the tenant\'s own key, not the admin secret', async () => {
    const r = await mint({ views: ['analytics'], theme: { primaryColor: '#0a7', fontFamily: 'Inter, Arial, sans-serif', logoUrl: 'https://cdn.example/logo.svg' }, locale: 'de-DE' })
    expect(r.status).toBe(201)
    const { token, url, expiresAt } = r.body.data
    expect(url).toBe(`https://console.example/embed/analytics?token=${token}`)
    expect(expiresAt).toBe(new Date(START + 3600_000).toISOString())
    const p = payloadOf(token)
    expect(p).toMatchObject({ tid: a.tenantId, views: ['analytics'], kv: 1, exp: START / 1000 + 3600, locale: 'de-DE', theme: { primaryColor: '#0a7' } })
    // The admin JWT secret does not make this signature.
    expect(await resign(token, p, TEST_SECRETS.jwtSecret)).not.toBe(token)
    expect(JSON.parse(new TextDecoder().decode(fromBase64url(token.split('.')[0])))).toEqual({ alg: 'HS256', typ: 'JWT' })
    // The url opens the first view.
    expect((await mint({ views: [`experiment:${expA}`, 'analytics'], ttlSeconds: 60 })).body.data.url).toStartWith(`https://console.example/embed/experiments/${expA}?token=`)
    expect((await mint({ views: ['experiments'], ttlSeconds: 86_400 })).body.data.expiresAt).toBe(new Date(START + 86_400_000).toISOString())
  })

  test('mint: strict validation of views, ttl and every theme value (they are written into CSS)', async () => {
    const bad = [
      { views: [] }, { views: ['dashboard'] }, { views: ['experiment:nope'] }, { views: ['analytics', 'analytics'] },
      { views: ['analytics'], ttlSeconds: 59 }, { views: ['analytics'], ttlSeconds: 86_401 }, { views: ['analytics'], ttlSeconds: 1.5 },
      { views: ['analytics'], theme: { primaryColor: 'red' } }, { views: ['analytics'], theme: { textColor: '#12345' } },
      { views: ['analytics'], theme: { background: '#fff;background:url(x)' } },
      { views: ['analytics'], theme: { fontFamily: 'Arial; } body { display:none' } }, { views: ['analytics'], theme: { fontFamily: '"Comic Sans"' } },
      { views: ['analytics'], theme: { fontFamily: 'x'.repeat(101) } },
      { views: ['analytics'], theme: { logoUrl: 'http://cdn.example/logo.png' } }, { views: ['analytics'], theme: { logoUrl: 'javascript:alert(1)' } },
      { views: ['analytics'], theme: { logoUrl: 'https://cdn.example/a.png) ; x: url(y' } }, { views: ['analytics'], theme: { logoUrl: "https://cdn.example/a'.png" } },
      { views: ['analytics'], theme: { shadow: '#000' } }, { views: ['analytics'], locale: 'en_US<' }, { views: ['analytics'], hideChrome: 'yes' },
      { views: ['analytics'], extra: 1 },
    ]
    for (const body of bad) expect([JSON.stringify(body), (await mint(body)).status]).toEqual([JSON.stringify(body), 400])
  })

  test('mint and rotate: the tenant\'s owner only; keys, other admins and other tenants\' experiments are refused', async () => {
    expectProblem(await mint({ views: ['analytics'] }, a.tenantId, { token: b.token }), 404)
    expectProblem(await mint({ views: ['analytics'] }, a.tenantId, {}), 401)
    expectProblem(await mint({ views: ['analytics'] }, a.tenantId, { key: a.writeKey }), 401)
    expectProblem(await mint({ views: [`experiment:${expB}`] }), 404)
    expectProblem(await t.req('POST', `/api/v1/tenants/${a.tenantId}/embed-key/rotate`, { token: b.token }), 404)
    expectProblem(await t.req('POST', `/api/v1/tenants/${a.tenantId}/embed-key/rotate`, { key: a.writeKey }), 401)
  })

  /** An account key (ak_live_…) of the account that owns `tenantId`, made the way the account API makes them. */
  async function accountKeyOf(tenantId: string) {
    const db = (await backend(name)).database.db
    const [row] = await db.select({ accountId: tenants.accountId }).from(tenants).where(eq(tenants.id, tenantId))
    const key = `ak_live_${randomToken(40)}`
    await insertAccountKey(db, row!.accountId, { name: 'provisioning', prefix: key.slice(0, 12), keyHash: await (await hmacSha256(TEST_SECRETS.apiKeyPepper))(key), createdBy: null })
    return key
  }

  test('account keys mint and rotate for their own account\'s tenants only', async () => {
    const aKey = await accountKeyOf(a.tenantId)
    const bKey = await accountKeyOf(b.tenantId)
    const viaKey = await mint({ views: ['analytics'] }, a.tenantId, { headers: { authorization: `Bearer ${aKey}` } })
    expect(viaKey.status).toBe(201)
    expect((await embedded('/analytics/summary?range=7d', (await exchange(viaKey.body.data.token)).body.data.session)).body.data.impressions).toBe(2)
    expect((await mint({ views: ['analytics'] }, a.tenantId, { headers: { 'x-api-key': aKey } })).status).toBe(201)
    // Another account's key: A's tenant does not exist for it.
    expectProblem(await mint({ views: ['analytics'] }, a.tenantId, { headers: { authorization: `Bearer ${bKey}` } }), 404)
    expectProblem(await t.req('POST', `/api/v1/tenants/${a.tenantId}/embed-key/rotate`, { headers: { authorization: `Bearer ${bKey}` } }), 404)
    expectProblem(await mint({ views: ['analytics'] }, a.tenantId, { headers: { authorization: `Bearer ak_live_${'x'.repeat(40)}` } }), 401)
    const rotated = await t.req('POST', `/api/v1/tenants/${b.tenantId}/embed-key/rotate`, { headers: { authorization: `Bearer ${bKey}` } })
    expect(rotated.status).toBe(200)
  })

  test('exchange: a session that reads the tenant\'s own numbers and nothing of another tenant', async () => {
    const token = (await mint({ views: ['analytics'], theme: { primaryColor: '#123456' }, hideChrome: true })).body.data.token
    const s = await exchange(token)
    expect(s.status).toBe(201)
    expect(s.body.data).toMatchObject({ views: ['analytics'], theme: { primaryColor: '#123456' }, hideChrome: true, locale: null, allowedOrigins: ['https://shop.example'] })
    const session = s.body.data.session as string
    expect(session).toMatch(/^es_/)
    expect((await embedded('/session', session)).body.data.session).toBe(session)
    expect((await embedded('/analytics/summary?range=7d', session)).body.data).toMatchObject({ impressions: 2, clicks: 1 })
    expect((await embedded('/analytics/placements?range=7d', session)).body.data[0]).toMatchObject({ placement: 'home', impressions: 2 })
    expect((await embedded('/analytics/timeseries?range=7d', session)).body.data).toHaveLength(7)
    expect((await embedded('/analytics/top-products?range=7d&by=clicked', session)).body.data[0].productId).toBe('p1')
    const csv = await embedded('/analytics/export.csv?range=7d', session)
    expect(csv.headers.get('content-type')).toStartWith('text/csv')
    expect(csv.text).toContain('home')
    // Read-only and analytics only: experiments are outside this token's views; writes do not exist here.
    expectProblem(await embedded('/experiments', session), 403)
    expectProblem(await embedded(`/experiments/${expA}`, session), 404)
    expect((await t.req('POST', '/api/v1/events', { headers: { 'x-embed-session': session }, body: { eventType: 'purchase', userId: 'u', productId: 'p1' } })).status).toBe(401)
    expect((await t.req('GET', '/api/v1/analytics/summary', { headers: { 'x-embed-session': session } })).status).toBe(401)
    // Without a session, or a made-up one: 401.
    expectProblem(await embedded('/analytics/summary', ''), 401)
    expectProblem(await embedded('/analytics/summary', `es_${'x'.repeat(40)}`), 401)
  })

  test('forged, other-tenant, admin-signed and malformed tokens: 401, no session', async () => {
    const token = (await mint({ views: ['analytics'] })).body.data.token as string
    const p = payloadOf(token)
    const forged = [
      `${token.slice(0, -4)}AAAA`, // signature altered
      await resign(token, { ...p, tid: b.tenantId }, 'not-the-key'), // B's tenant, a made-up key
      `${token.split('.').slice(0, 2).join('.').replace(token.split('.')[1]!, base64url(new TextEncoder().encode(JSON.stringify({ ...p, tid: b.tenantId }))))}.${token.split('.')[2]}`, // A's signature on B's claims
      await resign(token, p, TEST_SECRETS.jwtSecret), // signed with the admin JWT secret
      `${base64url(new TextEncoder().encode(JSON.stringify({ alg: 'none', typ: 'JWT' })))}.${token.split('.')[1]}.`, // alg none
      'not.a.token', 'x',
    ]
    for (const f of forged) expect(expectProblem(await exchange(f), 401).detail).toBe('The embed token is invalid, expired or revoked')
    // B's own token opens B's numbers only.
    const bToken = (await mint({ views: ['analytics'] }, b.tenantId, { token: b.token })).body.data.token
    const bSession = (await exchange(bToken)).body.data.session
    expect((await embedded('/analytics/summary?range=7d', bSession)).body.data.impressions).toBe(1)
    expectProblem(await embedded(`/experiments/${expA}`, bSession), 404)
  })

  test('one experiment\'s view: that experiment and its results only', async () => {
    const session = (await exchange((await mint({ views: [`experiment:${expA}`] })).body.data.token)).body.data.session
    const list = await embedded('/experiments', session)
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([expA])
    expect((await embedded(`/experiments/${expA}`, session)).body.data.name).toBe('Trending vs CF')
    const results = await embedded(`/experiments/${expA}/results`, session)
    expect(results.status).toBe(200)
    expect(results.body.data.sampleSize).toEqual({ control: 0, variant: 0 })
    expectProblem(await embedded(`/experiments/${expA2}`, session), 404)
    expectProblem(await embedded(`/experiments/${expA2}/results`, session), 404)
    expectProblem(await embedded('/analytics/summary', session), 403)
    // The `experiments` view: all of the tenant's, none of another's.
    const all = (await exchange((await mint({ views: ['experiments'] })).body.data.token)).body.data.session
    expect((await embedded('/experiments', all)).body.data.map((e: { id: string }) => e.id).sort()).toEqual([expA, expA2].sort())
    expectProblem(await embedded(`/experiments/${expB}`, all), 404)
    expectProblem(await embedded(`/experiments/${expB}/results`, all), 404)
  })

  test('expiry: an expired token is refused, and its session ends with it', async () => {
    const token = (await mint({ views: ['analytics'], ttlSeconds: 120 })).body.data.token
    const session = (await exchange(token)).body.data.session
    now += 119_000
    expect((await embedded('/analytics/summary', session)).status).toBe(200)
    now += 2_000
    expectProblem(await exchange(token), 401)
    expectProblem(await embedded('/analytics/summary', session), 401)
    now = START
  })

  test('rotate: every earlier token and session stops at once; new tokens work', async () => {
    const token = (await mint({ views: ['analytics'] })).body.data.token
    const session = (await exchange(token)).body.data.session
    const r = await t.req('POST', `/api/v1/tenants/${a.tenantId}/embed-key/rotate`, asA)
    expect(r.status).toBe(200)
    expect(r.body.data.version).toBeGreaterThanOrEqual(2)
    expectProblem(await exchange(token), 401)
    expectProblem(await embedded('/analytics/summary', session), 401)
    const fresh = (await mint({ views: ['analytics'] })).body.data.token
    expect(payloadOf(fresh).kv).toBe(r.body.data.version)
    expect((await embedded('/analytics/summary?range=7d', (await exchange(fresh)).body.data.session)).body.data.impressions).toBe(2)
    // B's tokens are untouched by A's rotation.
    const bSession = (await exchange((await mint({ views: ['analytics'] }, b.tenantId, { token: b.token })).body.data.token)).body.data.session
    expect((await embedded('/analytics/summary', bSession)).status).toBe(200)
  })

  test('a suspended tenant\'s tokens and sessions stop', async () => {
    const c = await t.tenantWithKeys()
    const token = (await mint({ views: ['analytics'] }, c.tenantId, { token: c.token })).body.data.token
    const session = (await exchange(token)).body.data.session
    expect((await t.req('PUT', `/api/v1/tenants/${c.tenantId}`, { token: c.token, body: { status: 'suspended' } })).status).toBe(200)
    expectProblem(await embedded('/analytics/summary', session), 401)
    expectProblem(await exchange(token), 401)
  })

  test('embed.allowedOrigins: origins only (they become a CSP header)', async () => {
    const put = (allowedOrigins: unknown) => t.req('PUT', `/api/v1/tenants/${b.tenantId}`, { token: b.token, body: { config: { embed: { allowedOrigins } } } })
    for (const bad of [['*'], ['https://a.example/path'], ['https://a.example; script-src *'], ['https://*.example'], ['HTTPS://A.EXAMPLE'], ['ftp://a.example'], ["'self'"], ['https://a.example', 'https://a.example']]) {
      expect([bad, (await put(bad)).status]).toEqual([bad, 400])
    }
    const ok = await put(['https://a.example', 'http://127.0.0.1:8080'])
    expect(ok.body.data.config.embed).toEqual({ allowedOrigins: ['https://a.example', 'http://127.0.0.1:8080'] })
    expect((await t.req('GET', `/api/v1/tenants/${b.tenantId}`, { token: b.token })).body.data.config.embed.allowedOrigins).toHaveLength(2)
  })

  test('analytics and experiment results with a key: write keys read their own tenant, read keys get 403', async () => {
    const w = await t.req('GET', '/api/v1/analytics/summary?range=7d', { key: a.writeKey })
    expect(w.body.data).toMatchObject({ impressions: 2, clicks: 1 })
    expect((await t.req('GET', '/api/v1/analytics/summary?range=7d', { key: b.writeKey, tenant: a.tenantId })).body.data.impressions).toBe(1)
    expectProblem(await t.req('GET', '/api/v1/analytics/summary', { key: a.readKey }), 403)
    expect((await t.req('GET', `/api/v1/experiments/${expA}/results`, { key: a.writeKey })).status).toBe(200)
    expectProblem(await t.req('GET', `/api/v1/experiments/${expA}/results`, { key: a.readKey }), 403)
    expectProblem(await t.req('GET', `/api/v1/experiments/${expA}/results`, { key: b.writeKey }), 404)
  })

  test('no token or session id in the logs (debug level, every request above)', async () => {
    const token = (await mint({ views: ['analytics'] })).body.data.token as string
    const session = (await exchange(token)).body.data.session as string
    await embedded('/analytics/summary?range=nope', session) // a 400 is logged too
    await t.req('GET', `/api/v1/embed/analytics/summary?token=${token}&session=${session}`)
    expect(lines.length).toBeGreaterThan(20)
    const all = lines.join('\n')
    expect(all).not.toContain(token)
    expect(all).not.toContain(token.split('.')[2]!)
    expect(all).not.toContain(session)
  })
})

for (const name of BACKENDS) describe(`embed tokens and sessions under the failed-authentication limit [${name}]`, async () => {
  const t = await testApp(name, { authFailureLimit: 3 })
  test('an address that keeps sending forged tokens or made-up sessions gets 429', async () => {
    const from = { 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250)}` }
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) statuses.push((await t.req('POST', '/api/v1/embed/sessions', { headers: from, body: { token: `forged.${i}.x` } })).status)
    statuses.push((await t.req('GET', '/api/v1/embed/analytics/summary', { headers: { ...from, 'x-embed-session': `es_${'b'.repeat(40)}` } })).status)
    expect(statuses).toEqual([401, 401, 401, 429])
  })
})
