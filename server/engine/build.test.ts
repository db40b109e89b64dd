import { describe, expect, test } from 'bun:test'
import { makeItem, mulberry32, syntheticStore } from '../../scripts/eval/synthetic.ts'
import { buildModel, TAIL_SCALE } from './build.ts'
import { stem, tokenize } from './strategies/content-vectors.ts'
import { shrunkLift } from './strategies/frequently-bought-together.ts'
import type { BuildInput, EventType, Interaction, Item, TenantModel } from './types.ts'

const NOW = Date.UTC(2026, 5, 1, 12)
const H = 3_600_000
const D = 24 * H

const ev = (userId: string, productId: string, eventType: EventType, ago = 0, extra: Partial<Interaction> = {}): Interaction =>
  ({ userId, productId, eventType, ts: NOW - ago, ...extra })

function build(items: Item[], interactions: Interaction[], more: Partial<BuildInput> = {}, options = {}): TenantModel {
  return buildModel({ items, interactions, now: NOW, weights: {}, halfLifeDays: 30, ...more }, undefined, options)
}

const ids = (...names: string[]): Item[] => names.map((n) => makeItem(n))
/** The neighbour list of `productId` as [productId, similarity, shared users]. */
const neighbours = (m: TenantModel, productId: string): [string, number, number][] =>
  m.itemNeighbors[m.items.findIndex((x) => x.productId === productId)]!.map(([i, s, n]) => [m.items[i]!.productId, s, n])
const partners = (m: TenantModel, productId: string): [string, number, number][] =>
  m.fbt[m.items.findIndex((x) => x.productId === productId)]!.map(([i, l, n]) => [m.items[i]!.productId, l, n])
const at = (m: TenantModel, productId: string): number => m.items.findIndex((x) => x.productId === productId)

describe('implicit feedback', () => {
  test('popularity is the sum of event weights decayed by age', () => {
    const m = build(ids('now', 'old', 'none'), [
      ev('u', 'now', 'purchase'),
      ev('u', 'old', 'product_viewed', 30 * D), // one half-life
      ev('u', 'none', 'remove_from_cart'),
      ev('u', 'none', 'recommendation_impressed'),
    ])
    expect(m.popularity).toEqual([8, 0.5, 0])
  })

  test('tenant weights override the defaults', () => {
    const m = build(ids('a'), [ev('u', 'a', 'purchase'), ev('u', 'a', 'product_viewed')], { weights: { purchase: 10, product_viewed: -3 } })
    expect(m.popularity).toEqual([10])
  })

  test('interactions with products not in the catalog are dropped', () => {
    const m = build(ids('a'), [ev('u', 'a', 'purchase'), ev('v', 'ghost', 'purchase')])
    expect(m.stats).toMatchObject({ items: 1, users: 1, interactions: 2 })
    expect(m.popularity).toEqual([8])
  })

  test('a repeated product id keeps its first catalog entry', () => {
    const m = build([makeItem('a', { name: 'First' }), makeItem('a', { name: 'Second' }), makeItem('b')], [])
    expect(m.items.map((x) => x.name)).toEqual(['First', 'b'])
  })
})

