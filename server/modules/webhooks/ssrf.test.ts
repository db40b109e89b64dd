import { afterAll, describe, expect, test } from 'bun:test'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { expectProblem, testApp, TEST_SECRETS } from '../../test/harness.ts'
import { secretBox } from '../../infra/crypto.ts'
import { blockedAddress } from './address.ts'
import { WebhookDispatcher } from './dispatcher.ts'
import { addressProblem, sendWebhook, urlProblem } from './send.ts'
import { receiver } from './test-receiver.ts'
import { TEST_TLS_CERT, TEST_TLS_KEY, TEST_TLS_NAME } from './test-tls.ts'
import { pinnedPost } from './transport.ts'

describe('blocked addresses', () => {
  test.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fe80::1', 'fd00:ec2::254', 'fc00::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '::127.0.0.1',
  ])('%s is refused', (ip) => { expect(blockedAddress(ip)).not.toBeNull() })
  test.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is allowed', (ip) => { expect(blockedAddress(ip)).toBeNull() })
})

describe('URL checks', () => {
  test('https only, no credentials; http only when private addresses are allowed', () => {
    expect(urlProblem('http://example.com/hook', false)).toBe('must be an https URL')
    expect(urlProblem('https://user:pw@example.com/hook', false)).toBe('must not carry credentials')
    expect(urlProblem('https://example.com/hook', false)).toBeNull()
    expect(urlProblem('http://127.0.0.1:9/hook', true)).toBeNull()
    expect(urlProblem('file:///etc/passwd', true)).not.toBeNull()
  })
  test('a name is judged by every address it resolves to', async () => {
    const resolve = async (host: string) => (host === 'rebind.example' ? ['93.184.216.34', '10.0.0.7'] : host === 'ok.example' ? ['93.184.216.34'] : [])
    expect(await addressProblem('https://rebind.example/x', { allowPrivate: false, resolve })).toContain('10.0.0.7')
    expect(await addressProblem('https://ok.example/x', { allowPrivate: false, resolve })).toBeNull()
    expect(await addressProblem('https://nowhere.example/x', { allowPrivate: false, resolve })).toContain('could not be resolved')
    expect(await addressProblem('https://[::ffff:127.0.0.1]/x', { allowPrivate: false, resolve })).toContain('::ffff:7f00:1') // the URL parser normalises the mapped form to hex: still judged by its IPv4
  })
  test('a send to a name that now resolves to a private address is refused after DNS, before any connection', async () => {
    const rx = receiver()
    try {
      const url = rx.url.replace('127.0.0.1', 'rebinding.test').replace('http:', 'https:')
      const fetched: string[] = []
      const out = await sendWebhook(url, {}, '{}', { allowPrivate: false, resolve: async () => ['127.0.0.1'], post: async (u) => { fetched.push(u); return new Response('') } })
      expect(out).toMatchObject({ ok: false, code: null, error: expect.stringContaining('refused: resolves to 127.0.0.1') })
      expect(fetched).toEqual([])
      expect(rx.got).toHaveLength(0)
    } finally { rx.stop() }
  })
  test('the connection goes to the address the check vetted, not to a second DNS answer (rebinding)', async () => {
    // The name's first answer is public, every later one loopback: a send that resolved twice would reach loopback.
    const answers = [['93.184.216.34'], ['127.0.0.1']]
    let lookups = 0
    const resolve = async () => answers[Math.min(lookups++, 1)]!
    const sent: { url: string; address: string | null; host?: string }[] = []
    const out = await sendWebhook('https://rebinding.test/hook', {}, '{}', { allowPrivate: false, resolve, post: async (url, _init, address) => { sent.push({ url, address }); return new Response('ok') } })
    expect(out).toMatchObject({ ok: true, code: 200 })
    expect(lookups).toBe(1)
    expect(sent).toEqual([{ url: 'https://rebinding.test/hook', address: '93.184.216.34' }])
  })
  test('the pinned transport connects to the given address and checks the certificate, SNI and Host against the name', async () => {
    // rebinding.test resolves nowhere: only the pinned address can reach this receiver.
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', tls: { cert: TEST_TLS_CERT, key: TEST_TLS_KEY, serverName: TEST_TLS_NAME },
      fetch: async (r) => new Response(`${r.headers.get('host')} ${await r.text()}`) })
    try {
      const post = pinnedPost({ ca: TEST_TLS_CERT })
      const init = () => ({ headers: { 'content-type': 'application/json' }, body: '{"a":1}', signal: new AbortController().signal })
      const res = await post(`https://${TEST_TLS_NAME}:${server.port}/hook`, init(), '127.0.0.1')
      expect(res.status).toBe(200)
      expect(await new Response(res.body).text()).toBe(`${TEST_TLS_NAME}:${server.port} {"a":1}`)
      // The same address under a name the certificate does not carry: refused by the certificate check.
      expect(await post(`https://other.test:${server.port}/hook`, init(), '127.0.0.1').catch((e: Error) => e.message)).toContain('other.test')
      // Without the test CA the self-signed certificate is not trusted.
      expect(await pinnedPost()(`https://${TEST_TLS_NAME}:${server.port}/hook`, init(), '127.0.0.1').then(() => 'sent', () => 'refused')).toBe('refused')
    } finally { server.stop(true) }
  })
  test('at most 64 KB of an answer is read and 1 KB kept', async () => {
    const rx = receiver(() => new Response('x'.repeat(10 * 1024 * 1024)))
    try {
      const out = await sendWebhook(rx.url, {}, '{}', { allowPrivate: true })
      expect(out).toMatchObject({ ok: true, code: 200 })
      expect(out.body).toHaveLength(1024)
    } finally { rx.stop() }
  })
})

