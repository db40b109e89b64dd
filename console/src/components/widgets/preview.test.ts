import { expect, test } from 'bun:test'
import { previewPage, previewTarget } from './preview.ts'

test('the preview page escapes the placement and loads the SDK through the tenant route', () => {
  const html = previewPage({ apiRoute: '/dashboard/tenants/t1/widgets/preview-api', placement: 'home"><script>alert(1)</script>', productId: 'p&1' })
  expect(html).not.toContain('<script>alert(1)')
  expect(html).toContain('data-recomengine-placement="home&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
  expect(html).toContain('data-product-id="p&amp;1"')
  expect(html).toContain('<script src="/dashboard/tenants/t1/widgets/preview-api/sdk/v1.js"')
  // Tracking is answered in the page, never forwarded.
  expect(html).toContain("u.pathname==='/api/v1/track'")
})

test('the preview route forwards only the SDK and its two reads', () => {
  expect(previewTarget('sdk/v1.js')).toEqual({ kind: 'sdk' })
  expect(previewTarget('api/v1/recommendations')).toEqual({ kind: 'api', path: '/api/v1/recommendations' })
  expect(previewTarget('api/v1/widgets/product%20page')).toEqual({ kind: 'api', path: '/api/v1/widgets/product%20page' })
  for (const p of ['api/v1/track', 'api/v1/events', 'api/v1/api-keys', 'api/v1/widgets/a/b', 'api/v1/tenants', '../sdk/v1.js']) expect(previewTarget(p)).toBeNull()
})
