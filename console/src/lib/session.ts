// The admin session as two httpOnly cookies: the short-lived access token and
// the rotating refresh token. SameSite=Lax keeps them off cross-site
// sub-requests and POSTs (CSRF, with Qwik City's Origin check on every form
// POST); Secure whenever the console is reached over https.
import type { RequestEventBase } from '@builder.io/qwik-city'
import type { ApiData } from './api'
import { send } from './transport'

export const ACCESS_COOKIE = 're_access'
export const REFRESH_COOKIE = 're_refresh'
const REFRESH_MAX_AGE_S = 7 * 24 * 3600
// A refresh shared by requests presenting the same refresh token at once:
// rotation is single-use (reuse revokes the family), so they must not race.
const REFRESH_SHARE_MS = 30_000

export type SessionTokens = Pick<ApiData<'/api/v1/auth/login', 'post'>, 'accessToken' | 'refreshToken' | 'expiresIn'>

const inflight = new Map<string, Promise<SessionTokens | undefined>>()

export function isHttps(ev: RequestEventBase) {
  return ev.url.protocol === 'https:' || ev.request.headers.get('x-forwarded-proto') === 'https'
}

export function readSession(ev: RequestEventBase) {
  // A refresh earlier in this request (another loader) wins over the incoming cookies.
  const fresh = ev.sharedMap.get('session') as SessionTokens | undefined
  if (fresh) return fresh
  return { accessToken: ev.cookie.get(ACCESS_COOKIE)?.value, refreshToken: ev.cookie.get(REFRESH_COOKIE)?.value }
}

export function storeSession(ev: RequestEventBase, s: SessionTokens) {
  const base = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: isHttps(ev) }
  // The access cookie expires a minute before the token does, so an expired token is never sent.
  ev.cookie.set(ACCESS_COOKIE, s.accessToken, { ...base, maxAge: Math.max(60, s.expiresIn - 60) })
  ev.cookie.set(REFRESH_COOKIE, s.refreshToken, { ...base, maxAge: REFRESH_MAX_AGE_S })
  ev.sharedMap.set('session', s)
}

export function clearSession(ev: RequestEventBase) {
  ev.cookie.delete(ACCESS_COOKIE, { path: '/' })
  ev.cookie.delete(REFRESH_COOKIE, { path: '/' })
  ev.sharedMap.delete('session')
}

/** Rotates the refresh token; returns the new access token, or undefined when the session is gone. */
export async function refreshSession(ev: RequestEventBase): Promise<string | undefined> {
  const { refreshToken } = readSession(ev)
  if (!refreshToken) return undefined
  let p = inflight.get(refreshToken)
  if (!p) {
    p = (async () => {
      const res = await send(ev, '/api/v1/auth/refresh', { method: 'POST', body: { refreshToken } })
      if (!res.ok) return undefined
      return ((await res.json()) as { data: SessionTokens }).data
    })()
    inflight.set(refreshToken, p)
    setTimeout(() => inflight.delete(refreshToken), REFRESH_SHARE_MS)
  }
  const s = await p
  if (!s) { clearSession(ev); return undefined }
  storeSession(ev, s)
  return s.accessToken
}

/** A local path to come back to after signing in; anything else falls back to the dashboard. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/dashboard'
}

export function loginPath(ev: RequestEventBase) {
  return `/login?next=${encodeURIComponent(ev.url.pathname + ev.url.search)}`
}
