import { describe, expect, test } from 'bun:test'
import { makeItem } from '../../../scripts/eval/synthetic.ts'
import { buildModel } from '../build.ts'
import { recommend } from '../recommend.ts'
import type { Interaction, RecommendRequest, UserState } from '../types.ts'
import type { RuleSpec } from './rule.ts'
import { nextBoundary, ruleBook, rulesFor, rulesKey, skipReason } from './select.ts'

const NOW = Date.UTC(2026, 10, 27, 12)
const H = 3_600_000
const CATS = ['shoes', 'hats', 'bags']
const BRANDS = ['acme', 'zenith']
// 30 items: p00 the most popular, p29 the least; categories and brands in turn; prices 10, 20, … 300.
const items = Array.from({ length: 30 }, (_, k) => makeItem(`p${String(k).padStart(2, '0')}`, {
  category: CATS[k % 3]!, price: 10 * (k + 1), attributes: { brand: BRANDS[k % 2]! }, available: k !== 7, createdAt: NOW - k * 24 * H,
}))
const interactions: Interaction[] = []
for (let k = 0; k < 30; k++) for (let n = 0; n < 40 - k; n++) interactions.push({ userId: `u${n}`, productId: items[k]!.productId, eventType: 'product_viewed', ts: NOW - 5 * 24 * H - n * 60_000 })
const model = buildModel({ items, interactions, now: NOW, weights: {}, halfLifeDays: 30 })
const nobody: UserState = { recent: [], purchased: [], eventCount: 0 }

let seq = 0
const rule = (r: Partial<RuleSpec> & Pick<RuleSpec, 'action'>): RuleSpec => ({ id: `r${++seq}`, name: `rule ${seq}`, active: true, priority: 0, scope: {}, ...r })
const ask = (rules: RuleSpec[], more: Partial<RecommendRequest> = {}, user = nobody) => {
  const book = ruleBook('v1', rules)
  const req: RecommendRequest = { strategy: 'trending', limit: 6, excludePurchased: true, ...more }
  return recommend(model, user, { ...req, rules: rulesFor(book, NOW, { strategy: req.strategy, context: req.productId ? 'product_page' : 'homepage', segments: req.segments }) })
}
const ids = (r: { items: { productId: string }[] }) => r.items.map((x) => x.productId)
const plain = ids(ask([]))

describe('no rules', () => {
  test('the answer is the ranking as is (p07 is unavailable)', () => {
    expect(plain).toEqual(['p00', 'p01', 'p02', 'p03', 'p04', 'p05'])
  })
})

