// Which page a request is for decides what shapes its answer: the product in view
// (product_page), the cart (cart_page) or the shopper alone (homepage). Worked out from
// the request only, so the service can tell before serving whose answer it will be.
import type { Context, RecommendRequest } from './types.ts'

/** The request fields that say which page it is for. */
export type PageRequest = Pick<RecommendRequest, 'productId' | 'context' | 'cartProductIds'>

/**
 * cart_page when asked for (or when cart ids are given without a context); otherwise
 * product_page whenever a product is in view, as it anchors the lists; else homepage.
 */
export function pageOf(req: PageRequest): Context {
  if (req.context === 'cart_page' || (req.context === undefined && req.cartProductIds !== undefined)) return 'cart_page'
  return req.productId !== undefined ? 'product_page' : 'homepage'
}

/** A cart page without the cart's ids: the cart is read from the shopper's own events. */
export const cartFromProfile = (req: PageRequest): boolean => pageOf(req) === 'cart_page' && req.cartProductIds === undefined