describe('item-item collaborative filtering', () => {
  // The cosine path: learned weights (below) off.
  const COSINE = { easeItems: 0 }
  const views = [ev('u1', 'a', 'product_viewed'), ev('u1', 'b', 'product_viewed'), ev('u2', 'a', 'product_viewed'), ev('u2', 'b', 'product_viewed'), ev('u3', 'a', 'product_viewed'), ev('u3', 'c', 'product_viewed')]

  test('cosine over users, sorted, with the number of shared users', () => {
    // Columns a = (1, 1, 1), b = (1, 1, 0), c = (0, 0, 1), all scaled by log(2).
    const m = build(ids('a', 'b', 'c', 'd'), views, {}, { ...COSINE, shrinkage: 0 })
    expect(neighbours(m, 'a')).toEqual([['b', 0.816497, 2], ['c', 0.57735, 1]])
    expect(neighbours(m, 'b')).toEqual([['a', 0.816497, 2]])
    expect(neighbours(m, 'd')).toEqual([])
  })

  test('shrinkage discounts similarities resting on few users', () => {
    const m = build(ids('a', 'b', 'c'), views, {}, { ...COSINE, shrinkage: 5 })
    expect(neighbours(m, 'a')).toEqual([['b', 0.233285, 2], ['c', 0.096225, 1]]) // × 2/7, × 1/6
  })

  test('a user-item weight is log(1 + Σ decayed event weights)', () => {
    const m = build(ids('a', 'b'), [ev('u1', 'a', 'purchase'), ev('u1', 'b', 'product_viewed'), ev('u2', 'a', 'product_viewed'), ev('u2', 'b', 'product_viewed')], {}, { ...COSINE, shrinkage: 0 })
    const [l9, l2] = [Math.log(9), Math.log(2)]
    const cosine = (l9 * l2 + l2 * l2) / (Math.hypot(l9, l2) * Math.hypot(l2, l2))
    expect(neighbours(m, 'a')[0]![1]).toBeCloseTo(cosine, 6)
  })

  test('impressions and cart removals do not make items neighbours', () => {
    const m = build(ids('a', 'b'), [ev('u', 'a', 'product_viewed'), ev('u', 'b', 'recommendation_impressed'), ev('u', 'b', 'remove_from_cart')])
    expect(neighbours(m, 'a')).toEqual([])
  })

  test('a heavy user contributes only their most recent items', () => {
    const interactions = [ev('u1', 'a', 'product_viewed', 3 * D), ev('u1', 'b', 'product_viewed', 2 * D), ev('u1', 'c', 'product_viewed', D), ev('u2', 'a', 'product_viewed'), ev('u2', 'c', 'product_viewed')]
    expect(neighbours(build(ids('a', 'b', 'c'), interactions, {}, { ...COSINE, maxItemsPerUser: 3 }), 'a').map((x) => x[0])).toEqual(['c', 'b'])
    expect(neighbours(build(ids('a', 'b', 'c'), interactions, {}, { ...COSINE, maxItemsPerUser: 2 }), 'a').map((x) => x[0])).toEqual(['c'])
  })

  test('at most `neighbors` per item', () => {
    const items = ids(...Array.from({ length: 12 }, (_, i) => `p${i}`))
    const m = build(items, items.map((x) => ev('u', x.productId, 'product_viewed')), {}, { ...COSINE, neighbors: 4 })
    expect(m.itemNeighbors.every((l) => l.length === 4)).toBe(true)
    // Equal similarities break to the lower index.
    expect(neighbours(m, 'p5').map((x) => x[0])).toEqual(['p0', 'p1', 'p2', 'p3'])
  })
})

