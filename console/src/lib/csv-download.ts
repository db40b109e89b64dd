// The console's CSV downloads (the tenant's analytics page and the embedded one) pass the API's answer on:
// a problem as it is (403/404 for a tenant that is not the caller's), a CSV streamed with its file name.
import type { RequestEvent } from '@builder.io/qwik-city'

export function passCsvOn(ev: RequestEvent, res: Response, fallbackName: string) {
  if (!res.ok) {
    ev.send(new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/problem+json' } }))
    return
  }
  ev.send(new Response(res.body, {
    status: 200,
    headers: {
      'content-type': res.headers.get('content-type') ?? 'text/csv; charset=utf-8',
      'content-disposition': res.headers.get('content-disposition') ?? `attachment; filename="${fallbackName}"`,
      'cache-control': 'no-store',
    },
  }))
}