describe('each action', () => {
  test('filter keeps only matching items and refills from the next candidates', () => {
    const r = ask([rule({ action: 'filter', condition: { field: 'category', op: 'eq', value: 'hats' } })])
    expect(ids(r)).toEqual(['p01', 'p04', 'p10', 'p13', 'p16', 'p19'])
    expect(r.items.every((x) => items.find((i) => i.productId === x.productId)!.category === 'hats')).toBe(true)
    // Items that rose past removed ones say which rule moved them; the reason is still the algorithm's.
    expect(r.items[0]!.rules).toEqual([{ id: expect.any(String), name: expect.any(String), effect: 'moved_up' }])
    expect(r.items[0]!.reason).not.toContain('rule')
  })
  test('a filter that leaves the pool short is refilled from the fallback chain, down to the whole catalog', () => {
    // p28 and p29 are the least popular: only a refill reaches them.
    const r = ask([rule({ action: 'filter', condition: { field: 'productId', op: 'in', value: ['p28', 'p29', 'p27', 'p26'] } })])
    expect(ids(r).sort()).toEqual(['p26', 'p27', 'p28', 'p29'])
    const one = ask([rule({ action: 'filter', condition: { field: 'price', op: 'gte', value: 300 } })], { limit: 1 })
    expect(ids(one)).toEqual(['p29'])
  })
  test('exclude drops matching items', () => {
    const r = ask([rule({ action: 'exclude', condition: { field: 'attributes.brand', op: 'eq', value: 'acme' } })])
    expect(ids(r)).toEqual(['p01', 'p03', 'p05', 'p09', 'p11', 'p13'])
  })
  test('boost multiplies matching scores and re-ranks; bury divides', () => {
    const boosted = ask([rule({ action: 'boost', factor: 10, condition: { field: 'price', op: 'gte', value: 100 } })])
    expect(ids(boosted).slice(0, 3)).toEqual(['p09', 'p10', 'p11'])
    expect(boosted.items[0]!.rules).toEqual([expect.objectContaining({ effect: 'boosted' })])
    const buried = ask([rule({ action: 'bury', factor: 10, condition: { field: 'category', op: 'eq', value: 'shoes' } })])
    expect(ids(buried)).not.toContain('p00')
    expect(ids(buried)[0]).toBe('p01')
    for (const r of [boosted, buried]) for (let k = 1; k < r.items.length; k++) expect(r.items[k]!.score).toBeLessThanOrEqual(r.items[k - 1]!.score)
    expect(boosted.items[0]!.score).toBeLessThanOrEqual(1)
  })
  test('diversify caps items per category (demoting, not dropping) or per attribute', () => {
    const byCat = ask([rule({ action: 'diversify', maxPerCategory: 1 })])
    expect(ids(byCat).slice(0, 3)).toEqual(['p00', 'p01', 'p02'])
    expect(ids(byCat).slice(3)).toEqual(['p03', 'p04', 'p05'])
    expect(byCat.items[3]!.rules).toEqual([expect.objectContaining({ effect: 'demoted' })])
    const byBrand = ask([rule({ action: 'diversify', maxPer: 'attributes.brand', max: 2 })], { limit: 4 })
    expect(ids(byBrand)).toEqual(['p00', 'p01', 'p02', 'p03'])
    const tight = ask([rule({ action: 'diversify', maxPer: 'attributes.brand', max: 1 })], { limit: 3 })
    expect(ids(tight)).toEqual(['p00', 'p01', 'p02'])
    expect(tight.items[2]!.rules?.[0]?.effect).toBe('demoted')
  })
  test('pin puts products at 1-based positions, unless unavailable, excluded or filtered out', () => {
    const r = ask([rule({ action: 'pin', productIds: ['p20', 'p03'], positions: [1, 4] })])
    expect(ids(r)).toEqual(['p20', 'p00', 'p01', 'p03', 'p02', 'p04'])
    expect(r.items[0]!.rules).toEqual([expect.objectContaining({ effect: 'pinned' })])
    expect(r.items[0]!.score).toBeLessThanOrEqual(1)
    for (let k = 1; k < r.items.length; k++) expect(r.items[k]!.score).toBeLessThanOrEqual(r.items[k - 1]!.score)
    expect(ids(ask([rule({ action: 'pin', productIds: ['p07'], positions: [1] })]))).toEqual(plain) // unavailable
    expect(ids(ask([rule({ action: 'pin', productIds: ['p20'], positions: [1] })], { productId: 'p20' }))[0]).not.toBe('p20') // the context product
    expect(ids(ask([rule({ action: 'pin', productIds: ['p20'], positions: [1] })], {}, { recent: [], purchased: ['p20'], eventCount: 1 }))).not.toContain('p20') // purchased
    expect(ids(ask([
      rule({ action: 'pin', productIds: ['p20'], positions: [1] }),
      rule({ action: 'exclude', condition: { field: 'productId', op: 'eq', value: 'p20' } }),
    ]))).not.toContain('p20')
    expect(ids(ask([rule({ action: 'pin', productIds: ['nope'], positions: [1] })]))).toEqual(plain)
    // A position past the list's end lands at its end.
    expect(ids(ask([rule({ action: 'pin', productIds: ['p20'], positions: [40] })]))).toEqual(plain)
  })
  test('a higher-priority pin keeps its position', () => {
    const r = ask([rule({ action: 'pin', productIds: ['p20'], positions: [1], priority: 1 }), rule({ action: 'pin', productIds: ['p21'], positions: [1], priority: 5 })])
    expect(ids(r)[0]).toBe('p21')
  })
})

