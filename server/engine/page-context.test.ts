// The page a list is for shapes it: a product page around the product (item-anchored
// collaborative), a cart page around the cart (its complements, never its items), the
// homepage around the shopper. Checked on a seeded store with planted co-views and co-purchases.
import { describe, expect, test } from 'bun:test'
import { makeItem, mulberry32 } from '../../scripts/eval/synthetic.ts'
import { buildModel } from './build.ts'
import { pageOf } from './page-context.ts'
import { fitsShopper, recommend, sameForEveryShopper } from './recommend.ts'
import { cartOf } from './strategies/cart.ts'
import { modelIndex } from './strategies/model-index.ts'
import type { EventType, Interaction, RecommendRequest, RecommendResult, StrategyName, UserState } from './types.ts'

const NOW = Date.UTC(2026, 5, 1, 12)
const H = 3_600_000
const D = 24 * H
const ITEMS = 40
const id = (i: number) => `p-${i}`
const catalog = Array.from({ length: ITEMS }, (_, i) => makeItem(id(i), { name: `Product ${i}`, category: `c${i % 4}`, description: `thing number ${i}` }))
/** Viewed together by 20 shoppers each (and bought by nobody). */
const COVIEWED: [string, string][] = [[id(0), id(1)], [id(2), id(3)], [id(4), id(5)]]
/** Bought together in 15 orders each (with a random third item). */
const COBOUGHT: [string, string][] = [[id(10), id(11)], [id(12), id(13)]]

function interactions(): Interaction[] {
  const rand = mulberry32(11)
  const pick = () => id(20 + Math.floor(rand() * 20)) // the background never touches the planted items
  const xs: Interaction[] = []
  const ev = (userId: string, productId: string, eventType: EventType, ago: number, orderId?: string) =>
    xs.push({ userId, productId, eventType, ts: NOW - ago, ...(orderId ? { orderId } : {}) })
  COVIEWED.forEach(([a, b], k) => {
    for (let u = 0; u < 20; u++) { ev(`viewer-${k}-${u}`, a, 'product_viewed', (u + 1) * H); ev(`viewer-${k}-${u}`, b, 'product_viewed', (u + 1) * H - 60_000) }
  })
  COBOUGHT.forEach(([a, b], k) => {
    for (let o = 0; o < 15; o++) {
      const order = `order-${k}-${o}`
      ev(`buyer-${k}-${o}`, a, 'purchase', (o + 2) * D, order); ev(`buyer-${k}-${o}`, b, 'purchase', (o + 2) * D, order); ev(`buyer-${k}-${o}`, pick(), 'purchase', (o + 2) * D, order)
    }
  })
  for (let u = 0; u < 200; u++) for (let k = 0; k < 3; k++) ev(`browser-${u}`, pick(), 'product_viewed', Math.floor(rand() * 20 * D))
  return xs
}

const model = buildModel({ items: catalog, interactions: interactions(), now: NOW, weights: {}, halfLifeDays: 30 })
const anonymous: UserState = { recent: [], purchased: [], eventCount: 0 }
const shopper = (recent: [string, EventType][], total = recent.length): UserState =>
  ({ recent: recent.map(([productId, eventType], k) => ({ productId, eventType, ts: NOW - k * 60_000 })), purchased: recent.filter(([, e]) => e === 'purchase').map(([p]) => p), eventCount: total })
const ask = (strategy: StrategyName, more: Partial<RecommendRequest> = {}): RecommendRequest => ({ strategy, limit: 5, excludePurchased: true, ...more })
const ids = (r: RecommendResult) => r.items.map((x) => x.productId)
/** A shopper with a history of their own (past cold start) around the second co-viewed pair. */
const regular = shopper([[id(2), 'product_viewed'], [id(2), 'product_viewed'], [id(3), 'product_viewed'], [id(2), 'add_to_cart'], [id(3), 'product_viewed'], [id(2), 'product_viewed']])

