// The console's way to the RecomEngine API, used from routeLoader$ and
// routeAction$ (server side), over lib/transport.ts. The admin session lives in
// two httpOnly cookies (lib/session.ts): an expired access token is refreshed
// once per request, a missing session sends the browser to /login?next=… .
import type { RequestEvent, RequestEventBase } from '@builder.io/qwik-city'
import { clearSession, loginPath, readSession, refreshSession } from './session'
import type { paths } from '../../../clients/typescript/src/api-types'
import { send, type ApiInit } from './transport'

// The API's shapes, named by route from the generated api-types.ts the typed
// client shares (clients/typescript, `npm run openapi:types`): ApiData<'/api/v1/tenants/{id}', 'get'> is a tenant.
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
type Responses<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R } ? R : never
type Json<X> = X extends { content: { 'application/json': infer B } } ? B : never
type ProblemJson<X> = X extends { content: { 'application/problem+json': infer B } } ? B : never
/** The JSON body of an operation's success answer (200, else 201). */
export type ApiResponse<P extends keyof paths, M extends Method> =
  Responses<P, M> extends { 200: infer A } ? Json<A> : Responses<P, M> extends { 201: infer A } ? Json<A> : never
/** The envelope's `data` of a success answer. */
export type ApiData<P extends keyof paths, M extends Method> = ApiResponse<P, M> extends { data: infer D } ? D : never
/** The JSON request body of an operation. */
export type ApiBody<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: infer B } ? Json<NonNullable<B>> : never
/** An RFC 7807 problem document as the API sends it. */
type ProblemDocument = ProblemJson<Responses<'/api/v1/auth/me', 'get'>[401]>

/** A failed call as the console shows it: the problem document, or what toResult made of a non-JSON answer. */
export type Problem = Pick<ProblemDocument, 'status' | 'title' | 'errors'> & { detail?: string }
export type ApiResult<T> = { ok: true; status: number; data: T; meta?: any } | { ok: false; status: number; problem: Problem }

/** Reads an API response into an ApiResult (problem+json on failure). */
export async function toResult<T>(res: Response): Promise<ApiResult<T>> {
  const text = await res.text()
  let body: any = null
  try { body = text ? JSON.parse(text) : null } catch { body = null }
  if (res.ok) return { ok: true, status: res.status, data: (body?.data ?? body) as T, meta: body?.meta }
  const problem: Problem = body && typeof body === 'object' && typeof body.title === 'string'
    ? { status: res.status, title: body.title, detail: body.detail, errors: body.errors }
    : { status: res.status, title: res.statusText || 'Request failed', detail: text.slice(0, 200) || undefined }
  return { ok: false, status: res.status, problem }
}

/** An API call without a session (sign-up, sign-in, password reset, the OpenAPI document). */
export async function apiPublic<T = unknown>(ev: RequestEventBase, path: string, init: ApiInit = {}): Promise<ApiResult<T>> {
  return toResult<T>(await send(ev, path, init))
}

/** Loaders, actions and handlers all get an event that can redirect; the contract names the common base. */
const redirect = (ev: RequestEventBase, to: string) => (ev as RequestEventBase & Pick<RequestEvent, 'redirect'>).redirect(302, to)

async function authed(ev: RequestEventBase, path: string, init: ApiInit): Promise<Response> {
  const session = readSession(ev)
  let token = session.accessToken
  if (!token && session.refreshToken) token = await refreshSession(ev)
  if (!token) throw redirect(ev, loginPath(ev))
  let res = await send(ev, path, { ...init, token })
  if (res.status === 401 && session.refreshToken && !init.stream) {
    // The access token expired or was signed with an old secret: one refresh, one retry (not of a
    // streamed body, already spent; the access cookie expires before its token, so that is rare).
    const fresh = await refreshSession(ev)
    if (fresh) res = await send(ev, path, { ...init, token: fresh })
  }
  if (res.status === 401) {
    clearSession(ev)
    throw redirect(ev, loginPath(ev))
  }
  return res
}

/** Calls the RecomEngine API as the signed-in admin (session cookie). path starts with '/api/v1/'.
 *  tenantId → sends X-Tenant-ID. Refreshes the access token when it expired; when the session is gone,
 *  throws ev.redirect(302, '/login?next=…'). body is JSON-encoded. */
export async function apiFetch<T = unknown>(ev: RequestEventBase, path: string, init: ApiInit = {}): Promise<ApiResult<T>> {
  return toResult<T>(await authed(ev, path, init))
}

/** Raw Response (for CSV downloads / streaming, and uploads passed through as `stream`). Same auth behaviour. */
export function apiRaw(ev: RequestEventBase, path: string, init: Pick<ApiInit, 'method' | 'tenantId' | 'query' | 'stream'> = {}): Promise<Response> {
  return authed(ev, path, init)
}
