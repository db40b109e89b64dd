// Small Web Crypto helpers shared by auth and API keys (runtime-neutral).
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const enc = new TextEncoder()

/** Uniform random base62 string (rejection sampling, no modulo bias). */
export function randomToken(length: number): string {
  let out = ''
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2))
    for (const b of bytes) {
      if (b < 248 && out.length < length) out += BASE62[b % 62]
    }
  }
  return out
}

const toHex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('')

export async function sha256Hex(value: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', enc.encode(value)))
}

/** Returns an HMAC-SHA256 function keyed once (the key import is the slow part). */
export async function hmacSha256(secret: string): Promise<(value: string) => Promise<string>> {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return async (value) => toHex(await crypto.subtle.sign('HMAC', key, enc.encode(value)))
}

// The runtime's own base64url where it has one (Bun; V8 13.x+): an email batch signs thousands of links, and
// btoa with three replaces was about a third of each signature's cost (BENCHMARKS.md "Recommendations in email").
type ToBase64 = (this: Uint8Array, o: { alphabet: 'base64url'; omitPadding: true }) => string
const nativeToBase64 = (Uint8Array.prototype as unknown as { toBase64?: ToBase64 }).toBase64

/** Bytes as base64url without padding (JWT segments, sealed values, tracked email links). */
export const base64url: (bytes: Uint8Array) => string = nativeToBase64
  ? (bytes) => nativeToBase64.call(bytes, { alphabet: 'base64url', omitPadding: true })
  : (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

/** base64url back to bytes; undefined for anything that is not base64url. */
export function fromBase64url(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return undefined
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch { return undefined }
}

/**
 * AES-256-GCM under a key derived from `secret` for one `purpose` (so one secret serves several uses
 * without reusing a key): `seal` answers iv ‖ ciphertext, `open` reverses it and fails on any change.
 */
export async function sealer(secret: string, purpose: string) {
  const material = await crypto.subtle.digest('SHA-256', enc.encode(`${purpose}\u0000${secret}`))
  const key = await crypto.subtle.importKey('raw', material, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
  return {
    async seal(plain: string): Promise<Uint8Array> {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const body = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, enc.encode(plain)))
      const out = new Uint8Array(12 + body.length)
      out.set(iv)
      out.set(body, 12)
      return out
    },
    async open(sealed: Uint8Array): Promise<string> {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.slice(0, 12) }, key, sealed.slice(12))
      return new TextDecoder().decode(plain)
    },
  }
}
export type Sealer = Awaited<ReturnType<typeof sealer>>

/**
 * Small secrets that must be read back as text (webhook signing secrets: an HMAC key has to be used, not just
 * compared), sealed as above. Stored form: "v1:" + base64(12-byte IV ‖ ciphertext ‖ tag).
 */
export async function secretBox(serverSecret: string, purpose: string) {
  const box = await sealer(serverSecret, purpose)
  return {
    seal: async (plain: string): Promise<string> => `v1:${toBase64(await box.seal(plain))}`,
    async open(stored: string): Promise<string> {
      if (!stored.startsWith('v1:')) throw new Error('unknown sealed-secret format')
      return box.open(fromBase64(stored.slice(3)))
    },
  }
}
export type SecretBox = Awaited<ReturnType<typeof secretBox>>

export const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
export const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