describe('evaluation order', () => {
  test('filters before boosts, boosts before diversity, diversity before pins, then truncate', () => {
    const r = ask([
      rule({ action: 'pin', productIds: ['p00'], positions: [2] }),
      rule({ action: 'diversify', maxPerCategory: 1 }),
      rule({ action: 'boost', factor: 5, condition: { field: 'category', op: 'eq', value: 'bags' } }),
      rule({ action: 'exclude', condition: { field: 'productId', op: 'eq', value: 'p02' } }),
    ], { limit: 4 })
    // p02 gone; bags (p05, p08) boosted first; one per category (p05 bags, p01 hats, p00 shoes), the rest demoted;
    // then p00 pinned at 2 (already in, moved); the demoted bags (p08, boosted) come next.
    expect(ids(r)).toEqual(['p05', 'p00', 'p01', 'p08'])
    // Boosts never resurrect a filtered item; a pin is placed after the diversity cap, so it may break it.
    expect(ids(r)).not.toContain('p02')
  })
  test('the explain trace says which rule removed or moved what, and the list without rules', () => {
    const excl = rule({ action: 'exclude', name: 'no shoes', condition: { field: 'category', op: 'eq', value: 'shoes' } })
    const pin = rule({ action: 'pin', name: 'hero', productIds: ['p25'], positions: [1] })
    const r = ask([excl, pin], { explain: true, productId: 'p10' })
    const t = r.trace!
    expect(t.before).toHaveLength(6)
    expect(t.before).not.toContain('p10')
    expect(t.hardExclusions).toMatchObject({ contextProduct: 'p10', unavailable: 1 })
    expect(t.candidates.length).toBeGreaterThan(6)
    expect(t.steps.filter((s) => s.effect === 'removed').map((s) => s.productId)).toContain('p00')
    expect(t.steps.find((s) => s.effect === 'removed')).toMatchObject({ stage: 'filter', ruleId: excl.id, ruleName: 'no shoes' })
    expect(t.steps.find((s) => s.effect === 'pinned')).toMatchObject({ stage: 'pin', ruleId: pin.id, productId: 'p25', to: 1 })
    expect(ask([excl]).trace).toBeUndefined()
  })
})

describe('parameters', () => {
  test('$product.category: the same category as the viewed product', () => {
    const r = ask([rule({ action: 'filter', condition: { field: 'category', op: 'eq', value: '$product.category' } })], { productId: 'p04' })
    expect(ids(r)).toEqual(['p01', 'p10', 'p13', 'p16', 'p19', 'p22'])
  })
  test('$product.price: within 30 % of the viewed product', () => {
    const r = ask([rule({ action: 'filter', condition: { and: [{ field: 'price', op: 'gte', value: '$product.price*0.7' }, { field: 'price', op: 'lte', value: '$product.price*1.3' }] } })], { productId: 'p09' })
    // 70…130: p06, p08, p10, p11, p12 (p07 is unavailable, p09 the product itself): all of them, from a refill.
    expect(ids(r).sort()).toEqual(['p06', 'p08', 'p10', 'p11', 'p12'])
  })
  test('$product.attributes.brand and $context.productId', () => {
    const r = ask([rule({ action: 'filter', condition: { field: 'attributes.brand', op: 'eq', value: '$product.attributes.brand' } })], { productId: 'p03' })
    expect(r.items.every((x) => Number(x.productId.slice(1)) % 2 === 1)).toBe(true)
    const ctx = ask([rule({ action: 'exclude', condition: { field: 'productId', op: 'eq', value: '$context.productId' } })], { productId: 'p00' })
    expect(ids(ctx)).not.toContain('p00')
  })
  test('without a product, a parameter matches nothing: a filter on it empties nothing it cannot judge', () => {
    const r = ask([rule({ action: 'exclude', condition: { field: 'category', op: 'eq', value: '$product.category' } })])
    expect(ids(r)).toEqual(plain)
  })
  test('$user.segment and scope.segments', () => {
    const gold = rule({ action: 'boost', factor: 10, scope: { segments: ['gold'] }, condition: { field: 'productId', op: 'eq', value: 'p05' } })
    expect(ids(ask([gold], { segments: ['gold'] }))[0]).toBe('p05')
    expect(ids(ask([gold], { segments: ['silver'] }))).toEqual(plain)
    expect(ids(ask([gold]))).toEqual(plain)
  })
})

