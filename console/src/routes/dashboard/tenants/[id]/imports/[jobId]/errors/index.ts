// GET …/imports/:jobId/errors: an import's error report (line, column, message),
// the API's GET /imports/:id/errors.csv streamed with the admin's session.
import type { RequestHandler } from '@builder.io/qwik-city'
import { apiRaw } from '../../../../../../../lib/api'

export const onGet: RequestHandler = async (ev) => {
  const res = await apiRaw(ev, `/api/v1/imports/${encodeURIComponent(ev.params.jobId)}/errors.csv`, { tenantId: ev.params.id })
  ev.send(new Response(res.body, {
    status: res.status,
    headers: {
      'content-type': res.headers.get('content-type') ?? (res.ok ? 'text/csv; charset=utf-8' : 'application/problem+json'),
      ...(res.ok ? { 'content-disposition': res.headers.get('content-disposition') ?? 'attachment; filename="import-errors.csv"' } : {}),
      'cache-control': 'no-store',
    },
  }))
}
