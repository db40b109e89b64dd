// Embedded analytics (F-016), the console's side: an embedded page's way to the API (an embed session, no
// cookie: third-party cookies are blocked in frames), who may frame it, and its theme as CSS. The token from
// the URL is exchanged for a session on the first load; links and forms carry the session from then on.
import type { RequestEventBase } from '@builder.io/qwik-city'
import { toResult, type ApiData, type ApiResult } from './api'
import { send } from './transport'

export type EmbedSession = ApiData<'/api/v1/embed/session', 'get'>
export type EmbedTheme = EmbedSession['theme']

/** The URL parameters: the token (first load) and the session it was exchanged for (every load after). */
export const TOKEN_PARAM = 'token'
export const SESSION_PARAM = 'session'

/** The API's theme patterns (server/modules/embed/model.ts, kept equal by lib/embed.test.ts), checked again before any CSS is written. */
export const THEME_PATTERNS = {
  color: '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$',
  fontFamily: '^[A-Za-z0-9 ,-]{1,100}$',
  logoUrl: '^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~!$&*+,;=:@%/?-]*)?$',
} as const
const matches = (pattern: string, v: unknown): v is string => typeof v === 'string' && new RegExp(pattern).test(v)

/** The tenant config's origin pattern (server/modules/tenants/config.ts): anything else never reaches the header. */
const ORIGIN = /^https?:\/\/([a-z0-9-]+\.)*[a-z0-9-]+(:[0-9]{1,5})?$/

/** The session for this URL: the token exchanged (first load), or the session re-read (links, reloads). */
export async function openEmbed(ev: RequestEventBase, params: URLSearchParams): Promise<ApiResult<EmbedSession>> {
  const token = params.get(TOKEN_PARAM)
  const session = params.get(SESSION_PARAM)
  if (token) return toResult(await send(ev, '/api/v1/embed/sessions', { method: 'POST', body: { token } }))
  if (session) return toResult(await send(ev, '/api/v1/embed/session', { headers: { 'x-embed-session': session } }))
  return { ok: false, status: 401, problem: { status: 401, title: 'Unauthorized', detail: 'No embed token' } }
}

/** A read under /api/v1/embed/ with the session. */
export function embedGet(ev: RequestEventBase, session: string) {
  return async <T>(path: string, query?: Record<string, string | number | undefined>): Promise<ApiResult<T>> =>
    toResult<T>(await send(ev, `/api/v1/embed/${path}`, { query, headers: { 'x-embed-session': session } }))
}

/** Content-Security-Policy for an embedded page: the tenant's allowed origins may frame it; none → no one. */
export function frameAncestors(origins: readonly string[]): string {
  const ok = origins.filter((o) => ORIGIN.test(o))
  return `frame-ancestors ${ok.length ? ok.join(' ') : "'none'"}`
}

/** The theme as inline CSS (custom properties the console's styles read, and the font); values that do not match are left out. */
export function themeStyle(theme: EmbedTheme): string {
  const decl: string[] = []
  if (matches(THEME_PATTERNS.color, theme.primaryColor)) decl.push(`--brand: ${theme.primaryColor}`, `--brand-dark: ${theme.primaryColor}`)
  if (matches(THEME_PATTERNS.color, theme.textColor)) decl.push(`--text: ${theme.textColor}`, `color: ${theme.textColor}`)
  if (matches(THEME_PATTERNS.color, theme.background)) decl.push(`--bg: ${theme.background}`, `background: ${theme.background}`)
  if (matches(THEME_PATTERNS.fontFamily, theme.fontFamily)) decl.push(`font-family: ${theme.fontFamily}`)
  return decl.join('; ')
}

/** The logo's URL when it is an https URL of the safe form; else none. */
export const themeLogo = (theme: EmbedTheme): string | undefined => (matches(THEME_PATTERNS.logoUrl, theme.logoUrl) ? theme.logoUrl : undefined)

/** The page's URL as the browser should keep it: the token replaced by the session (history.replaceState). */
export function urlWithSession(href: string, session: string): string {
  const u = new URL(href)
  u.searchParams.delete(TOKEN_PARAM)
  u.searchParams.set(SESSION_PARAM, session)
  return u.pathname + u.search + u.hash
}