describe('which page a request is for', () => {
  test('cart_page when asked (or when cart ids come alone); product_page whenever a product is in view; else homepage', () => {
    expect(pageOf({})).toBe('homepage')
    expect(pageOf({ context: 'homepage' })).toBe('homepage')
    expect(pageOf({ context: 'product_page' })).toBe('homepage') // no product: nothing anchors it
    expect(pageOf({ productId: 'x' })).toBe('product_page')
    expect(pageOf({ context: 'homepage', productId: 'x' })).toBe('product_page')
    expect(pageOf({ context: 'cart_page', productId: 'x' })).toBe('cart_page')
    expect(pageOf({ context: 'cart_page' })).toBe('cart_page')
    expect(pageOf({ cartProductIds: ['a'] })).toBe('cart_page')
  })

  test('every answer says which it was shaped by', () => {
    expect(recommend(model, regular, ask('collaborative')).context).toBe('homepage')
    expect(recommend(model, regular, ask('collaborative', { productId: id(0) })).context).toBe('product_page')
    expect(recommend(model, anonymous, ask('trending', { context: 'cart_page', cartProductIds: [id(10)] })).context).toBe('cart_page')
    expect(recommend(model, anonymous, ask('trending', { limit: 0, productId: id(0) })).context).toBe('product_page')
  })
})

describe('product page: collaborative around the product', () => {
  test('the planted co-viewed partner comes first, named after the product in view', () => {
    for (const [a, b] of COVIEWED) {
      const r = recommend(model, anonymous, ask('collaborative', { productId: a }))
      expect(r).toMatchObject({ strategy: 'collaborative', context: 'product_page' })
      expect(r.items[0]).toMatchObject({ productId: b, reason: `Shoppers who viewed ${model.items[Number(a.slice(2))]!.name} also viewed` })
      expect(ids(r)).not.toContain(a)
      // Both directions: the partner's page leads back.
      expect(ids(recommend(model, anonymous, ask('collaborative', { productId: b })))[0]).toBe(a)
    }
  })

  test("personalised by the shopper's history, the product still leading", () => {
    const plain = recommend(model, anonymous, ask('collaborative', { productId: id(0) }))
    const mine = recommend(model, regular, ask('collaborative', { productId: id(0) }))
    expect(mine.items[0]!.productId).toBe(id(1)) // the anchor's partner leads
    // Their history's neighbour joins, with its own reason; nobody without that history gets it.
    const fromHistory = mine.items.find((x) => x.productId === id(3))
    expect(fromHistory?.reason).toBe('Because you added Product 2 to your cart')
    expect(ids(plain)).not.toContain(id(3))
  })

  test('without a history of their own, every shopper gets the same anchored list (the service shares it)', () => {
    const cold = shopper([[id(7), 'product_viewed'], [id(0), 'product_viewed']])
    expect(sameForEveryShopper('collaborative', { productId: id(0) }, cold)).toBe(true)
    expect(sameForEveryShopper('collaborative', { productId: id(0) }, regular)).toBe(false)
    expect(recommend(model, cold, ask('collaborative', { productId: id(0) }))).toEqual(recommend(model, anonymous, ask('collaborative', { productId: id(0) })))
  })

  test('a product the model does not know anchors nothing: the shopper\'s own list, or the fallback when cold', () => {
    const mine = recommend(model, regular, ask('collaborative', { productId: 'new-product' }))
    expect(mine).toMatchObject({ strategy: 'collaborative', context: 'product_page' })
    expect(mine.items[0]!.reason).toStartWith('Because you')
    expect(recommend(model, anonymous, ask('collaborative', { productId: 'new-product' })).strategy).toBe('trending_fallback')
  })
})

