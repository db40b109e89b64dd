// Request ids (accepted from X-Request-ID or generated, always echoed) and
// one structured access-log line per request, carrying that id.
import { Elysia } from 'elysia'
import type { Logger } from '../logger.ts'

export interface RequestInfo { id: string; start: number; errorStatus?: number }
const infos = new WeakMap<Request, RequestInfo>()
const VALID_ID = /^[\w.:-]{1,128}$/

export const requestInfo = (req: Request) => infos.get(req)

export function requestContext(log: Logger) {
  return new Elysia({ name: 'request-context' })
    .onRequest(({ request, set }) => {
      const given = request.headers.get('x-request-id')
      const id = given && VALID_ID.test(given) ? given : crypto.randomUUID()
      infos.set(request, { id, start: performance.now() })
      set.headers['x-request-id'] = id
    })
    .derive({ as: 'global' }, ({ request }) => ({ requestId: infos.get(request)?.id ?? '' }))
    // Server-side time of the handler, for clients and benchmarks (Server-Timing: app;dur=ms).
    .onAfterHandle({ as: 'global' }, ({ request, set }) => {
      const info = infos.get(request)
      if (info) set.headers['server-timing'] = `app;dur=${(performance.now() - info.start).toFixed(2)}`
    })
    .onAfterResponse({ as: 'global' }, ({ request, set }) => {
      const info = infos.get(request)
      if (!info) return
      const status = info.errorStatus ?? (typeof set.status === 'number' ? set.status : 200)
      log.info('request', {
        requestId: info.id, method: request.method, path: new URL(request.url).pathname, status,
        durationMs: Math.round((performance.now() - info.start) * 100) / 100,
      })
    })
}
