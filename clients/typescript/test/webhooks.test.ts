// verifyWebhook against the reference implementation of Standard Webhooks
// (the `standardwebhooks` package): what it signs we accept, and both refuse
// the same tampered, stale and wrongly keyed deliveries.
import { describe, expect, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { verifyWebhook, WebhookVerificationError } from '../src/webhooks.ts'

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`
const other = `whsec_${Buffer.from('another secret of thirty-two b!!').toString('base64')}`
const now = Date.UTC(2026, 11, 6, 12, 0, 0)
const body = JSON.stringify({ type: 'experiment.significant', timestamp: '2026-12-06T12:00:00Z', data: { experimentId: 'e1' } })

function signed(opts: { key?: string; at?: number; id?: string; payload?: string } = {}) {
  const at = opts.at ?? now
  const id = opts.id ?? 'msg_2b7c'
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at / 1000)), 'webhook-signature': new Webhook(opts.key ?? secret).sign(id, new Date(at), opts.payload ?? body) }
}

/** Whether the reference verifier accepts (it reads the real clock: only used for deliveries dated now). */
const referenceAccepts = (payload: string, headers: Record<string, string>) => { try { new Webhook(secret).verify(payload, headers); return true } catch { return false } }

describe('verifyWebhook (Standard Webhooks)', () => {
  test('accepts what the reference signs, and returns the parsed body', async () => {
    expect(await verifyWebhook(body, signed(), secret, { now: () => now })).toEqual(JSON.parse(body))
    expect(await verifyWebhook(body, new Headers(signed()), secret, { now: () => now })).toEqual(JSON.parse(body))
  })

  test('two signatures while a secret rotates: either secret verifies', async () => {
    const a = signed()['webhook-signature']
    const b = signed({ key: other })['webhook-signature']
    const headers = { ...signed(), 'webhook-signature': `${b} ${a}` }
    expect(await verifyWebhook(body, headers, secret, { now: () => now })).toBeTruthy()
    expect(await verifyWebhook(body, headers, other, { now: () => now })).toBeTruthy()
    expect(await verifyWebhook(body, { ...headers, 'webhook-signature': `v2,${a.slice(3)}` }, secret, { now: () => now }).catch((e) => e)).toBeInstanceOf(WebhookVerificationError)
  })

  test('refuses a changed body or id, a wrong secret, missing headers, and timestamps beyond five minutes', async () => {
    const refuse = async (payload: string, headers: Record<string, string>, key = secret, at = now) =>
      expect(await verifyWebhook(payload, headers, key, { now: () => at }).catch((e) => e)).toBeInstanceOf(WebhookVerificationError)
    await refuse(body.replace('e1', 'e2'), signed())
    await refuse(body, { ...signed(), 'webhook-id': 'msg_other' })
    await refuse(body, signed(), other)
    await refuse(body, { 'webhook-id': 'x', 'webhook-timestamp': '1' })
    await refuse(body, signed({ at: now - 301_000 }))
    await refuse(body, signed({ at: now + 301_000 }))
    expect(await verifyWebhook(body, signed({ at: now - 299_000 }), secret, { now: () => now })).toBeTruthy()
  })

  test('agrees with the reference verifier on deliveries dated now', async () => {
    const fresh = Date.now()
    const cases: [string, Record<string, string>][] = [
      [body, signed({ at: fresh })],
      [body + ' ', signed({ at: fresh })],
      [body, signed({ at: fresh, key: other })],
      [body, { ...signed({ at: fresh }), 'webhook-signature': `${signed({ at: fresh, key: other })['webhook-signature']} ${signed({ at: fresh })['webhook-signature']}` }],
      [body, signed({ at: fresh - 600_000 })],
      [body, { ...signed({ at: fresh }), 'webhook-id': 'msg_x' }],
    ]
    for (const [payload, headers] of cases) {
      const ours = await verifyWebhook(payload, headers, secret).then(() => true, () => false)
      expect({ headers, ours }).toEqual({ headers, ours: referenceAccepts(payload, headers) })
    }
  })
})