describe('cart page: what goes with the cart', () => {
  test('the planted co-purchase partner of each cart item, named after it', () => {
    for (const [a, b] of COBOUGHT) {
      for (const strategy of ['collaborative', 'frequently_bought_together'] as const) {
        const r = recommend(model, anonymous, ask(strategy, { context: 'cart_page', cartProductIds: [a] }))
        expect(r).toMatchObject({ strategy, context: 'cart_page' })
        expect(r.items[0]).toMatchObject({ productId: b, reason: `Goes with Product ${a.slice(2)} in your cart` })
      }
    }
    const both = recommend(model, anonymous, ask('collaborative', { context: 'cart_page', cartProductIds: [id(10), id(12)] }))
    expect(ids(both).slice(0, 2).sort()).toEqual([id(11), id(13)])
  })

  test('co-purchases first, then collaborative neighbours of the cart', () => {
    // The cart holds an item bought with another and an item viewed with another.
    const r = recommend(model, anonymous, ask('collaborative', { context: 'cart_page', cartProductIds: [id(0), id(10)], limit: 10 }))
    expect(r.items[0]!.productId).toBe(id(11))
    const viewed = r.items.findIndex((x) => x.productId === id(1))
    expect(viewed).toBeGreaterThan(0)
    expect(r.items[viewed]!.reason).toBe('Goes with Product 0 in your cart')
    expect(r.padded).toBe(0)
  })

  test('never an item already in the cart, whatever the strategy, cart or shopper', () => {
    const rand = mulberry32(5)
    let checked = 0
    for (let n = 0; n < 60; n++) {
      const cart = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => id(Math.floor(rand() * ITEMS)))
      const productId = n % 3 === 0 ? id(Math.floor(rand() * ITEMS)) : undefined
      for (const strategy of ['collaborative', 'content_based', 'trending', 'frequently_bought_together'] as const) {
        for (const user of [anonymous, regular]) {
          const r = recommend(model, user, ask(strategy, { context: 'cart_page', cartProductIds: cart, productId, limit: 20 }))
          expect(r.items.length).toBe(20) // full lists: the rule is not met by answering little
          for (const p of [...cart, ...(productId ? [productId] : [])]) expect(ids(r)).not.toContain(p)
          checked++
        }
      }
    }
    expect(checked).toBe(480)
  })

  test("absent cart ids, the cart is the shopper's: added, not since removed or bought", () => {
    const user = shopper([[id(10), 'remove_from_cart'], [id(12), 'add_to_cart'], [id(30), 'purchase'], [id(10), 'add_to_cart'], [id(30), 'add_to_cart'], [id(21), 'add_to_cart']])
    expect(cartOf(user)).toEqual([id(12), id(21)])
    const r = recommend(model, user, ask('frequently_bought_together', { context: 'cart_page', limit: 20 }))
    expect(r.items[0]).toMatchObject({ productId: id(13), reason: 'Goes with Product 12 in your cart' })
    expect(ids(r)).not.toContain(id(12))
    expect(ids(r)).not.toContain(id(21))
    expect(ids(r)).toContain(id(10)) // taken out of the cart again
    // An empty cart has nothing to complement: the fallback.
    expect(recommend(model, anonymous, ask('collaborative', { context: 'cart_page' }))).toMatchObject({ strategy: 'trending_fallback', context: 'cart_page' })
  })

  test('the order of the cart does not matter', () => {
    const cart = [id(0), id(10), id(12), id(25)]
    const r = recommend(model, anonymous, ask('collaborative', { context: 'cart_page', cartProductIds: cart, limit: 20 }))
    expect(recommend(model, anonymous, ask('collaborative', { context: 'cart_page', cartProductIds: [...cart].reverse(), limit: 20 }))).toEqual(r)
  })

  test("a given cart's complements are the same for every shopper; a cart read from the shopper's events is theirs alone", () => {
    const cart = [id(10), id(2)]
    const req = ask('collaborative', { context: 'cart_page', cartProductIds: cart, limit: 10 })
    expect(sameForEveryShopper('collaborative', req, regular)).toBe(true)
    expect(sameForEveryShopper('frequently_bought_together', req, regular)).toBe(true)
    expect(sameForEveryShopper('content_based', req, regular)).toBe(false) // similar to their history, the cart left out
    const shared = recommend(model, anonymous, req)
    expect(fitsShopper(model, regular, true, shared.items.map((x) => modelIndex(model).byId.get(x.productId)!))).toBe(true)
    expect(recommend(model, regular, req)).toEqual(shared)
    const cold = shopper([[id(12), 'add_to_cart']])
    for (const strategy of ['collaborative', 'trending'] as const) expect(sameForEveryShopper(strategy, { context: 'cart_page' }, cold)).toBe(false)
  })
})
