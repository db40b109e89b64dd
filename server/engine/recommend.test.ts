import { beforeAll, describe, expect, test } from 'bun:test'
import { ensureKernels } from '../../scripts/build-kernels.ts'
import { makeItem, syntheticStore, userStateOf } from '../../scripts/eval/synthetic.ts'
import { jsKernels, type Kernels, loadKernels } from '../kernels/load.ts'
import { buildModel } from './build.ts'
import { fitsShopper, recommend, sameForEveryShopper } from './recommend.ts'
import { similarToItem } from './strategies/content-based.ts'
import { availabilityChanged, compactForServing, modelIndex } from './strategies/model-index.ts'
import { DEFAULT_EVENT_WEIGHTS } from './strategies/weights.ts'
import type { EventType, Interaction, RecommendRequest, RecommendResult, StrategyName, TenantModel, UserState } from './types.ts'

const NOW = Date.UTC(2026, 5, 1, 12)
const S = 1000
const H = 3_600_000
const D = 24 * H

// A small store: shoes browsed together, a grinder bought with beans, a jacket trending.
const catalog = [
  makeItem('trail-runner', { name: 'Trail Runner X', description: 'Lightweight trail running shoe with aggressive grip', category: 'Shoes', price: 120 }),
  makeItem('road-runner', { name: 'Road Runner', description: 'Lightweight cushioned running shoe', category: 'Shoes', price: 110 }),
  makeItem('hiking-boot', { name: 'Hiking Boot', description: 'Waterproof leather boot with grip', category: 'Shoes', price: 150 }),
  makeItem('socks', { name: 'Running Socks', description: 'Breathable socks', category: 'Shoes', price: 12 }),
  makeItem('sold-out', { name: 'Trail Runner X Limited', description: 'Lightweight trail running shoe with aggressive grip', category: 'Shoes', price: 125, available: false }),
  makeItem('rain-jacket', { name: 'Rain Jacket', description: 'Waterproof hooded jacket', category: 'Jackets', price: 90 }),
  makeItem('storm-shell', { name: 'Storm Shell', description: 'Waterproof hooded shell jacket, breathable', category: 'Jackets', price: 95 }),
  makeItem('grinder', { name: 'Espresso Grinder Y', description: 'Burr grinder for espresso', category: 'Coffee', price: 200 }),
  makeItem('beans', { name: 'Espresso Beans', description: 'Dark roast beans', category: 'Coffee', price: 15 }),
  makeItem('milk-jug', { name: 'Milk Jug', description: 'Steel jug for latte art', category: 'Coffee', price: 12 }),
  makeItem('lonely', { name: 'Zither', description: null, category: null, price: null }),
]

function interactions(): Interaction[] {
  const xs: Interaction[] = []
  const ev = (userId: string, productId: string, eventType: EventType, ago: number, orderId?: string): void => {
    xs.push({ userId, productId, eventType, ts: NOW - ago, ...(orderId ? { orderId } : {}) })
  }
  for (let u = 0; u < 6; u++) {
    ev(`runner-${u}`, 'trail-runner', 'product_viewed', 3 * D + u * H)
    ev(`runner-${u}`, 'road-runner', 'product_viewed', 3 * D + u * H - 60 * S)
    ev(`runner-${u}`, 'socks', 'product_viewed', 3 * D + u * H - 120 * S)
    ev(`runner-${u}`, 'sold-out', 'product_viewed', 3 * D + u * H - 180 * S)
  }
  for (let o = 0; o < 5; o++) {
    ev(`barista-${o}`, 'grinder', 'purchase', 5 * D + o * H, `order-${o}`)
    ev(`barista-${o}`, 'beans', 'purchase', 5 * D + o * H, `order-${o}`)
  }
  ev('latte', 'grinder', 'purchase', 6 * D, 'order-jug')
  ev('latte', 'milk-jug', 'purchase', 6 * D, 'order-jug')
  for (let k = 0; k < 12; k++) ev(`browser-${k}`, 'storm-shell', 'product_viewed', k * H)
  for (let day = 2; day < 12; day++) ev(`walker-${day}`, 'rain-jacket', 'product_viewed', day * D)
  return xs
}

