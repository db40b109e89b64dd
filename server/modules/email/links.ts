// Tracked email links: a token names one recommended item of one mail
// (tenant, shopper, product, campaign, position, mail, strategy) and its expiry,
// signed with HMAC-SHA256 so /r and /o can trust it without a lookup. The
// tenant is inside the signature: a token made for one tenant cannot be
// turned into another's. Web Crypto only (runtime-neutral).
import { BadRequest, Gone, NotFound } from '../../errors.ts'
import { base64url, fromBase64url } from '../../infra/crypto.ts'

export const LINK_TTL_DAYS = 30
const DAY_S = 86400
const VERSION = 'e1'
const enc = new TextEncoder()
const dec = new TextDecoder()

export interface LinkClaims {
  tenantId: string; userId: string; productId: string; campaign: string
  /** 1-based place of the item in the mail. */
  position: number
  /** Random per rendered mail: an open counts once per (mail, product). */
  mailId: string
  strategy: string
  /** Unix seconds. */
  expiresAt: number
}

const isClaims = (a: unknown): a is [string, string, string, string, number, string, string, number] =>
  Array.isArray(a) && a.length === 8 && [0, 1, 2, 3, 5, 6].every((i) => typeof a[i] === 'string')
  && Number.isSafeInteger(a[4]) && Number.isSafeInteger(a[7])

/**
 * Signs and checks link tokens. The key is derived from the server secret for
 * this one purpose, so a link token can never pass for a session token.
 */
export async function linkSigner(serverSecret: string, clock: () => Date) {
  const derive = await crypto.subtle.importKey('raw', enc.encode(serverSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const keyBytes = await crypto.subtle.sign('HMAC', derive, enc.encode('recomengine email links v1'))
  const key = await crypto.subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])

  return {
    async sign(c: Omit<LinkClaims, 'expiresAt'>): Promise<string> {
      const expiresAt = Math.floor(clock().getTime() / 1000) + LINK_TTL_DAYS * DAY_S
      const body = `${VERSION}.${base64url(enc.encode(JSON.stringify([c.tenantId, c.userId, c.productId, c.campaign, c.position, c.mailId, c.strategy, expiresAt])))}`
      return `${body}.${base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(body))))}`
    },

    /** The claims of a token this server signed: 400 when it is no token, 404 when forged, 410 when expired. */
    async verify(token: string): Promise<LinkClaims> {
      const parts = token.split('.')
      const sig = parts.length === 3 && parts[0] === VERSION ? fromBase64url(parts[2]) : undefined
      const payload = sig ? fromBase64url(parts[1]) : undefined
      if (!sig || !payload || sig.length !== 32) throw new BadRequest('This is not a tracked-link token', 'invalid-token')
      // A forged or altered token is a link that does not exist (the contract), not a malformed one.
      if (!await crypto.subtle.verify('HMAC', key, sig, enc.encode(`${parts[0]}.${parts[1]}`))) throw new NotFound('No such link')
      let a: unknown
      try { a = JSON.parse(dec.decode(payload)) } catch { a = undefined }
      if (!isClaims(a)) throw new BadRequest('This is not a tracked-link token', 'invalid-token')
      const claims: LinkClaims = { tenantId: a[0], userId: a[1], productId: a[2], campaign: a[3], position: a[4], mailId: a[5], strategy: a[6], expiresAt: a[7] }
      if (claims.expiresAt * 1000 <= clock().getTime()) throw new Gone(`This link expired ${LINK_TTL_DAYS} days after the mail was made`)
      return claims
    },
  }
}
export type LinkSigner = Awaited<ReturnType<typeof linkSigner>>
