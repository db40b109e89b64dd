// One request to the RecomEngine API, with no session handling: the layer both
// lib/api.ts (authed calls) and lib/session.ts (token refresh) stand on. When
// server/main.ts mounts the console it hands over app.handle, so calls stay
// in-process; standalone, they go over HTTP to API_URL.
import type { RequestEventBase } from '@builder.io/qwik-city'

export type ApiInit = {
  method?: string; body?: unknown; tenantId?: string; query?: Record<string, string | number | undefined>
  /** A body passed through as it streams in (an upload), with its own Content-Type; instead of `body`. */
  stream?: { body: ReadableStream<Uint8Array> | null; contentType: string }
  /** Further request headers (an embedded page's X-Embed-Session). */
  headers?: Record<string, string>
}
/** Serves one API request; clientIp lets the API throttle sign-ins per real caller. */
export type ApiHandler = (req: Request, clientIp: string) => Promise<Response>

let inProcess: ApiHandler | undefined

/** The cookie naming the account the console acts in (the sidebar's switcher sets it). */
export const ACCOUNT_COOKIE = 're_account'

/** Called by the server that mounts the console (entry.bun.tsx): API calls then skip the network. */
export function setApiHandler(handler: ApiHandler | undefined) { inProcess = handler }

function apiBase(ev: RequestEventBase) {
  return inProcess ? 'http://api.internal' : (ev.env.get('API_URL') ?? 'http://localhost:5008').replace(/\/$/, '')
}

function buildUrl(ev: RequestEventBase, path: string, query?: ApiInit['query']) {
  const url = new URL(apiBase(ev) + path)
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
  return url
}

/** One request to the API, with no session handling. */
export async function send(ev: RequestEventBase, path: string, init: ApiInit & { token?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers }
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  if (init.stream) headers['content-type'] = init.stream.contentType
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.tenantId) headers['x-tenant-id'] = init.tenantId
  // The account chosen in the switcher (a member of several); tenant routes take the account from the tenant.
  const account = ev.cookie.get(ACCOUNT_COOKIE)?.value
  if (init.token && account && /^[0-9a-f-]{36}$/i.test(account)) headers['x-account-id'] = account
  const ip = ev.clientConn.ip ?? 'unknown'
  const req = new Request(buildUrl(ev, path, init.query), {
    method: init.method ?? 'GET', headers, body: init.stream ? init.stream.body : init.body === undefined ? undefined : JSON.stringify(init.body),
    ...(init.stream ? { duplex: 'half' } : {}),
  } as RequestInit)
  if (inProcess) return inProcess(req, ip)
  req.headers.set('x-forwarded-for', ip)
  return fetch(req)
}