const model = buildModel({ items: catalog, interactions: interactions(), now: NOW, weights: {}, halfLifeDays: 30 })

const anonymous: UserState = { recent: [], purchased: [], eventCount: 0 }
/** A shopper whose events are `recent` (newest first) and who has `total` events in all. */
const shopper = (recent: [string, EventType, number][], total = recent.length, purchased: string[] = []): UserState =>
  ({ recent: recent.map(([productId, eventType, ago]) => ({ productId, eventType, ts: NOW - ago })), purchased, eventCount: total })
const ask = (strategy: StrategyName, more: Partial<RecommendRequest> = {}): RecommendRequest => ({ strategy, limit: 5, excludePurchased: true, ...more })
const productIds = (r: RecommendResult): string[] => r.items.map((x) => x.productId)

// Seconds-old events count: this shopper's history is one view just now.
const runnerFan = shopper([['trail-runner', 'product_viewed', 5 * S], ['rain-jacket', 'recommendation_impressed', 10 * S], ['rain-jacket', 'recommendation_impressed', 20 * S], ['rain-jacket', 'recommendation_impressed', 30 * S], ['rain-jacket', 'recommendation_impressed', 40 * S]])

let wasm: Kernels
beforeAll(async () => {
  await ensureKernels()
  wasm = await loadKernels()
}, 60_000)

describe('collaborative', () => {
  test('items co-engaged with the shopper’s recent history, naming the item behind each', () => {
    const r = recommend(model, runnerFan, ask('collaborative'))
    expect(r.strategy).toBe('collaborative')
    expect(productIds(r).slice(0, 2).sort()).toEqual(['road-runner', 'socks'])
    expect(r.items[0]!.reason).toBe('Because you viewed Trail Runner X')
  })

  test('the reason says what the shopper did with the item', () => {
    const bought = shopper([['trail-runner', 'purchase', H], ['trail-runner', 'product_viewed', 2 * H], ['beans', 'product_viewed', 3 * H], ['beans', 'product_viewed', 4 * H], ['beans', 'product_viewed', 5 * H]])
    const r = recommend(model, bought, ask('collaborative', { excludePurchased: false }))
    expect(r.items[0]!.reason).toBe('Because you bought Trail Runner X')
    const carted = shopper([['grinder', 'add_to_cart', H], ...Array.from({ length: 4 }, () => ['lonely', 'product_viewed', H] as [string, EventType, number])])
    expect(recommend(model, carted, ask('collaborative')).items[0]).toMatchObject({ productId: 'beans', reason: 'Because you added Espresso Grinder Y to your cart' })
  })

  test("a shopper's history follows the tenant's event weights and intent half-life", () => {
    // Bought the grinder two months ago, viewed the trail runner just now.
    const both = shopper([['trail-runner', 'product_viewed', H], ...Array.from({ length: 3 }, () => ['lonely', 'product_viewed', 2 * H] as [string, EventType, number]), ['grinder', 'purchase', 60 * D]])
    const top = (more: Partial<RecommendRequest>) => recommend(model, both, ask('collaborative', { excludePurchased: false, ...more })).items[0]!.reason
    expect(top({})).toBe('Because you viewed Trail Runner X') // 8 × 2^-60/7 < 1
    expect(top({ intentHalfLifeDays: 0 })).toBe('Because you bought Espresso Grinder Y') // nothing fades: 8 > 1
    const viewsOnly = { ...DEFAULT_EVENT_WEIGHTS, purchase: 0 }
    expect(top({ intentHalfLifeDays: 0, eventWeights: viewsOnly })).toBe('Because you viewed Trail Runner X')
    expect(recommend(model, both, ask('collaborative', { eventWeights: { ...viewsOnly, product_viewed: 0 } })).strategy).toBe('trending_fallback')
    // Histories are kept per shopper state and settings: back to the first settings, the first answer.
    expect(top({})).toBe('Because you viewed Trail Runner X')
    expect(top({ intentHalfLifeDays: 0 })).toBe('Because you bought Espresso Grinder Y')
  })

  test('where nothing fades, purchases older than the recent events count too', () => {
    // The profile's newest events say nothing; the grinder was bought before them.
    const loyal = shopper(Array.from({ length: 5 }, () => ['lonely', 'product_viewed', H] as [string, EventType, number]), 400, ['grinder'])
    expect(recommend(model, loyal, ask('collaborative')).strategy).toBe('trending_fallback')
    expect(recommend(model, loyal, ask('collaborative', { intentHalfLifeDays: 0 })).items[0]).toMatchObject({ productId: 'beans', reason: 'Because you bought Espresso Grinder Y' })
  })

  test('the newest event changes the answer at once', () => {
    expect(productIds(recommend(model, runnerFan, ask('collaborative', { limit: 2 })))).not.toContain('beans')
    const coffee = shopper([['grinder', 'product_viewed', 2 * S], ...runnerFan.recent.map((e) => [e.productId, e.eventType, NOW - e.ts] as [string, EventType, number])])
    expect(recommend(model, coffee, ask('collaborative', { limit: 3 })).items).toContainEqual(expect.objectContaining({ productId: 'beans', reason: 'Because you viewed Espresso Grinder Y' }))
  })
})

