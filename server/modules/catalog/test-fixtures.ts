import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, type Res } from '../../test/harness.ts'

export const API = '/api/v1/catalog'
export const at = (productId: string) => `${API}/${encodeURIComponent(productId)}`
export const item = (productId: string, extra: object = {}) => ({ productId, name: `Product ${productId}`, ...extra })
export const ids = (r: Res) => r.body.data.map((x: { productId: string }) => x.productId)
export const fields = (r: Res) => expectProblem(r, 400).errors!.map((e) => e.field)
export { BACKENDS }

/** A test app whose clock strictly increases, so "newest-updated first" is deterministic. */
export function catalogApp(backend: (typeof BACKENDS)[number]) {
  let last = 0
  return testApp(backend, {}, () => new Date(last = Math.max(Date.now(), last + 1)))
}
