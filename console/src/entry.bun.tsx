// The console as a fetch handler for Bun: server/main.ts imports the built
// bundle (console/server/entry.bun.js), hands over the API's in-process
// handler and serves the returned fetch on CONSOLE_PORT.
import { createQwikCity } from '@builder.io/qwik-city/middleware/bun'
import qwikCityPlan from '@qwik-city-plan'
import { fileURLToPath } from 'node:url'
import { setApiHandler, type ApiHandler } from './lib/transport'
import { crossOriginRefusal, isCrossOriginWrite } from './lib/origin'
import render from './entry.ssr'

export interface ConsoleOptions {
  /** The API in-process (app.handle); without it the console calls API_URL over HTTP. */
  api?: ApiHandler
  /** The public origin (CONSOLE_URL) when a proxy in front changes the Host; else taken from each request. */
  origin?: string
}

/** Builds the console's request handler. `clientIp` is the caller's address, for sign-in throttling. */
export function createConsoleHandler(opts: ConsoleOptions = {}) {
  setApiHandler(opts.api)
  const ips = new WeakMap<Request, string>()
  const { router, notFound, staticFile } = createQwikCity({
    render,
    qwikCityPlan,
    // CSRF (NFR-012): every form POST must come from this origin; 'lax-proto'
    // still compares host and port but lets a TLS-terminating proxy in front.
    checkOrigin: 'lax-proto',
    getClientConn: (req) => ({ ip: ips.get(req) }),
    // Built assets carry content hashes in their names.
    static: { root: fileURLToPath(new URL('../dist', import.meta.url)), cacheControl: 'public, max-age=31536000, immutable' },
  })
  return async function fetchConsole(incoming: Request, clientIp?: string): Promise<Response> {
    // The request handler takes its origin (CSRF check, cookie Secure flag) from request.url, so a
    // configured public origin goes into the URL itself.
    let req = incoming
    if (opts.origin) {
      const u = new URL(incoming.url)
      req = new Request(new URL(u.pathname + u.search, opts.origin), incoming)
    }
    // Qwik City's checkOrigin covers form posts only; JSON writes (actions, server$, endpoints) are checked here.
    const own = new URL(req.url).origin
    const origin = req.headers.get('origin')
    if (isCrossOriginWrite(req.method, origin, own)) return crossOriginRefusal(origin, own)
    if (clientIp) ips.set(req, clientIp)
    const file = await staticFile(req)
    if (file) return file
    const page = await router(req)
    const res = page?.body ? new Response(shieldFromDisconnect(page.body), page) : (page ?? (await notFound(req)))
    if (!res.headers.has('x-content-type-options')) {
      try {
        res.headers.set('x-content-type-options', 'nosniff')
        // No console page is framed, unless it names who may frame it itself (the embedded pages: the
        // tenant's allowed origins; the widget preview: the console). X-Frame-Options for older browsers.
        const csp = res.headers.get('content-security-policy')
        if (!csp) res.headers.set('content-security-policy', "frame-ancestors 'none'")
        if (!csp || csp.includes("frame-ancestors 'none'")) res.headers.set('x-frame-options', 'DENY')
        if (!res.headers.has('referrer-policy')) res.headers.set('referrer-policy', 'same-origin')
      } catch { /* immutable headers (a static file): leave them */ }
    }
    return res
  }
}

/** Passes a rendered page through, but when the browser goes away mid-stream (navigated on,
 *  closed the tab) reads the render to its end instead of cancelling it: a cancelled render
 *  rejects deep inside the SSR writer with no one to catch it. */
function shieldFromDisconnect(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) { controller.error(error) }
    },
    async cancel() {
      try { while (!(await reader.read()).done) { /* discard */ } } catch { /* the render failed: nothing to send anyway */ }
    },
  })
}