describe('content_based', () => {
  test('with a product: similar items, same category first, with what they share', () => {
    const r = recommend(model, anonymous, ask('content_based', { productId: 'trail-runner' }))
    expect(r.strategy).toBe('content_based')
    expect(productIds(r).slice(0, 2)).toEqual(['road-runner', 'hiking-boot'])
    expect(r.items[0]!.reason).toMatch(/^Similar to Trail Runner X: same category, shares '[a-z, ]+'/)
    expect(r.items[0]!.reason).toContain('lightweight')
  })

  test('price proximity breaks near-ties in favour of the closer price', () => {
    const twins = [
      makeItem('q', { name: 'Quartz Lamp', category: 'Lamps', price: 100 }),
      makeItem('near', { name: 'Quartz Lamp', category: 'Lamps', price: 110 }),
      makeItem('far', { name: 'Quartz Lamp', category: 'Lamps', price: 900 }),
    ]
    const m = buildModel({ items: twins, interactions: [], now: NOW, weights: {}, halfLifeDays: 30 })
    const r = recommend(m, anonymous, ask('content_based', { productId: 'q' }))
    expect(productIds(r)).toEqual(['near', 'far'])
    expect(r.items[0]!.reason).toBe("Similar to Quartz Lamp: same category, shares 'lamp, quartz', similar price")
  })

  test('without a product: items like the shopper’s recent ones, never those themselves', () => {
    const r = recommend(model, shopper([['storm-shell', 'product_viewed', 5 * S], ...Array.from({ length: 4 }, () => ['lonely', 'product_viewed', H] as [string, EventType, number])]), ask('content_based'))
    expect(r.strategy).toBe('content_based')
    expect(productIds(r)[0]).toBe('rain-jacket')
    expect(productIds(r).slice(0, r.items.length - r.padded)).not.toContain('storm-shell')
    expect(r.items[0]!.reason).toMatch(/^Similar to Storm Shell, which you viewed: same category, shares '/)
  })

  test('WebAssembly and TypeScript kernels give the same scores (1e-5)', () => {
    const { input } = syntheticStore()
    const m = buildModel(input)
    const index = modelIndex(m)
    const none = new Uint8Array(m.items.length)
    for (let item = 0; item < m.items.length; item += 7) {
      const a = similarToItem(m, index, item, none, 20, wasm)
      const b = similarToItem(m, index, item, none, 20, jsKernels())
      const scoreOf = new Map(b.map((c) => [c.index, c.score]))
      for (const c of a.slice(0, 15)) expect(Math.abs(c.score - (scoreOf.get(c.index) ?? -1))).toBeLessThan(1e-5)
    }
    expect(wasm.backend).toBe('wasm')
  })
})

describe('trending', () => {
  test('highest velocity first, with the 24 h count', () => {
    const r = recommend(model, anonymous, ask('trending'))
    expect(r.strategy).toBe('trending')
    expect(r.items[0]).toMatchObject({ productId: 'storm-shell', score: 1, reason: 'Trending: 12 interactions in the last 24 h' })
  })
})

describe('frequently_bought_together', () => {
  test('by lift, with the orders behind it; one shared order is not enough', () => {
    const r = recommend(model, anonymous, ask('frequently_bought_together', { productId: 'grinder', limit: 1 }))
    expect(r).toEqual({ strategy: 'frequently_bought_together', padded: 0, context: 'product_page', items: [expect.objectContaining({ productId: 'beans', score: 1, reason: 'Often bought with Espresso Grinder Y (5 orders)' })] })
  })

  test('without a product it is the fallback', () => {
    expect(recommend(model, anonymous, ask('frequently_bought_together')).strategy).toBe('trending_fallback')
  })
})

describe('cold start', () => {
  const history = (n: number): UserState => shopper(Array.from({ length: n }, (_, k) => ['trail-runner', 'product_viewed', k * S] as [string, EventType, number]))

  test('fewer than 5 events: trending_fallback for history strategies; 5 runs them', () => {
    for (const strategy of ['collaborative', 'content_based'] as const) {
      expect(recommend(model, history(4), ask(strategy)).strategy).toBe('trending_fallback')
      expect(recommend(model, history(5), ask(strategy)).strategy).toBe(strategy)
    }
  })

  test('it counts the profile’s events, not the recent list', () => {
    expect(recommend(model, shopper(runnerFan.recent.slice(0, 1).map((e) => [e.productId, e.eventType, NOW - e.ts]), 5), ask('collaborative')).strategy).toBe('collaborative')
  })

  test('with a product nobody engaged with alongside others: category_popular, popular items of that category first', () => {
    // (A product with neighbours anchors the list instead: page-context.test.ts.)
    const r = recommend(model, history(4), ask('collaborative', { productId: 'rain-jacket' }))
    expect(r.strategy).toBe('category_popular')
    expect(r.padded).toBe(0)
    expect(r.items[0]).toMatchObject({ productId: 'storm-shell', reason: 'Popular in Jackets' })
    expect(productIds(r)).not.toContain('rain-jacket')
  })

  test('the fallback is trending, then popular', () => {
    const r = recommend(model, anonymous, ask('collaborative', { limit: 3 }))
    expect(r.strategy).toBe('trending_fallback')
    expect(r.items.map((x) => x.reason)).toEqual(['Trending: 12 interactions in the last 24 h', 'Popular right now', 'Popular right now'])
  })

  test('strategies that need no history serve anonymous shoppers as asked', () => {
    expect(recommend(model, anonymous, ask('trending')).strategy).toBe('trending')
    expect(recommend(model, anonymous, ask('frequently_bought_together', { productId: 'grinder' })).strategy).toBe('frequently_bought_together')
    expect(recommend(model, anonymous, ask('content_based', { productId: 'grinder' })).strategy).toBe('content_based')
  })
})

describe('padding and fallbacks', () => {
  test('a short list is padded from the fallback, and says why', () => {
    const r = recommend(model, anonymous, ask('frequently_bought_together', { productId: 'grinder', limit: 4 }))
    expect(r.strategy).toBe('frequently_bought_together')
    expect(r.items).toHaveLength(4)
    expect(r.padded).toBe(3)
    expect(r.items[0]!.productId).toBe('beans')
    expect(r.items[1]!.reason).toBe('Popular in Coffee (added because too few items are often bought with Espresso Grinder Y)')
    expect(r.items.slice(1).every((x) => x.reason.endsWith('(added because too few items are often bought with Espresso Grinder Y)'))).toBe(true)
    expect(r.items[1]!.score).toBeLessThanOrEqual(r.items[0]!.score / 2)
  })

  test('each strategy explains its own shortfall', () => {
    expect(recommend(model, anonymous, ask('trending', { limit: 3 })).items[2]!.reason).toBe('Popular right now (added because too few items are trending)')
    const similar = recommend(model, anonymous, ask('content_based', { productId: 'grinder', limit: 8 }))
    expect(similar.padded).toBeGreaterThan(0)
    expect(similar.items.at(-1)!.reason).toEndWith('(added because too few similar items were found)')
    const collab = recommend(model, runnerFan, ask('collaborative', { limit: 8 }))
    expect(collab.items.at(-1)!.reason).toEndWith('(added because too few items matched your history)')
  })

  test('a strategy that finds nothing is reported as the fallback it became', () => {
    const socks = recommend(model, anonymous, ask('frequently_bought_together', { productId: 'socks' }))
    expect(socks).toMatchObject({ strategy: 'category_popular', padded: 0 })
    expect(recommend(model, anonymous, ask('content_based', { productId: 'lonely' })).strategy).toBe('trending_fallback')
    expect(recommend(model, anonymous, ask('frequently_bought_together', { productId: 'not-in-model' })).strategy).toBe('trending_fallback')
    const strangers = shopper(Array.from({ length: 6 }, () => ['lonely', 'product_viewed', H] as [string, EventType, number]))
    expect(recommend(model, strangers, ask('collaborative')).strategy).toBe('trending_fallback')
    const quiet = buildModel({ items: catalog, interactions: interactions(), now: NOW + 30 * D, weights: {}, halfLifeDays: 30 })
    const r = recommend(quiet, anonymous, ask('trending'))
    expect(r.strategy).toBe('trending_fallback')
    expect(r.items[0]!.reason).toBe('Popular right now')
  })

  test("a shopper's history counts back from their own latest event: months away, the same lists, not the fallback", () => {
    const months = 200 * D // 2^-28 at the 7-day intent half-life, were ages counted from now
    const events: [string, EventType, number][] = [['trail-runner', 'product_viewed', 5 * S], ['rain-jacket', 'add_to_cart', 3 * D], ['road-runner', 'product_viewed', 9 * D], ['trail-runner', 'product_viewed', 10 * D], ['rain-jacket', 'product_viewed', 12 * D]]
    const recent = shopper(events)
    const away = shopper(events.map(([p, e, ago]) => [p, e, ago + months]))
    for (const strategy of ['collaborative', 'content_based'] as const) {
      const now = recommend(model, recent, ask(strategy, { limit: 8 }))
      const later = recommend(model, away, ask(strategy, { limit: 8 }))
      expect(later.strategy).toBe(strategy)
      expect(later).toEqual(now)
    }
  })

  test('a store without any interactions falls back on its newest available items, "New in <category>"', () => {
    // Created a minute apart in catalog order, so the last ones are the newest.
    const dated = catalog.map((item, k) => ({ ...item, createdAt: NOW - (catalog.length - k) * 60_000 }))
    const empty = buildModel({ items: dated, interactions: [], now: NOW, weights: {}, halfLifeDays: 30 })
    const newest = dated.filter((i) => i.available).reverse()
    for (const strategy of ['collaborative', 'trending', 'frequently_bought_together'] as const) {
      const r = recommend(empty, anonymous, ask(strategy, { limit: 5 }))
      expect(r.strategy).toBe('new_arrivals_fallback')
      expect(productIds(r)).toEqual(newest.slice(0, 5).map((i) => i.productId))
      expect(r.items.map((i) => i.reason)).toEqual(newest.slice(0, 5).map((i) => (i.category === null ? 'New in the shop' : `New in ${i.category}`)))
    }
    // Every available item, when the limit asks for them all; never the unavailable one.
    expect(productIds(recommend(empty, anonymous, ask('trending', { limit: 50 })))).toEqual(newest.map((i) => i.productId))
    // A strategy that finds something keeps its name and is padded with new arrivals.
    const similar = recommend(empty, anonymous, ask('content_based', { productId: 'trail-runner', limit: 10 }))
    expect(productIds(similar)[0]).toBe('road-runner')
    expect(similar.strategy).toBe('content_based')
    expect(similar.items.length).toBe(newest.length - 1) // every available item but the product itself
    expect(similar.items.at(-1)!.reason).toMatch(/^New in .* \(added because too few similar items were found\)$/)
    // A model stored before items had a creation time: catalog order, still a full list.
    const undated = buildModel({ items: catalog, interactions: [], now: NOW, weights: {}, halfLifeDays: 30 })
    expect(recommend(undated, anonymous, ask('collaborative', { limit: 3 })).items.length).toBe(3)
  })
})

describe('rules every answer keeps', () => {
  const store = syntheticStore()
  const big = buildModel(store.input)
  const strategies: StrategyName[] = ['collaborative', 'content_based', 'trending', 'frequently_bought_together']
  const users = ['user-0-1', 'user-3-7', 'user-5-2'].map((u) => userStateOf(store.input.interactions, u))
  const products = [undefined, store.pairs[0]![0], store.unavailable[0], store.burst[0], 'runner-3']
  const everyAnswer = (m: TenantModel, limit: number, f: (r: RecommendResult, user: UserState, req: RecommendRequest) => void): void => {
    for (const strategy of strategies) for (const user of [...users, anonymous]) for (const productId of products) for (const excludePurchased of [true, false]) {
      const req = ask(strategy, { productId, limit, excludePurchased })
      f(recommend(m, user, req), user, req)
    }
  }

  test('never an unavailable item, the context product, or (if asked) a purchased one; no duplicates', () => {
    let purchasedShown = 0
    everyAnswer(big, 20, (r, user, req) => {
      const ids = productIds(r)
      expect(new Set(ids).size).toBe(ids.length)
      for (const id of store.unavailable) expect(ids).not.toContain(id)
      if (req.productId) expect(ids).not.toContain(req.productId)
      if (req.excludePurchased) for (const p of user.purchased) expect(ids).not.toContain(p)
      else purchasedShown += ids.filter((id) => user.purchased.includes(id)).length
    })
    expect(purchasedShown).toBeGreaterThan(0) // the rule is what keeps them out
  })

  test('an answer worked out for nobody in particular is exactly the answer of every shopper who bought none of its items', () => {
    // The service shares such answers among shoppers (a product page's visitors); this pins that they lose nothing by it.
    const everyone = [...new Set(store.input.interactions.map((x) => x.userId))].filter((_, k) => k % 7 === 0).map((u) => userStateOf(store.input.interactions, u))
    const cold = shopper([[store.pairs[0]![0], 'purchase', S], [store.burst[0]!, 'product_viewed', 2 * S]])
    const asked = [...store.pairs.flat().slice(0, 6), store.burst[0], store.unavailable[0], undefined]
    let same = 0, own = 0
    // Product pages, the homepage, and cart pages with the cart given (page-context.ts).
    const carts = [undefined, [store.pairs[1]![0], store.pairs[2]![1]]]
    for (const strategy of strategies) for (const productId of asked) for (const limit of [3, 10, 40]) for (const cartProductIds of carts) {
      const req = ask(strategy, { productId, limit, ...(cartProductIds ? { context: 'cart_page' as const, cartProductIds } : {}) })
      const shared = recommend(big, anonymous, req)
      const positions = shared.items.map((x) => modelIndex(big).byId.get(x.productId)!)
      for (const user of [...everyone, cold]) {
        if (!sameForEveryShopper(strategy, req, user)) continue
        const mine = recommend(big, user, req)
        if (fitsShopper(big, user, true, positions)) { same++; expect(mine).toEqual(shared) }
        else { own++; expect(productIds(mine)).not.toEqual(productIds(shared)) } // they bought one of its items: not theirs
      }
    }
    // Both kinds occur, so the check is not vacuous: most shoppers share, some need their own answer.
    expect(same).toBeGreaterThan(own)
    expect(own).toBeGreaterThan(0)
    // Without exclusions, any answer fits; a shopper with a history of their own never shares collaborative answers.
    expect(fitsShopper(big, everyone[0]!, false, Int32Array.of(0, 1, 2))).toBe(true)
    expect(sameForEveryShopper('collaborative', {}, everyone.find((u) => u.eventCount >= 5)!)).toBe(false)
    expect(sameForEveryShopper('collaborative', {}, cold)).toBe(true)
    expect(sameForEveryShopper('content_based', { productId: 'x' }, everyone.find((u) => u.eventCount >= 5)!)).toBe(true)
  })

  test('a purchase seconds old is excluded before the profile’s list catches up', () => {
    const r = recommend(model, shopper([['beans', 'purchase', S], ['grinder', 'product_viewed', 2 * S], ['grinder', 'product_viewed', 3 * S], ['grinder', 'product_viewed', 4 * S], ['grinder', 'product_viewed', 5 * S]]), ask('collaborative'))
    expect(productIds(r)).not.toContain('beans')
  })

  test('scores in [0, 1], non-increasing, reasons non-empty; at most `limit`', () => {
    for (const limit of [1, 7, 50]) {
      everyAnswer(big, limit, (r) => {
        expect(r.items.length).toBeLessThanOrEqual(limit)
        r.items.forEach((x, k) => {
          expect(x.score).toBeGreaterThanOrEqual(0)
          expect(x.score).toBeLessThanOrEqual(1)
          if (k > 0) expect(x.score).toBeLessThanOrEqual(r.items[k - 1]!.score)
          expect(x.reason.length).toBeGreaterThan(10)
        })
        expect(r.padded).toBeLessThanOrEqual(r.items.length)
      })
    }
  })

  test('limit 1 and limit 50 are filled when the catalog allows', () => {
    const user = users[0]!
    for (const strategy of strategies) {
      const productId = strategy === 'frequently_bought_together' || strategy === 'content_based' ? store.pairs[0]![0] : undefined
      expect(recommend(big, user, ask(strategy, { productId, limit: 1 })).items).toHaveLength(1)
      expect(recommend(big, user, ask(strategy, { productId, limit: 50 })).items).toHaveLength(50)
    }
    expect(recommend(big, user, ask('trending', { limit: 0 })).items).toEqual([])
  })

  test('deterministic, also from the model’s JSON', () => {
    const copy = JSON.parse(JSON.stringify(big)) as TenantModel
    everyAnswer(big, 10, (r, user, req) => {
      expect(recommend(big, user, req)).toEqual(r)
      expect(recommend(copy, user, req, wasm).items.map((x) => x.productId)).toEqual(productIds(r))
    })
  })

  test('a model compacted for serving (pair lists in typed arrays, triples let go) gives the same answers', () => {
    const copy = JSON.parse(JSON.stringify(big)) as TenantModel
    const index = compactForServing(copy)
    expect(copy.itemNeighbors).toEqual([])
    expect(copy.fbt).toEqual([])
    expect(index.neighbors.start.at(-1)).toBe(big.itemNeighbors.reduce((s, l) => s + l.length, 0))
    expect(index.boughtWith.start.at(-1)).toBe(big.fbt.reduce((s, l) => s + l.length, 0))
    everyAnswer(big, 10, (r, user, req) => expect(recommend(copy, user, req)).toEqual(r))
  })

  test('an item made unavailable in the loaded model disappears at once (the catalog patch announces it)', () => {
    const copy = JSON.parse(JSON.stringify(model)) as TenantModel
    const r = recommend(copy, anonymous, ask('frequently_bought_together', { productId: 'grinder', limit: 1 }))
    expect(productIds(r)).toEqual(['beans'])
    copy.items[copy.items.findIndex((x) => x.productId === 'beans')] = { ...catalog[8]!, available: false }
    availabilityChanged(copy) // what ModelStore.patchItems does after replacing items in place
    expect(productIds(recommend(copy, anonymous, ask('frequently_bought_together', { productId: 'grinder', limit: 1 })))).not.toContain('beans')
  })
})
