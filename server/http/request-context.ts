// Request ids (accepted from X-Request-ID or generated, always echoed) and
// one structured access-log line per request, carrying that id.
import { Elysia } from 'elysia'
import type { Logger } from '../logger.ts'
import type { ServiceMetrics } from '../infra/metrics.ts'

export interface RequestInfo { id: string; start: number; errorStatus?: number }
const infos = new WeakMap<Request, RequestInfo>()
const VALID_ID = /^[\w.:-]{1,128}$/

export const requestInfo = (req: Request) => infos.get(req)
/** The path of an absolute URL without parsing it (this runs on every request). */
export const pathOf = (url: string) => { const start = url.indexOf('/', url.indexOf('//') + 2); const q = url.indexOf('?', start); return start < 0 ? '/' : url.slice(start, q < 0 ? undefined : q) }

/** Routes whose path carries a shopper's id (personal data): logged by their pattern, so that erasing a shopper does not write their id into the logs. */
const LOGGED_BY_PATTERN = new Set(['/api/v1/users/:userId'])

export function requestContext(log: Logger, metrics?: ServiceMetrics) {
  // Each (route, method, status) label set bound once: every request observes one.
  // Route patterns, not paths: label values stay few.
  // Looked up by parts, not by a joined string: a new string is hashed in full on every lookup.
  const series = new Map<string, Map<string, Map<number, { observe(ms: number): void }>>>()
  const seriesOf = (route: string, method: string, status: number) => {
    let byMethod = series.get(route)
    if (!byMethod) series.set(route, (byMethod = new Map()))
    let byStatus = byMethod.get(method)
    if (!byStatus) byMethod.set(method, (byStatus = new Map()))
    let s = byStatus.get(status)
    if (!s) byStatus.set(status, (s = metrics!.httpDuration.labels({ method, route, status: String(status) })))
    return s
  }
  const logsRequests = log.enabled('info')
  return new Elysia({ name: 'request-context' })
    .onRequest(({ request, set }) => {
      const given = request.headers.get('x-request-id')
      const id = given && VALID_ID.test(given) ? given : crypto.randomUUID()
      infos.set(request, { id, start: performance.now() })
      set.headers['x-request-id'] = id
    })
    // Server-side time of the handler, for clients and benchmarks (Server-Timing: app;dur=ms).
    .onAfterHandle({ as: 'global' }, ({ request, set }) => {
      const info = infos.get(request)
      if (info) set.headers['server-timing'] = `app;dur=${(performance.now() - info.start).toFixed(2)}`
    })
    .onAfterResponse({ as: 'global' }, ({ request, set, route }) => {
      const info = infos.get(request)
      if (!info) return
      const status = info.errorStatus ?? (typeof set.status === 'number' ? set.status : 200)
      const ms = performance.now() - info.start
      if (metrics) seriesOf(route || 'unmatched', request.method, status).observe(ms)
      if (logsRequests) log.info('request', { requestId: info.id, method: request.method, path: route && LOGGED_BY_PATTERN.has(route) ? route : pathOf(request.url), status, durationMs: Math.round(ms * 100) / 100 })
    })
}
