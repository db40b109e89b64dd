// Embed tokens (F-016): compact JWTs, HS256 only, signed with the tenant's own embed key. `tid` names the
// tenant (whose key checks the signature), `kv` the key version it was signed with. Web Crypto only.
import { base64url, fromBase64url } from '../../infra/crypto.ts'

export interface EmbedClaims {
  /** Tenant id. */
  tid: string
  /** Embed key version. */
  kv: number
  views: string[]
  theme?: Record<string, string>
  locale?: string
  hideChrome?: boolean
  /** Unix seconds. */
  iat: number
  exp: number
  jti: string
}

const AUDIENCE = 'recomengine-embed'
const enc = new TextEncoder()
const HEADER = base64url(enc.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const hmacKey = (key: string, use: 'sign' | 'verify') =>
  crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [use])

export async function signEmbedToken(key: string, claims: EmbedClaims): Promise<string> {
  const body = `${HEADER}.${base64url(enc.encode(JSON.stringify({ aud: AUDIENCE, ...claims })))}`
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(key, 'sign'), enc.encode(body)))
  return `${body}.${base64url(sig)}`
}

/** A token taken apart, not yet trusted: only `tid` may be read, to find the key that checks it. */
export interface UnverifiedToken { tid: string; signed: string; signature: Uint8Array<ArrayBuffer>; claims: Record<string, unknown> }

export function parseEmbedToken(token: string): UnverifiedToken | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined // HS256 and nothing else: no `alg` confusion
  const payload = fromBase64url(parts[1]!)
  const signature = fromBase64url(parts[2]!)
  if (!payload || !signature) return undefined
  let claims: unknown
  try { claims = JSON.parse(new TextDecoder().decode(payload)) } catch { return undefined }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined
  const tid = (claims as { tid?: unknown }).tid
  if (typeof tid !== 'string' || !UUID.test(tid)) return undefined
  return { tid, signed: `${parts[0]}.${parts[1]}`, signature, claims: claims as Record<string, unknown> }
}

/** The claims when the signature is the key's, the audience ours and the token unexpired; else undefined. */
export async function verifyEmbedToken(key: string, t: UnverifiedToken, nowS: number): Promise<EmbedClaims | undefined> {
  const ok = await crypto.subtle.verify('HMAC', await hmacKey(key, 'verify'), t.signature, enc.encode(t.signed))
  if (!ok) return undefined
  const c = t.claims
  if (c.aud !== AUDIENCE || typeof c.exp !== 'number' || typeof c.iat !== 'number' || typeof c.kv !== 'number') return undefined
  if (!Array.isArray(c.views) || !c.views.every((v) => typeof v === 'string')) return undefined
  if (c.exp <= nowS) return undefined
  return c as unknown as EmbedClaims
}
