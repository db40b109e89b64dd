// Verifies a webhook delivery as the Standard Webhooks specification signs it
// (standardwebhooks.com): `webhook-signature` holds one or more space-separated
// `v1,<base64 HMAC-SHA256>` of "{webhook-id}.{webhook-timestamp}.{body}", keyed
// with the base64 secret after `whsec_` (two while a secret is being rotated);
// a timestamp more than five minutes away is refused, so a captured delivery
// cannot be replayed later. Web Crypto only: Node 18+, Bun, Deno, workers.

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError'
}

export interface VerifyOptions {
  /** Seconds a delivery's timestamp may be from now, either way (default 300). */
  toleranceSeconds?: number
  /** The current time (ms); injectable for tests. */
  now?: () => number
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const v = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1]
  return Array.isArray(v) ? v[0] : v
}

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

const bytesToBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes))

/** Equal in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/**
 * Checks a delivery and returns its parsed body; throws WebhookVerificationError when the signature,
 * the headers or the timestamp are wrong. `payload` must be the raw body exactly as received.
 */
export async function verifyWebhook<T = unknown>(payload: string, headers: HeaderSource, secret: string, options: VerifyOptions = {}): Promise<T> {
  const id = header(headers, 'webhook-id')
  const timestamp = header(headers, 'webhook-timestamp')
  const signatures = header(headers, 'webhook-signature')
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook-id, webhook-timestamp or webhook-signature header')
  if (!/^\d+$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp')
  const now = Math.floor((options.now ?? Date.now)() / 1000)
  const tolerance = options.toleranceSeconds ?? 300
  const sentAt = Number(timestamp)
  if (sentAt < now - tolerance) throw new WebhookVerificationError('Message timestamp too old')
  if (sentAt > now + tolerance) throw new WebhookVerificationError('Message timestamp too new')

  const keyBytes = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret)
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${payload}`)))
  const expected = bytesToBase64(mac)
  const valid = signatures.split(' ').some((s) => {
    const [version, signature] = s.split(',', 2)
    return version === 'v1' && signature !== undefined && sameText(signature, expected)
  })
  if (!valid) throw new WebhookVerificationError('No matching signature found')
  return JSON.parse(payload) as T
}
