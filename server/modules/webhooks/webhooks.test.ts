import { afterAll, describe, expect, setSystemTime, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { markFirstResult } from '../../../db/queries/experiments.ts'
import { claimBuild, failBuild } from '../../../db/queries/models.ts'
import { pruneWebhookEvents } from '../../../db/queries/webhooks.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, testApp, TEST_SECRETS } from '../../test/harness.ts'
import { secretBox } from '../../infra/crypto.ts'
import { WebhookDispatcher } from './dispatcher.ts'
import { receiver } from './test-receiver.ts'
import { waitFor } from '../../test/wait-for.ts'

const API = '/api/v1/webhooks'
const HOUR = 3600_000

/** Verifies with the reference implementation as of the signature's own time (its tolerance is 5 minutes around Date.now). */
function verifyAt(secret: string, r: { headers: Record<string, string>; body: string }): { type: string; data: unknown } {
  setSystemTime(new Date(Number(r.headers['webhook-timestamp']) * 1000))
  try {
    return new Webhook(secret).verify(r.body, { 'webhook-id': r.headers['webhook-id']!, 'webhook-timestamp': r.headers['webhook-timestamp']!, 'webhook-signature': r.headers['webhook-signature']! }) as { type: string; data: unknown }
  } finally { setSystemTime() }
}

for (const name of BACKENDS) describe(`webhooks [${name}]`, async () => {
  let now = Date.now()
  const t = await testApp(name, { webhookAllowPrivate: true }, () => new Date(now))
  const { dispatcher } = t.app.services
  const receivers: ReturnType<typeof receiver>[] = []
  const listen = (answer?: Parameters<typeof receiver>[0]) => { const r = receiver(answer); receivers.push(r); return r }
  afterAll(() => { for (const r of receivers) r.stop() })
  /** Runs dispatch rounds until nothing due is left at the current clock. */
  const drain = async () => { while (await dispatcher.runOnce()) { /* next round */ } }
  const create = async (key: string, url: string, events: string[] = ['api_key.created', 'api_key.revoked']) => {
    const r = await t.req('POST', API, { key, body: { url, events, description: 'test' } })
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.text}`)
    return r.body.data as { id: string; secret: string }
  }

  test('CRUD: the secret is shown on create only; read keys 403; bad input 400 problem+json', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    const w = await create(k.writeKey, rx.url)
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]{42}[A-Za-z0-9+/=]{2}$/)
    expect(atob(w.secret.slice(6)).length).toBeGreaterThanOrEqual(24)
    const got = await t.req('GET', `${API}/${w.id}`, { key: k.writeKey })
    expect(got.status).toBe(200)
    expect(got.body.data).toMatchObject({ id: w.id, url: rx.url, events: ['api_key.created', 'api_key.revoked'], description: 'test', active: true })
    expect(got.text).not.toContain('whsec_')
    const list = await t.req('GET', API, { token: k.token, tenant: k.tenantId })
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([w.id])
    expect(list.body.meta.pagination.total).toBe(1)
    expect(list.text).not.toContain('whsec_')
    const patched = await t.req('PATCH', `${API}/${w.id}`, { key: k.writeKey, body: { events: ['model.ready'], description: null } })
    expect(patched.body.data).toMatchObject({ events: ['model.ready'], description: null })

    for (const [method, path, body] of [['GET', API], ['POST', API, { url: rx.url, events: ['model.ready'] }], ['GET', `${API}/${w.id}`], ['PATCH', `${API}/${w.id}`, { active: false }],
      ['DELETE', `${API}/${w.id}`], ['POST', `${API}/${w.id}/rotate-secret`], ['POST', `${API}/${w.id}/test`], ['GET', `${API}/${w.id}/deliveries`]] as const) {
      expectProblem(await t.req(method, path, { key: k.readKey, body }), 403)
    }
    for (const body of [{ url: rx.url, events: [] }, { url: rx.url, events: ['nope'] }, { url: 'not a url', events: ['model.ready'] }, { events: ['model.ready'] },
      { url: rx.url, events: ['model.ready'], extra: 1 }, { url: 'ftp://example.com/x', events: ['model.ready'] }]) {
      const p = expectProblem(await t.req('POST', API, { key: k.writeKey, body }), 400)
      expect(p.errors?.length ?? 1).toBeGreaterThan(0)
    }
    expectProblem(await t.req('PATCH', `${API}/${w.id}`, { key: k.writeKey, body: {} }), 400)
    expectProblem(await t.req('GET', `${API}/not-a-uuid`, { key: k.writeKey }), 400)
    expect((await t.req('DELETE', `${API}/${w.id}`, { key: k.writeKey })).status).toBe(204)
    expectProblem(await t.req('GET', `${API}/${w.id}`, { key: k.writeKey }), 404)
  })

  test('a ping verifies with the standardwebhooks reference verifier', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    const w = await create(k.writeKey, rx.url)
    const ping = await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey })
    expect(ping.status).toBe(202)
    expect(ping.body.data).toMatchObject({ eventType: 'ping', status: 'pending', attempts: 0 })
    await drain()
    expect(rx.got).toHaveLength(1)
    const r = rx.got[0]!
    expect(r.headers['content-type']).toBe('application/json')
    expect(r.headers['webhook-id']).toBe(ping.body.data.eventId)
    expect(r.headers['webhook-timestamp']).toBe(String(Math.floor(now / 1000)))
    expect(verifyAt(w.secret, r)).toMatchObject({ type: 'ping', data: { endpointId: w.id } })
    expect(r.json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/)
    // A tampered body or another secret does not verify.
    expect(() => verifyAt(w.secret, { ...r, body: r.body.replace('ping', 'pong') })).toThrow()
    expect(() => verifyAt(`whsec_${btoa('x'.repeat(32))}`, r)).toThrow()
    const log = await t.req('GET', `${API}/${w.id}/deliveries`, { key: k.writeKey })
    expect(log.body.data[0]).toMatchObject({ eventType: 'ping', status: 'succeeded', attempts: 1, lastResponseCode: 200, lastResponseBody: 'ok', nextAttemptAt: null })
  })

  test('a receiver that fails twice then succeeds: one webhook-id, three attempts, on the backoff schedule', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen((n) => new Response(n <= 2 ? 'busy'.repeat(400) : 'thanks', { status: n <= 2 ? 503 : 200 }))
    const w = await create(k.writeKey, rx.url)
    await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'ci', permissions: 'read' } })
    await drain()
    expect(rx.got).toHaveLength(1)
    let [d] = (await t.req('GET', `${API}/${w.id}/deliveries`, { key: k.writeKey })).body.data
    expect(d).toMatchObject({ eventType: 'api_key.created', status: 'pending', attempts: 1, lastResponseCode: 503 })
    expect(d.lastResponseBody).toHaveLength(1024)
    const delay = Date.parse(d.nextAttemptAt) - now
    expect(delay).toBeGreaterThanOrEqual(4000)
    expect(delay).toBeLessThanOrEqual(6000)
    now += 3000
    await drain() // not due yet
    expect(rx.got).toHaveLength(1)
    now += 3000
    await drain()
    expect(rx.got).toHaveLength(2)
    d = (await t.req('GET', `${API}/${w.id}/deliveries`, { key: k.writeKey })).body.data[0]
    expect(Date.parse(d.nextAttemptAt) - now).toBeGreaterThanOrEqual(24_000)
    now += 36_000
    await drain()
    expect(rx.got).toHaveLength(3)
    expect(new Set(rx.got.map((r) => r.headers['webhook-id'])).size).toBe(1)
    expect(new Set(rx.got.map((r) => r.body)).size).toBe(1) // the same bytes every time; only the timestamp and signature move
    for (const r of rx.got) expect(verifyAt(w.secret, r)).toMatchObject({ type: 'api_key.created', data: { apiKey: { name: 'ci', permissions: 'read' } } })
    d = (await t.req('GET', `${API}/${w.id}/deliveries`, { key: k.writeKey })).body.data[0]
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3, lastResponseCode: 200, lastResponseBody: 'thanks', nextAttemptAt: null })
    // A manual retry sends it again under the same id.
    const retried = await t.req('POST', `${API}/${w.id}/deliveries/${d.id}/retry`, { key: k.writeKey })
    expect(retried.status).toBe(202)
    await drain()
    expect(rx.got).toHaveLength(4)
    expect(rx.got[3]!.headers['webhook-id']).toBe(rx.got[0]!.headers['webhook-id'])
  })

  test('rotation: both secrets sign for 24 h, then only the new one', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    const w = await create(k.writeKey, rx.url)
    const rotated = await t.req('POST', `${API}/${w.id}/rotate-secret`, { key: k.writeKey })
    expect(rotated.status).toBe(200)
    const fresh = rotated.body.data.secret as string
    expect(fresh).not.toBe(w.secret)
    expect(Date.parse(rotated.body.data.previousSecretExpiresAt) - now).toBe(24 * HOUR)
    await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey })
    await drain()
    expect(rx.got[0]!.headers['webhook-signature']!.split(' ')).toHaveLength(2)
    expect(verifyAt(fresh, rx.got[0]!).type).toBe('ping')
    expect(verifyAt(w.secret, rx.got[0]!).type).toBe('ping')
    now += 24 * HOUR + 1000
    await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey })
    await drain()
    expect(rx.got[1]!.headers['webhook-signature']!.split(' ')).toHaveLength(1)
    expect(verifyAt(fresh, rx.got[1]!).type).toBe('ping')
    expect(() => verifyAt(w.secret, rx.got[1]!)).toThrow()
    expect((await t.req('GET', `${API}/${w.id}`, { key: k.writeKey })).body.data.previousSecretExpiresAt).toBeNull()
  })

  test('cross-tenant: another tenant\'s endpoint is 404 everywhere, and no event of one tenant reaches another\'s endpoint', async () => {
    const a = await t.tenantWithKeys(), b = await t.tenantWithKeys()
    const rxA = listen(), rxB = listen()
    const wa = await create(a.writeKey, rxA.url)
    const wb = await create(b.writeKey, rxB.url)
    await t.req('POST', `${API}/${wb.id}/test`, { key: b.writeKey })
    await drain()
    const bDelivery = (await t.req('GET', `${API}/${wb.id}/deliveries`, { key: b.writeKey })).body.data[0].id
    for (const [method, path, body] of [['GET', `${API}/${wb.id}`], ['PATCH', `${API}/${wb.id}`, { active: false }], ['DELETE', `${API}/${wb.id}`],
      ['POST', `${API}/${wb.id}/rotate-secret`], ['POST', `${API}/${wb.id}/test`], ['GET', `${API}/${wb.id}/deliveries`],
      ['POST', `${API}/${wb.id}/deliveries/${bDelivery}/retry`], ['POST', `${API}/${wa.id}/deliveries/${bDelivery}/retry`]] as const) {
      expectProblem(await t.req(method, path, { key: a.writeKey, body }), 404)
      expectProblem(await t.req(method, path, { token: a.token, tenant: a.tenantId, body }), 404)
    }
    // A's admin naming B's tenant is refused outright.
    expectProblem(await t.req('GET', `${API}/${wb.id}`, { token: a.token, tenant: b.tenantId }), 404)
    expect((await t.req('GET', API, { key: a.writeKey })).body.data.map((x: { id: string }) => x.id)).toEqual([wa.id])
    const bGot = rxB.got.length
    await t.req('POST', `/api/v1/tenants/${a.tenantId}/api-keys`, { token: a.token, body: { name: 'a-only', permissions: 'read' } })
    await drain()
    expect(rxA.of('api_key.created')).toHaveLength(1)
    expect(rxB.got).toHaveLength(bGot)
    expect((await t.req('GET', `${API}/${wb.id}`, { key: b.writeKey })).body.data.active).toBe(true)
  })

  test('state changes send their events: API keys, tenant suspension, experiments, model builds', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    await create(k.writeKey, rx.url, ['api_key.created', 'api_key.revoked', 'tenant.suspended', 'tenant.reactivated', 'experiment.started', 'experiment.completed', 'experiment.significant', 'model.ready'])
    const key = (await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'temp', permissions: 'write' } })).body.data
    await t.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${key.id}`, { token: k.token })
    const exp = (await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'hook test', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', status: 'draft' } })).body.data
    await t.req('POST', `/api/v1/experiments/${exp.id}/start`, { key: k.writeKey })
    await t.req('POST', `/api/v1/experiments/${exp.id}/complete`, { key: k.writeKey })
    // The first significant reading sends one event, however often it is read again.
    const raw = (await backend(name)).database.raw
    expect(await markFirstResult(raw, k.tenantId, exp.id, 'significant', new Date(now), () => ({ experiment: { id: exp.id }, results: { pValue: 0.01 } }))).toBe(true)
    expect(await markFirstResult(raw, k.tenantId, exp.id, 'significant', new Date(now), () => ({}))).toBe(false)
    await t.app.services.models.build(k.tenantId)
    expect((await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { status: 'suspended' } })).status).toBe(200)
    expect((await t.req('PUT', `/api/v1/tenants/${k.tenantId}`, { token: k.token, body: { status: 'active' } })).status).toBe(200)
    await drain()
    expect(rx.got.map((r) => r.json.type).sort()).toEqual(['api_key.created', 'api_key.revoked', 'experiment.completed', 'experiment.significant', 'experiment.started',
      'model.ready', 'tenant.reactivated', 'tenant.suspended'])
    expect(rx.of('api_key.revoked')[0]!.json.data.apiKey).toMatchObject({ id: key.id, revokedAt: expect.any(String) })
    expect(rx.of('api_key.revoked')[0]!.body).not.toContain(key.key)
    expect(rx.of('experiment.completed')[0]!.json.data.experiment).toMatchObject({ id: exp.id, status: 'completed' })
    expect(rx.of('model.ready')[0]!.json.data).toMatchObject({ version: expect.any(String) })
    expect(rx.of('tenant.suspended')[0]!.json.data.tenant).toMatchObject({ id: k.tenantId, status: 'suspended' })
    expect(new Set(rx.got.map((r) => r.headers['webhook-id'])).size).toBe(rx.got.length)
  })

  test('imports and failed builds send theirs: import.completed, import.failed, model.failed', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    await create(k.writeKey, rx.url, ['import.completed', 'import.failed', 'model.failed'])
    const upload = (body: string, type = 'text/csv') => t.app.handle(new Request('http://localhost/api/v1/imports?type=events', { method: 'POST', headers: { 'x-api-key': k.writeKey, 'content-type': type }, body }))
    const ok = await (await upload(`eventType,userId,productId,timestamp\nproduct_viewed,u1,p1,${new Date().toISOString()}\n`)).json() as { data: { id: string } }
    const ended = (id: string) => waitFor(`import ${id} to end`, async () => ['completed', 'failed'].includes((await t.req('GET', `/api/v1/imports/${id}`, { key: k.writeKey })).body.data.status), { timeoutMs: 20_000 })
    await ended(ok.data.id)
    const bad = await (await upload('[{"eventType": "product_viewed", "userId": ', 'application/json')).json() as { data: { id: string } }
    await ended(bad.data.id)
    const raw = (await backend(name)).database.raw
    await claimBuild(raw, k.tenantId, { holder: 'webhook-test', now: new Date(now), leaseMs: 60_000 })
    await failBuild(raw, k.tenantId, 'Error: out of memory', new Date(now), 'webhook-test')
    await drain()
    const completed = rx.of('import.completed')
    expect(completed).toHaveLength(1)
    expect(completed[0]!.json.data.import).toMatchObject({ id: ok.data.id, type: 'events', status: 'completed', accepted: 1 })
    expect(rx.of('import.failed').map((r) => r.json.data.import)).toMatchObject([{ id: bad.data.id, status: 'failed', error: expect.any(String) }])
    expect(rx.of('model.failed')[0]!.json.data).toMatchObject({ error: 'Error: out of memory' })
  }, 30_000)

  test('finished events are forgotten after 30 days; pending ones stay', async () => {
    const k = await t.tenantWithKeys()
    const ok = listen(), down = listen(() => new Response('down', { status: 503 }))
    const a = await create(k.writeKey, ok.url), b = await create(k.writeKey, down.url)
    await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'once', permissions: 'read' } })
    await drain()
    const raw = (await backend(name)).database.raw
    await pruneWebhookEvents(raw, new Date(now + 31 * 24 * HOUR))
    // One event, delivered to a and pending for b: kept whole until b's delivery ends.
    expect((await t.req('GET', `${API}/${a.id}/deliveries`, { key: k.writeKey })).body.meta.pagination.total).toBe(1)
    expect((await t.req('GET', `${API}/${b.id}/deliveries`, { key: k.writeKey })).body.data[0].status).toBe('pending')
    await t.req('PATCH', `${API}/${b.id}`, { key: k.writeKey, body: { active: false } })
    await raw.query(`update webhook_deliveries set status = 'failed' where endpoint_id = $1`, [b.id])
    await pruneWebhookEvents(raw, new Date(now + 31 * 24 * HOUR))
    expect((await t.req('GET', `${API}/${a.id}/deliveries`, { key: k.writeKey })).body.meta.pagination.total).toBe(0)
  })

  test('a state change that rolls back sends nothing', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    await create(k.writeKey, rx.url, ['experiment.started'])
    const body = { name: 'one', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr', placement: 'home' }
    expect((await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body })).status).toBe(201)
    expect((await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { ...body, name: 'two' } })).status).toBe(409) // overlaps: refused inside the transaction
    await drain()
    expect(rx.got.map((r) => r.json.data.experiment.name)).toEqual(['one'])
  })

  test('after 3 days a delivery fails; 5 failed events in a row disable the endpoint and mail the admin', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen(() => new Response('no', { status: 500 }))
    const w = await create(k.writeKey, rx.url, ['api_key.created'])
    for (let i = 0; i < 5; i++) await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: `k${i}`, permissions: 'read' } })
    const mails = t.mail.length
    for (let hours = 0; hours <= 80; hours += 2) { await drain(); now += 2 * HOUR }
    const deliveries = (await t.req('GET', `${API}/${w.id}/deliveries?status=failed`, { key: k.writeKey })).body
    expect(deliveries.meta.pagination.total).toBe(5)
    expect(deliveries.data[0].attempts).toBeGreaterThanOrEqual(10)
    expect(deliveries.data[0].nextAttemptAt).toBeNull()
    const ep = (await t.req('GET', `${API}/${w.id}`, { key: k.writeKey })).body.data
    expect(ep).toMatchObject({ active: false, consecutiveFailures: 5, disabledAt: expect.any(String) })
    expect(t.mail.slice(mails).filter((m) => m.subject.includes('webhook endpoint disabled'))).toHaveLength(1)
    // Disabled: new events are not recorded for it, but a test ping is still sent; enabling resets the count.
    const before = rx.got.length
    await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'late', permissions: 'read' } })
    await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey })
    await drain()
    expect(rx.got.slice(before).map((r) => r.json.type)).toEqual(['ping'])
    const on = await t.req('PATCH', `${API}/${w.id}`, { key: k.writeKey, body: { active: true } })
    expect(on.body.data).toMatchObject({ active: true, consecutiveFailures: 0, disabledAt: null })
  })

  test('redirects are not followed', async () => {
    const k = await t.tenantWithKeys()
    const target = listen()
    const rx = listen(() => new Response(null, { status: 302, headers: { location: target.url } }))
    const w = await create(k.writeKey, rx.url)
    await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey })
    await drain()
    expect(rx.got).toHaveLength(1)
    expect(target.got).toHaveLength(0)
    const d = (await t.req('GET', `${API}/${w.id}/deliveries`, { key: k.writeKey })).body.data[0]
    expect(d).toMatchObject({ status: 'pending', lastResponseCode: 302, lastError: 'redirects are not followed' })
  })

  test('started (as inline or in the worker), the dispatcher sends a ping at once and polls for the rest', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen()
    const w = await create(k.writeKey, rx.url)
    dispatcher.start()
    try {
      await t.req('POST', `${API}/${w.id}/test`, { key: k.writeKey }) // kicks it
      await waitFor('the ping', () => rx.got.length === 1)
      await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: 'polled', permissions: 'read' } }) // found by the next poll
      await waitFor('the api_key.created event', () => rx.got.length === 2)
    } finally { await dispatcher.stop() }
    expect(rx.got.map((r) => r.json.type)).toEqual(['ping', 'api_key.created'])
  })

  test('two dispatchers never send the same delivery twice', async () => {
    const k = await t.tenantWithKeys()
    const rx = listen(async () => { await Bun.sleep(5); return new Response('ok') })
    await create(k.writeKey, rx.url, ['api_key.created', 'api_key.revoked'])
    for (let i = 0; i < 9; i++) {
      const key = (await t.req('POST', `/api/v1/tenants/${k.tenantId}/api-keys`, { token: k.token, body: { name: `k${i}`, permissions: 'read' } })).body.data
      await t.req('DELETE', `/api/v1/tenants/${k.tenantId}/api-keys/${key.id}`, { token: k.token })
    }
    const b = await backend(name)
    const box = await secretBox(TEST_SECRETS.jwtSecret, 'recomengine webhook signing secrets v1')
    const make = () => new WebhookDispatcher({ raw: b.database.background.raw, box, clock: () => new Date(now), log: quietLog, mailer: { send: async () => {} }, consoleUrl: 'http://x' },
      { pollMs: 1000, batch: 3, policy: { allowPrivate: true } })
    const one = make(), two = make()
    for (let round = 0; round < 20; round++) {
      const [x, y] = await Promise.all([one.runOnce(), two.runOnce(), dispatcher.runOnce()])
      if (!x && !y) break
    }
    await drain()
    expect(rx.got).toHaveLength(18)
    expect(new Set(rx.got.map((r) => r.headers['webhook-id'])).size).toBe(18)
  })

  describe('fair between tenants', () => {
    /** Tenant A: an endpoint that never answers, with `backlog` deliveries due an hour ago; tenant B: one due a minute ago. */
    const seed = async (backlog: number) => {
      const slow = listen(() => new Promise<Response>(() => {}))
      const fast = listen()
      const a = await t.tenantWithKeys(), b = await t.tenantWithKeys()
      const wa = await create(a.writeKey, slow.url), wb = await create(b.writeKey, fast.url)
      const { database } = await backend(name)
      await database.raw.query(`with e as (
          insert into webhook_events (tenant_id, type, data, created_at)
          select $1, 'api_key.created', jsonb_build_object('n', g), $3::timestamptz - interval '1 hour' from generate_series(1, $4::int) g returning id, created_at)
        insert into webhook_deliveries (tenant_id, endpoint_id, event_id, next_attempt_at, created_at) select $1, $2, e.id, e.created_at, e.created_at from e`,
      [a.tenantId, wa.id, new Date(now).toISOString(), backlog])
      await database.raw.query(`with e as (insert into webhook_events (tenant_id, type, data, created_at) values ($1, 'api_key.created', '{"b":1}', $3::timestamptz - interval '1 minute') returning id, created_at)
        insert into webhook_deliveries (tenant_id, endpoint_id, event_id, next_attempt_at, created_at) select $1, $2, e.id, e.created_at, e.created_at from e`,
      [b.tenantId, wb.id, new Date(now).toISOString()])
      const box = await secretBox(TEST_SECRETS.jwtSecret, 'recomengine webhook signing secrets v1')
      const dispatcher = new WebhookDispatcher({ raw: database.background.raw, box, clock: () => new Date(now), log: quietLog, mailer: { send: async () => {} }, consoleUrl: 'http://x' },
        { pollMs: 60_000, batch: 16, perTenant: 4, policy: { allowPrivate: true, timeoutMs: 1500 } })
      // Gone afterwards: nothing else in the run may try A's backlog.
      const cleanUp = () => Promise.all([t.req('DELETE', `${API}/${wa.id}`, { key: a.writeKey }), t.req('DELETE', `${API}/${wb.id}`, { key: b.writeKey })])
      return { a, b, slow, fast, dispatcher, cleanUp }
    }

    test('tenant A with 10,000 due deliveries to a slow endpoint, tenant B with 1: B is delivered in the first round', async () => {
      const { slow, fast, dispatcher, cleanUp } = await seed(10_000)
      try {
        const claimed = await dispatcher.runOnce()
        expect(fast.got).toHaveLength(1)
        expect(fast.got[0]!.json.data).toEqual({ b: 1 })
        // A had its turn too, capped: 4 sends, each given up after the time limit.
        expect(slow.got).toHaveLength(4)
        expect(claimed).toBeLessThanOrEqual(16)
      } finally { await cleanUp() }
    })

    test('started, slow sends hold only their own tenant\'s slots: B\'s new delivery goes out while A\'s hang', async () => {
      const { b, slow, fast, dispatcher, cleanUp } = await seed(100)
      try {
        dispatcher.start()
        await waitFor('A\'s first sends and B\'s', () => slow.got.length === 4 && fast.got.length === 1)
        // B's next event arrives while A's four are still waiting on their answer.
        await t.req('POST', `/api/v1/tenants/${b.tenantId}/api-keys`, { token: b.token, body: { name: 'while A hangs', permissions: 'read' } })
        dispatcher.kick()
        await waitFor('B\'s second delivery', () => fast.got.length === 2)
        expect(slow.got).toHaveLength(4) // A never had more than its 4 under way
      } finally {
        await dispatcher.stop()
        await cleanUp()
      }
    })
  })
})
