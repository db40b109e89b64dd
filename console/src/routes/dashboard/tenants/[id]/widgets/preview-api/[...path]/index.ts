// The preview's way to the API: the SDK bundle (public) and the SDK's two reads
// (recommendations, widget settings) as the signed-in admin for this tenant.
// Everything else is 404, so this route grants nothing a console page does not.
import type { RequestHandler } from '@builder.io/qwik-city'
import { previewTarget } from '../../../../../../../components/widgets/preview'
import { apiRaw } from '../../../../../../../lib/api'
import { send } from '../../../../../../../lib/transport'

export const onGet: RequestHandler = async (ev) => {
  const target = previewTarget(ev.params.path ?? '')
  if (!target) {
    ev.send(new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } }))
    return
  }
  const res = target.kind === 'sdk'
    ? await send(ev, '/sdk/v1.js')
    : await apiRaw(ev, `${target.path}${ev.url.search}`, { tenantId: ev.params.id })
  ev.send(new Response(res.body, {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream', 'cache-control': 'no-store' },
  }))
}
