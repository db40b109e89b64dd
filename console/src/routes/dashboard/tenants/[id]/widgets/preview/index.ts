// GET …/widgets/preview?placement=…: the page inside the widgets page's iframe
// (see components/widgets/preview.ts for how it runs the real SDK).
import type { RequestHandler } from '@builder.io/qwik-city'
import { previewPage } from '../../../../../../components/widgets/preview'

export const onGet: RequestHandler = async (ev) => {
  const placement = (ev.url.searchParams.get('placement') ?? '').trim().slice(0, 100) || 'home'
  const productId = (ev.url.searchParams.get('productId') ?? '').trim().slice(0, 256) || undefined
  ev.headers.set('cache-control', 'no-store')
  // Only the console itself may frame it. (Setting x-content-type-options here
  // tells entry.bun.tsx these security headers are chosen, so its DENY stays off.)
  ev.headers.set('x-frame-options', 'SAMEORIGIN')
  ev.headers.set('content-security-policy', "frame-ancestors 'self'")
  ev.headers.set('x-content-type-options', 'nosniff')
  ev.headers.set('referrer-policy', 'same-origin')
  ev.html(200, previewPage({ apiRoute: `/dashboard/tenants/${encodeURIComponent(ev.params.id)}/widgets/preview-api`, placement, productId }))
}
