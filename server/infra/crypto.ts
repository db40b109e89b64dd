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

/**
 * Encrypts small secrets that must be read back (webhook signing secrets: an HMAC key has to be used, not
 * just compared), AES-256-GCM under a key derived (HKDF) from the server secret for this one `purpose`.
 * Stored form: "v1:" + base64(12-byte IV ‖ ciphertext ‖ tag).
 */
export async function secretBox(serverSecret: string, purpose: string) {
  const material = await crypto.subtle.importKey('raw', enc.encode(serverSecret), 'HKDF', false, ['deriveKey'])
  const key = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(purpose) },
    material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const dec = new TextDecoder()
  return {
    async seal(plain: string): Promise<string> {
      const iv = crypto.getRandomValues(new Uint8Array(12))
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, enc.encode(plain)))
      const all = new Uint8Array(iv.length + sealed.length)
      all.set(iv)
      all.set(sealed, iv.length)
      return `v1:${toBase64(all)}`
    },
    async open(stored: string): Promise<string> {
      if (!stored.startsWith('v1:')) throw new Error('unknown sealed-secret format')
      const all = fromBase64(stored.slice(3))
      return dec.decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: all.slice(0, 12) }, key, all.slice(12)))
    },
  }
}
export type SecretBox = Awaited<ReturnType<typeof secretBox>>

export const toBase64 = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''))
export const fromBase64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