describe('selection: schedules and scope', () => {
  const from = '2026-11-27T00:00:00Z', to = '2026-11-30T00:00:00Z'
  const bf = rule({ action: 'boost', factor: 3, schedule: { from, to } })
  test('a scheduled rule is on only inside its window, by the clock given', () => {
    const book = ruleBook('v', [bf])
    const q = { strategy: 'trending' as const, context: 'homepage' as const }
    expect(rulesFor(book, Date.parse(from) - 1, q)).toEqual([])
    expect(rulesFor(book, Date.parse(from), q)).toHaveLength(1)
    expect(rulesFor(book, Date.parse(to) - 1, q)).toHaveLength(1)
    expect(rulesFor(book, Date.parse(to), q)).toEqual([])
    expect(skipReason(book.rules[0]!, Date.parse(to), q)).toBe('schedule')
  })
  test('the cache key changes at each schedule boundary and with the rules version; nextBoundary bounds a TTL', () => {
    const book = ruleBook('v', [bf])
    const before = rulesKey(book, Date.parse(from) - 1, undefined), during = rulesKey(book, Date.parse(from) + 1, undefined), after = rulesKey(book, Date.parse(to), undefined)
    expect(new Set([before, during, after]).size).toBe(3)
    expect(rulesKey(ruleBook('w', [bf]), Date.parse(from) + 1, undefined)).not.toBe(during)
    expect(nextBoundary(book, Date.parse(from) + 1)).toBe(Date.parse(to))
    expect(nextBoundary(book, Date.parse(to))).toBeUndefined()
    expect(rulesKey(ruleBook('v', []), 0, ['gold'])).toBe('')
  })
  test('only segments a rule names reach the key', () => {
    const book = ruleBook('v', [rule({ action: 'boost', factor: 2, scope: { segments: ['gold'] } })])
    expect(rulesKey(book, NOW, ['zz', 'gold'])).toBe(rulesKey(book, NOW, ['gold']))
    expect(rulesKey(book, NOW, ['zz'])).toBe(rulesKey(book, NOW, []))
  })
  test('scope: placement, strategy, context; inactive rules never apply', () => {
    const book = ruleBook('v', [
      rule({ action: 'boost', factor: 2, scope: { placements: ['home'] } }),
      rule({ action: 'boost', factor: 2, scope: { strategies: ['collaborative'] } }),
      rule({ action: 'boost', factor: 2, scope: { contexts: ['cart_page'] } }),
      rule({ action: 'boost', factor: 2, active: false }),
    ])
    const reasons = (q: Parameters<typeof skipReason>[2]) => book.rules.map((r) => skipReason(r, NOW, q))
    expect(reasons({ strategy: 'trending', context: 'homepage' })).toEqual(['scope', 'scope', 'scope', 'inactive'])
    expect(reasons({ strategy: 'collaborative', context: 'cart_page', placement: 'home' })).toEqual([undefined, undefined, undefined, 'inactive'])
  })
})