describe('learned item-item weights (EASE)', () => {
  // a and b go together (4 shoppers), a and c once; d is everywhere.
  const rows: [string, string[]][] = [['u1', ['a', 'b', 'd']], ['u2', ['a', 'b', 'd']], ['u3', ['a', 'b', 'd']], ['u4', ['a', 'b']], ['u5', ['a', 'c', 'd']], ['u6', ['c', 'd']], ['u7', ['d']]]
  const input = rows.flatMap(([u, items]) => items.map((p) => ev(u, p, 'product_viewed')))

  test('weights are −P[a][b] / P[b][b] with P = (XᵀX + λI)⁻¹, λ relative to the mean diagonal, each list scaled to sum to 1', () => {
    const m = build(ids('a', 'b', 'c', 'd'), input, {}, { easeLambda: 0.5 })
    // Independently: X is log(2) wherever a shopper viewed an item.
    const names = ['a', 'b', 'c', 'd']
    const l2 = Math.log(2) ** 2
    const g = names.map((x) => names.map((y) => l2 * rows.filter(([, items]) => items.includes(x) && items.includes(y)).length))
    const lambda = 0.5 * (g.reduce((s, r, i) => s + r[i]!, 0) / 4)
    const p = gaussJordan(g.map((r, i) => r.map((v, j) => v + (i === j ? lambda : 0))))
    const expected = (x: number): [string, number, number][] => {
      const w = names.map((_, y) => (y === x ? 0 : -p[x]![y]! / p[y]![y]!))
      const shared = (y: number): number => rows.filter(([, items]) => items.includes(names[x]!) && items.includes(names[y]!)).length
      const kept = names.map((_, y) => y).filter((y) => w[y]! > 0).sort((s, t) => w[t]! - w[s]!)
      const sum = kept.reduce((s, y) => s + w[y]!, 0)
      return kept.map((y) => [names[y]!, Number((w[y]! / sum).toFixed(6)), shared(y)])
    }
    for (let x = 0; x < 4; x++) {
      const got = neighbours(m, names[x]!)
      const want = expected(x)
      expect(got.map((r) => [r[0], r[2]])).toEqual(want.map((r) => [r[0], r[2]]))
      got.forEach((r, k) => expect(r[1]).toBeCloseTo(want[k]![1], 5))
    }
    // The everywhere item adds little once b is known: a's strongest partner is b.
    expect(neighbours(m, 'a')[0]![0]).toBe('b')
  })

  test('only the easeItems items with the most shoppers are covered; the rest keep cosine lists scaled by TAIL_SCALE', () => {
    const cosine = build(ids('a', 'b', 'c', 'd'), input, {}, { easeItems: 0 })
    const m = build(ids('a', 'b', 'c', 'd'), input, {}, { easeItems: 2 }) // d (7 shoppers) and a (5)
    for (const tail of ['b', 'c']) {
      expect(neighbours(m, tail)).toEqual(neighbours(cosine, tail).map(([p, s, n]) => [p, Number((s * TAIL_SCALE).toFixed(6)), n]))
    }
    // Covered lists name covered items only, and sum to 1.
    for (const head of ['a', 'd']) {
      const list = neighbours(m, head)
      expect(list.map((r) => r[0]).every((p) => p === 'a' || p === 'd')).toBe(true)
      expect(list.reduce((s, r) => s + r[1], 0)).toBeCloseTo(1, 5)
    }
  })

  test('columns faded almost to nothing still give finite lists that sum to 1', () => {
    // Events a year old with a 1-day half-life: weights of 2^-365, squared in XᵀX.
    const old = input.map((e) => ({ ...e, ts: e.ts - 365 * D }))
    const m = build(ids('a', 'b', 'c', 'd'), old, { halfLifeDays: 1 })
    for (const p of ['a', 'b', 'c', 'd']) {
      const list = neighbours(m, p)
      expect(list.every(([, w]) => Number.isFinite(w) && w >= 0)).toBe(true)
      if (list.length) expect(list.reduce((s, r) => s + r[1], 0)).toBeCloseTo(1, 5)
    }
    expect(neighbours(m, 'a')[0]![0]).toBe('b')
  })

  test('no ridge (λ 0 over empty columns) leaves the cosine lists', () => {
    const m = build(ids('a', 'b', 'c', 'd'), input, {}, { easeLambda: 0 })
    const cosine = build(ids('a', 'b', 'c', 'd'), input, {}, { easeItems: 0 })
    expect(m.itemNeighbors).toEqual(cosine.itemNeighbors.map((l) => l.map(([b, s, n]) => [b, Number((s * TAIL_SCALE).toFixed(6)), n])))
  })

  test('an item with one shopper is never covered', () => {
    const m = build(ids('a', 'b', 'solo'), [...input.filter((e) => e.productId !== 'c' && e.productId !== 'd'), ev('u1', 'solo', 'product_viewed')], {}, {})
    const cosine = build(ids('a', 'b', 'solo'), [...input.filter((e) => e.productId !== 'c' && e.productId !== 'd'), ev('u1', 'solo', 'product_viewed')], {}, { easeItems: 0 })
    expect(neighbours(m, 'solo')).toEqual(neighbours(cosine, 'solo').map(([p, s, n]) => [p, Number((s * TAIL_SCALE).toFixed(6)), n]))
    expect(neighbours(m, 'a').map((r) => r[0])).toEqual(['b'])
  })
})

