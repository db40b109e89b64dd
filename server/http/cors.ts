// CORS for the browser SDK and widgets: shops call the API from their own origins.
// CORS headers are for browsers, and a browser's cross-origin request always says
// where it comes from (Origin), so only such requests get them: a request without
// one (a shop's backend, most of the API's traffic) carries just `Vary: Origin`,
// which keeps a shared cache from handing one kind of answer to the other. (Headers
// are a measurable part of a cached recommendation's cost: see BENCHMARKS.md.)
// No credentials: the API authenticates by key or bearer token, never by cookie, and
// the SDK sends `credentials: 'omit'`.
import { Elysia } from 'elysia'

export interface CorsOptions {
  /** '*' admits every origin; otherwise exact origins ("https://shop.example"), where '*' also admits all. */
  origins: '*' | string[]
  allowedHeaders: string[]
  exposeHeaders: string[]
  maxAgeSeconds: number
}

const METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS'

export function cors(o: CorsOptions) {
  const anyOrigin = o.origins === '*' || o.origins.includes('*')
  const listed = new Set(o.origins === '*' ? [] : o.origins)
  const admits = (origin: string) => anyOrigin || listed.has(origin)
  const expose = o.exposeHeaders.join(', '), allowHeaders = o.allowedHeaders.join(', '), maxAge = String(o.maxAgeSeconds)
  return new Elysia({ name: 'cors' }).onRequest(({ request, set }) => {
    const h = set.headers as Record<string, string>
    const origin = request.headers.get('origin')
    // A preflight is answered here, whatever the path: the browser asks before the real request.
    const preflight = request.method === 'OPTIONS' && request.headers.has('access-control-request-method')
    if (preflight) h.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'
    else h.vary = 'Origin'
    if (origin && admits(origin)) {
      h['access-control-allow-origin'] = origin
      if (preflight) {
        h['access-control-allow-methods'] = METHODS
        h['access-control-allow-headers'] = allowHeaders
        h['access-control-max-age'] = maxAge
      } else h['access-control-expose-headers'] = expose
    }
    // Refused origins get the 204 too, without an allow-origin: the browser then blocks the request.
    if (preflight) return new Response(null, { status: 204 })
  })
}