for (const name of BACKENDS) describe(`SSRF refusals [${name}]`, async () => {
  const t = await testApp(name) // WEBHOOK_ALLOW_PRIVATE unset: the default
  const rx = receiver()
  afterAll(() => rx.stop())

  test('create and update refuse loopback, private, link-local and metadata addresses, and plain http', async () => {
    const k = await t.tenantWithKeys()
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://10.0.0.1/hook', 'https://192.168.0.10/x', 'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook', 'https://[::ffff:127.0.0.1]/hook', 'https://[fd00:ec2::254]/x', 'https://localhost/hook', 'https://0.0.0.0/x']) {
      const p = expectProblem(await t.req('POST', '/api/v1/webhooks', { key: k.writeKey, body: { url, events: ['model.ready'] } }), 400)
      expect(p.errors?.[0]?.field).toBe('url')
    }
    expect((await t.req('GET', '/api/v1/webhooks', { key: k.writeKey })).body.data).toEqual([])
  })

  test('a stored URL whose name now resolves to a private address is refused at send time', async () => {
    const k = await t.tenantWithKeys()
    const b = await backend(name)
    // Stored while the name was public; the dispatcher's resolver now says loopback (DNS rebinding).
    const open = await testApp(name, { webhookAllowPrivate: true })
    const w = (await open.req('POST', '/api/v1/webhooks', { key: k.writeKey, body: { url: rx.url.replace('127.0.0.1', 'rebinding.test').replace('http:', 'https:'), events: ['model.ready'] } })).body.data
    await t.req('POST', `/api/v1/webhooks/${w.id}/test`, { key: k.writeKey })
    const box = await secretBox(TEST_SECRETS.jwtSecret, 'recomengine webhook signing secrets v1')
    const strict = new WebhookDispatcher({ raw: b.database.background.raw, box, clock: () => new Date(), log: quietLog, mailer: { send: async () => {} }, consoleUrl: 'http://x' },
      { pollMs: 1000, batch: 50, policy: { allowPrivate: false, resolve: async () => ['127.0.0.1'] } })
    await strict.runOnce()
    const [d] = (await t.req('GET', `/api/v1/webhooks/${w.id}/deliveries`, { key: k.writeKey })).body.data
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastResponseCode: null, lastError: expect.stringContaining('refused: resolves to 127.0.0.1') })
    expect(rx.got).toHaveLength(0)
  })
})
