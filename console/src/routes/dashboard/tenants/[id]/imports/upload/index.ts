// POST …/imports/upload?type=…&format=…: the page's upload (a multipart body:
// `file` and `mapping`), passed through to the API's POST /api/v1/imports as it
// streams in, with the admin's session; the API's answer (202 or a problem) as it is.
import type { RequestHandler } from '@builder.io/qwik-city'
import { apiRaw } from '../../../../../../lib/api'

/** The query parameters the API's POST /imports takes; nothing else is passed on. */
const PASSED = ['type', 'format', 'eventType', 'replace'] as const

export const onPost: RequestHandler = async (ev) => {
  const query: Record<string, string> = {}
  for (const k of PASSED) { const v = ev.url.searchParams.get(k); if (v !== null) query[k] = v }
  const res = await apiRaw(ev, '/api/v1/imports', {
    method: 'POST', tenantId: ev.params.id, query,
    stream: { body: ev.request.body, contentType: ev.request.headers.get('content-type') ?? 'application/octet-stream' },
  })
  ev.send(new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' } }))
}