/** Inverse by Gauss–Jordan with partial pivoting, on nested arrays: the tests' own reference. */
function gaussJordan(m: number[][]): number[][] {
  const n = m.length
  const a = m.map((r, i) => [...r, ...r.map((_, j) => (i === j ? 1 : 0))])
  for (let c = 0; c < n; c++) {
    let pivot = c
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r
    ;[a[c], a[pivot]] = [a[pivot]!, a[c]!]
    const d = a[c]![c]!
    a[c] = a[c]!.map((v) => v / d)
    for (let r = 0; r < n; r++) if (r !== c) { const f = a[r]![c]!; a[r] = a[r]!.map((v, j) => v - f * a[c]![j]!) }
  }
  return a.map((r) => r.slice(n))
}

describe('content vectors', () => {
  test('tokenize lowercases and drops stop words, short tokens and bare numbers', () => {
    expect(tokenize('The Waterproof, hooded JACKET — 2 pack for 10 km! Größe')).toEqual(['waterproof', 'hooded', 'jacket', 'größe'])
  })

  test('stem folds plurals only', () => {
    expect(['jackets', 'glasses', 'berries', 'dress', 'cactus', 'bus', 'running'].map(stem)).toEqual(['jacket', 'glass', 'berry', 'dress', 'cactus', 'bus', 'running'])
  })

  const items = [
    makeItem('shell', { name: 'Storm Shell', description: 'Waterproof hooded jacket', category: 'Jackets', attributes: { color: 'navy', sizes: ['S', 'M'] } }),
    makeItem('parka', { name: 'Winter Parka', description: 'Insulated hooded jackets for the cold', category: 'Jackets', attributes: { color: 'navy' } }),
    makeItem('grinder', { name: 'Espresso Grinder', description: 'Burr grinder', category: 'Coffee' }),
    makeItem('blank', { name: 'X' }),
  ]

  test('unit length, `dim` wide, zero for an item with no words', () => {
    const m = build(items, [], {}, { dim: 64 })
    expect(m.content.dim).toBe(64)
    for (const v of m.content.vectors.slice(0, 3)) {
      expect(v.length).toBe(64)
      expect(Math.hypot(...v)).toBeCloseTo(1, 5)
    }
    expect(m.content.vectors[3]!.every((x) => x === 0)).toBe(true)
  })

  test('items sharing words, category and attributes are closer than unrelated ones', () => {
    const m = build(items, [])
    const cos = (a: number, b: number): number => m.content.vectors[a]!.reduce((s, x, j) => s + x * m.content.vectors[b]![j]!, 0)
    expect(cos(0, 1)).toBeGreaterThan(0.3)
    expect(Math.abs(cos(0, 2))).toBeLessThan(0.1)
  })

  test('top terms are words a reason can quote: no category words, strongest first', () => {
    const m = build(items, [])
    expect(m.content.terms[0]).toContain('hooded')
    expect(m.content.terms[0]).toContain('navy')
    expect(m.content.terms[0]).not.toContain('jackets')
    expect(m.content.terms[3]).toEqual([])
  })
})

