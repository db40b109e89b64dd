// A cart page's list: what goes with the items in the cart. Bought-together partners
// first (co-purchase lift: the strongest sign two items complete each other), then the
// cart items' collaborative neighbours; never an item already in the cart.
import type { TenantModel, UserState } from '../types.ts'
import { shrunkLift } from './frequently-bought-together.ts'
import type { ModelIndex } from './model-index.ts'
import type { PairLists } from './pair-lists.ts'
import { type Candidate, better, chainScores } from './ranking.ts'

/** Items a cart holds at most, as the API bounds `cartProductIds`. */
export const CART_MAX_ITEMS = 50

/**
 * The shopper's current cart from their recent events (newest first): an item is in it
 * when its latest cart event is an add_to_cart, not a removal or a purchase. Newest first.
 */
export function cartOf(user: UserState): string[] {
  const decided = new Set<string>()
  const cart: string[] = []
  for (const e of user.recent) {
    if (e.eventType !== 'add_to_cart' && e.eventType !== 'remove_from_cart' && e.eventType !== 'purchase') continue
    if (decided.has(e.productId)) continue
    decided.add(e.productId)
    if (e.eventType === 'add_to_cart') cart.push(e.productId)
    if (cart.length >= CART_MAX_ITEMS) break
  }
  return cart
}

/**
 * Up to `limit` complements of the cart (catalog indexes, ascending: the sums below are
 * then the same whatever order the cart came in). Each candidate's score sums what every
 * cart item gives it; its reason names the cart item giving most. Marks what it picks in
 * `blocked`.
 */
export function cartComplements(model: TenantModel, index: ModelIndex, cart: readonly number[], blocked: Uint8Array, limit: number): Candidate[] {
  const partners = summed(model, index.boughtWith, cart, blocked, limit, shrunkLift)
  for (const c of partners) blocked[c.index] = 1
  const neighbours = summed(model, index.neighbors, cart, blocked, limit - partners.length, (similarity) => similarity)
  for (const c of neighbours) blocked[c.index] = 1
  // Each source ranked in its own units; neighbours come after every partner.
  return chainScores([partners, neighbours])
}

function summed(model: TenantModel, pairs: PairLists, cart: readonly number[], blocked: Uint8Array, limit: number, weight: (value: number, count: number) => number): Candidate[] {
  if (limit <= 0) return []
  const score = new Map<number, { total: number; best: number; from: number }>()
  for (const i of cart) {
    for (let p = pairs.start[i]!; p < pairs.start[i + 1]!; p++) {
      const other = pairs.item[p]!
      if (blocked[other]) continue
      const w = weight(pairs.value[p]!, pairs.count[p]!)
      if (!(w > 0)) continue
      const s = score.get(other)
      if (!s) score.set(other, { total: w, best: w, from: i })
      else { s.total += w; if (w > s.best) { s.best = w; s.from = i } }
    }
  }
  return [...score].sort(([a, x], [b, y]) => (better(x.total, a, y.total, b) ? -1 : 1)).slice(0, limit)
    .map(([i, s]) => ({ index: i, score: s.total, reason: `Goes with ${model.items[s.from]!.name} in your cart` }))
}
