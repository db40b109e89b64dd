// Standard Webhooks signing (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256 of
// "{id}.{timestamp}.{body}">`, keyed by the base64 part of a `whsec_` secret; one `v1,` entry per signing secret,
// space-separated (the previous secret signs alongside for a while after a rotation). Web Crypto only.
import { fromBase64, toBase64 } from '../../infra/crypto.ts'

const SECRET_PREFIX = 'whsec_'
const enc = new TextEncoder()

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)))
}

async function signOne(secret: string, content: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', fromBase64(secret.slice(SECRET_PREFIX.length)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return `v1,${toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(content))))}`
}

/** The three headers of one attempt; `timestamp` in unix seconds. */
export async function signedHeaders(secrets: string[], id: string, timestamp: number, body: string): Promise<Record<string, string>> {
  const content = `${id}.${timestamp}.${body}`
  const signatures = await Promise.all(secrets.map((s) => signOne(s, content)))
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') }
}