describe('trending', () => {
  test('activity in the last 24 h against the item’s own daily baseline', () => {
    const interactions: Interaction[] = []
    for (let day = 1; day <= 13; day++) {
      interactions.push(ev(`s${day}`, 'steady', 'product_viewed', day * D + H), ev(`t${day}`, 'steady', 'product_viewed', day * D + 2 * H))
    }
    interactions.push(ev('x', 'steady', 'product_viewed', H), ev('y', 'steady', 'product_viewed', 2 * H))
    for (let k = 0; k < 10; k++) interactions.push(ev(`b${k}`, 'burst', 'product_viewed', k * H))
    interactions.push(ev('i', 'shown', 'recommendation_impressed', H), ev('j', 'shown', 'recommendation_impressed', H), ev('k', 'once', 'product_viewed', H))
    const m = build(ids('steady', 'burst', 'shown', 'once'), interactions)
    expect(m.trending.views24h).toEqual([2, 10, 0, 1])
    expect(m.trending.score[at(m, 'burst')]).toBe(10) // (10 − 0) / √1
    expect(m.trending.score[at(m, 'steady')]).toBe(0) // an ordinary day
    expect(m.trending.score[at(m, 'shown')]).toBe(0) // impressions are not interest
    expect(m.trending.score[at(m, 'once')]).toBe(0) // below the minimum
  })

  test('a young store’s baseline is averaged over the days it has', () => {
    const interactions = [ev('a', 'p', 'product_viewed', D + 12 * H), ev('b', 'p', 'product_viewed', D + 12 * H)]
    for (let k = 0; k < 6; k++) interactions.push(ev(`n${k}`, 'p', 'product_viewed', k * H))
    const m = build(ids('p'), interactions)
    expect(m.trending.score[0]).toBeCloseTo((6 - 2) / Math.sqrt(3), 4) // 2 events over (at least) one day
  })
})

describe('frequently bought together', () => {
  const buy = (orderId: string, ...products: string[]): Interaction[] => products.map((p) => ev(`buyer-${orderId}`, p, 'purchase', H, { orderId }))

  test('lift = n(a,b) · baskets / (n(a) · n(b)), with a minimum support', () => {
    const m = build(ids('a', 'b', 'c', 'd', 'e'), [...buy('o1', 'a', 'b', 'c'), ...buy('o2', 'a', 'b'), ...buy('o3', 'a', 'd'), ...buy('o4', 'e')])
    expect(partners(m, 'a')).toEqual([['b', 1.333333, 2]]) // 2 · 4 / (3 · 2); a+c shares one order only
    expect(partners(m, 'b')).toEqual([['a', 1.333333, 2]])
    expect(partners(m, 'c')).toEqual([])
  })

  test('views and carts do not make baskets', () => {
    const m = build(ids('a', 'b'), [ev('u', 'a', 'add_to_cart', 0, { orderId: 'o' }), ev('u', 'b', 'purchase', 0, { orderId: 'o' }), ev('v', 'a', 'product_viewed', 0, { orderId: 'p' }), ev('v', 'b', 'purchase', 0, { orderId: 'p' })])
    expect(partners(m, 'b')).toEqual([])
  })

  test('without an order id, a session is the basket; without a session, one shopper’s day', () => {
    const m = build(ids('a', 'b', 'c', 'd'), [
      ev('u', 'a', 'purchase', H, { sessionId: 's1' }), ev('u', 'b', 'purchase', 2 * H, { sessionId: 's1' }),
      ev('v', 'a', 'purchase', H, { sessionId: 's2' }), ev('v', 'b', 'purchase', 2 * H, { sessionId: 's2' }),
      ev('w', 'c', 'purchase', 5 * D + H), ev('w', 'd', 'purchase', 5 * D + 2 * H),
      ev('w', 'c', 'purchase', 9 * D + H), ev('w', 'd', 'purchase', 9 * D + 2 * H),
      ev('x', 'c', 'purchase', 3 * D), ev('x', 'd', 'purchase', 4 * D), // different days
    ])
    expect(partners(m, 'a').map((p) => p.slice(0, 1).concat(p[2]))).toEqual([['b', 2]])
    expect(partners(m, 'c').map((p) => p.slice(0, 1).concat(p[2]))).toEqual([['d', 2]])
  })

  test('wholesale baskets beyond maxBasketItems are left out', () => {
    const interactions = [...buy('o1', 'a', 'b', 'c'), ...buy('o2', 'a', 'b')]
    expect(partners(build(ids('a', 'b', 'c'), interactions, {}, { maxBasketItems: 3 }), 'a').map((p) => p[0])).toEqual(['b'])
    expect(partners(build(ids('a', 'b', 'c'), interactions, {}, { maxBasketItems: 2 }), 'a')).toEqual([])
  })

  test('partners are ranked by lift shrunk by the orders behind it', () => {
    const m = buildModel(syntheticStore().input)
    for (const list of m.fbt) {
      const ranks = list.map(([, lift, n]) => shrunkLift(lift, n))
      expect(ranks).toEqual([...ranks].sort((x, y) => y - x))
    }
  })
})

describe('the model', () => {
  test('unavailable items stay in items, neighbours and baskets', () => {
    const items = [makeItem('a'), makeItem('gone', { available: false })]
    const m = build(items, [ev('u', 'a', 'purchase', 0, { orderId: 'o1' }), ev('u', 'gone', 'purchase', 0, { orderId: 'o1' }), ev('v', 'a', 'purchase', 0, { orderId: 'o2' }), ev('v', 'gone', 'purchase', 0, { orderId: 'o2' })])
    expect(m.items.map((x) => x.productId)).toEqual(['a', 'gone'])
    expect(neighbours(m, 'a').map((x) => x[0])).toEqual(['gone'])
    expect(partners(m, 'a').map((x) => x[0])).toEqual(['gone'])
  })

  test('deterministic, JSON-safe, and independent of interaction order', () => {
    const { input } = syntheticStore()
    const strip = (m: TenantModel) => ({ ...m, stats: { ...m.stats, buildMs: 0 } })
    const a = strip(buildModel(input))
    expect(strip(buildModel(input))).toEqual(a)
    expect(JSON.parse(JSON.stringify(a))).toEqual(a)
    expect(a.version).toBe(`${input.now.toString(36)}-${input.items.length}-${input.interactions.length}`)

    const rand = mulberry32(3)
    const shuffled = input.interactions.map((x) => [rand(), x] as const).sort((p, q) => p[0] - q[0]).map(([, x]) => x)
    const b = strip(buildModel({ ...input, interactions: shuffled }))
    expect(b.fbt).toEqual(a.fbt)
    expect(b.trending).toEqual(a.trending)
    expect(b.itemNeighbors.map((l) => l.map((x) => x[0]))).toEqual(a.itemNeighbors.map((l) => l.map((x) => x[0])))
    b.popularity.forEach((p, i) => expect(p).toBeCloseTo(a.popularity[i]!, 5))
  })
})

describe('a model without content vectors (the new-arrivals list served while a model loads)', () => {
  test('no vectors or terms are worked out; trending falls back to the newest items all the same', async () => {
    const { recommend } = await import('./recommend.ts')
    const items = ['a', 'b', 'c'].map((n, i) => ({ ...makeItem(n), description: `ceramic mug number ${n}`, createdAt: NOW - (3 - i) * D }))
    const plain = build(items, [], {}, { content: false })
    expect(plain.content.vectors).toEqual([])
    expect(plain.content.terms).toEqual([])
    expect(build(items, []).content.vectors).toHaveLength(3)
    const served = recommend(plain, { recent: [], purchased: [], eventCount: 0 }, { strategy: 'trending', limit: 3, excludePurchased: false })
    expect(served.items.map((x) => x.productId)).toEqual(['c', 'b', 'a'])
    // A product page on it: the context product is left out, nothing needs its vector.
    const onPage = recommend(plain, { recent: [], purchased: [], eventCount: 0 }, { strategy: 'trending', productId: 'c', limit: 3, excludePurchased: false })
    expect(onPage.items.map((x) => x.productId)).toEqual(['b', 'a'])
  })
})
