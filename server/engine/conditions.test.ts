import { describe, expect, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { CONDITION_LIMITS, ConditionSchema, compileCondition, evaluate, validateCondition, type Condition, type ConditionVocabulary } from './conditions.ts'

const ITEMS: ConditionVocabulary = {
  fields: { exact: ['category', 'price', 'available', 'createdAt', 'productId'], prefixes: ['attributes.'] },
  params: { exact: ['context.productId', 'product.category', 'product.price', 'user.segment'], prefixes: ['product.attributes.'] },
}
const PROFILES: ConditionVocabulary = { fields: { exact: ['purchaseCount', 'categoriesViewed'], prefixes: ['traits.'] }, params: { exact: [] } }

const item: Record<string, unknown> = {
  category: 'shoes', price: 40, available: true, createdAt: Date.parse('2026-11-20T00:00:00Z'), productId: 'p1',
  'attributes.brand': 'Acme', 'attributes.size': '42', 'attributes.colors': ['red', 'blue'],
}
const params: Record<string, unknown> = { 'product.category': 'shoes', 'product.price': 50, 'context.productId': 'p9', 'user.segment': ['buyer', 'gold'], 'product.attributes.brand': 'Acme' }
const run = (c: Condition, fields = item, ps = params) => evaluate(c, (n) => fields[n], (n) => ps[n])

describe('operators', () => {
  test.each([
    [{ field: 'category', op: 'eq', value: 'shoes' }, true],
    [{ field: 'category', op: 'eq', value: 'hats' }, false],
    [{ field: 'category', op: 'ne', value: 'hats' }, true],
    [{ field: 'category', op: 'ne', value: 'shoes' }, false],
    [{ field: 'price', op: 'gt', value: 40 }, false],
    [{ field: 'price', op: 'gte', value: 40 }, true],
    [{ field: 'price', op: 'lt', value: 50 }, true],
    [{ field: 'price', op: 'lte', value: 39.99 }, false],
    [{ field: 'category', op: 'in', value: ['hats', 'shoes'] }, true],
    [{ field: 'category', op: 'in', value: ['hats'] }, false],
    [{ field: 'category', op: 'nin', value: ['hats'] }, true],
    [{ field: 'category', op: 'nin', value: ['shoes'] }, false],
    [{ field: 'attributes.brand', op: 'contains', value: 'cm' }, true],
    [{ field: 'attributes.brand', op: 'contains', value: 'ACME' }, true],
    [{ field: 'attributes.brand', op: 'contains', value: 'zz' }, false],
    [{ field: 'attributes.colors', op: 'contains', value: 'blue' }, true],
    [{ field: 'attributes.colors', op: 'contains', value: 'bl' }, false],
    [{ field: 'attributes.brand', op: 'exists' }, true],
    [{ field: 'attributes.missing', op: 'exists' }, false],
    [{ field: 'attributes.missing', op: 'exists', value: false }, true],
    [{ field: 'available', op: 'eq', value: true }, true],
    [{ field: 'attributes.size', op: 'eq', value: 42 }, true],
    [{ field: 'attributes.size', op: 'in', value: [41, 42] }, true],
    [{ field: 'attributes.size', op: 'gt', value: 41 }, true],
    [{ field: 'createdAt', op: 'gte', value: '2026-11-01' }, true],
    [{ field: 'createdAt', op: 'lt', value: '2026-11-01' }, false],
    [{ field: 'attributes.colors', op: 'eq', value: 'red' }, true],
  ] as [Condition, boolean][])('%j → %p', (c, want) => {
    expect(validateCondition(c, ITEMS)).toEqual({ ok: true, value: c })
    expect(run(c)).toBe(want)
  })

  test('a missing field matches no comparison, not even ne or nin', () => {
    for (const op of ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains'] as const) expect(run({ field: 'attributes.none', op, value: 1 })).toBe(false)
    expect(run({ field: 'attributes.none', op: 'nin', value: [1] })).toBe(false)
  })
})

describe('combinators', () => {
  const cheap = { field: 'price', op: 'lt', value: 50 } as const
  const hats = { field: 'category', op: 'eq', value: 'hats' } as const
  test('and, or, not', () => {
    expect(run({ and: [cheap, hats] })).toBe(false)
    expect(run({ or: [cheap, hats] })).toBe(true)
    expect(run({ not: hats })).toBe(true)
    expect(run({ not: { or: [cheap, hats] } })).toBe(false)
    expect(run({ and: [cheap, { not: hats }, { or: [hats, { field: 'available', op: 'eq', value: true }] }] })).toBe(true)
  })
  test('the compiled closure agrees with evaluate and can be reused across items', () => {
    const fn = compileCondition({ and: [cheap, { not: hats }] })
    expect(fn((n) => item[n], (n) => params[n])).toBe(true)
    expect(fn((n) => ({ ...item, price: 60 })[n], (n) => params[n])).toBe(false)
  })
})

describe('parameters', () => {
  test('the same category as the viewed product', () => {
    const c = { field: 'category', op: 'eq', value: '$product.category' } as const
    expect(run(c)).toBe(true)
    expect(run(c, { ...item, category: 'hats' })).toBe(false)
  })
  test('the same brand as the viewed product', () => {
    expect(run({ field: 'attributes.brand', op: 'eq', value: '$product.attributes.brand' })).toBe(true)
  })
  test('price within 30 % of the viewed product: a scaled parameter', () => {
    const within = { and: [{ field: 'price', op: 'gte', value: '$product.price*0.7' }, { field: 'price', op: 'lte', value: '$product.price*1.3' }] } as Condition
    expect(validateCondition(within, ITEMS).ok).toBe(true)
    expect(run(within)).toBe(true) // 40 within [35, 65]
    expect(run(within, { ...item, price: 30 })).toBe(false)
    expect(run(within, { ...item, price: 66 })).toBe(false)
  })
  test('the context product', () => {
    expect(run({ field: 'productId', op: 'ne', value: '$context.productId' })).toBe(true)
    expect(run({ field: 'productId', op: 'eq', value: '$context.productId' }, { ...item, productId: 'p9' })).toBe(true)
  })
  test('a list parameter ($user.segment) is membership', () => {
    expect(run({ field: 'attributes.segment', op: 'eq', value: '$user.segment' }, { ...item, 'attributes.segment': 'gold' })).toBe(true)
    expect(run({ field: 'attributes.segment', op: 'eq', value: '$user.segment' }, { ...item, 'attributes.segment': 'new_visitor' })).toBe(false)
    expect(run({ field: 'attributes.segment', op: 'ne', value: '$user.segment' }, { ...item, 'attributes.segment': 'new_visitor' })).toBe(true)
  })
  test('a parameter the request lacks makes its leaf false', () => {
    const c = { field: 'category', op: 'eq', value: '$product.category' } as const
    expect(run(c, item, {})).toBe(false)
    expect(run({ not: c }, item, {})).toBe(true)
    expect(run({ field: 'price', op: 'lt', value: '$product.price*0.5' }, item, { 'product.price': 'x' })).toBe(false)
  })
})

describe('validation names the bad path', () => {
  const bad = (c: unknown, vocab = ITEMS) => {
    const r = validateCondition(c, vocab)
    if (r.ok) throw new Error('expected a failure')
    return r.errors[0]!
  }
  test('an unknown op inside and', () => {
    expect(bad({ and: [{ field: 'price', op: 'lt', value: 1 }, { field: 'price', op: 'regex', value: '.*' }] })).toEqual({ field: 'condition.and[1].op', message: expect.stringContaining('one of eq') })
  })
  test('unknown fields, per vocabulary', () => {
    expect(bad({ field: 'name', op: 'eq', value: 'x' }).field).toBe('condition.field')
    expect(bad({ field: 'attributes.', op: 'eq', value: 'x' }).field).toBe('condition.field')
    expect(bad({ not: { field: 'price', op: 'eq', value: 1 } }, PROFILES).field).toBe('condition.not.field')
    expect(validateCondition({ field: 'traits.tier', op: 'eq', value: 'gold' }, PROFILES).ok).toBe(true)
    expect(validateCondition({ field: 'categoriesViewed', op: 'contains', value: 'shoes' }, PROFILES).ok).toBe(true)
  })
  test('parameters: unknown, malformed, or not allowed at all', () => {
    expect(bad({ field: 'price', op: 'lt', value: '$product.weight' }).field).toBe('condition.value')
    expect(bad({ field: 'price', op: 'lt', value: '$product.price*abc' }).message).toContain('$name*number')
    expect(bad({ field: 'traits.tier', op: 'eq', value: '$user.segment' }, PROFILES).message).toContain('not available')
  })
  test('values that do not fit the op', () => {
    expect(bad({ field: 'price', op: 'in', value: 3 })).toEqual({ field: 'condition.value', message: '"in" takes a list' })
    expect(bad({ field: 'price', op: 'eq', value: [3] }).field).toBe('condition.value')
    expect(bad({ field: 'price', op: 'gt', value: true }).field).toBe('condition.value')
    expect(bad({ field: 'price', op: 'eq' })).toEqual({ field: 'condition.value', message: 'is required' })
    expect(bad({ field: 'price', op: 'exists', value: 1 }).field).toBe('condition.value')
    expect(bad({ field: 'price', op: 'contains', value: '' }).field).toBe('condition.value')
  })
  test('shape: stray keys, empty and, a non-object', () => {
    expect(bad({ field: 'price', op: 'eq', value: 1, extra: 1 }).field).toBe('condition.extra')
    expect(bad({ and: [] }).field).toBe('condition.and')
    expect(bad({ or: [{ field: 'price', op: 'eq', value: 1 }, 'x'] }).field).toBe('condition.or[1]')
    expect(bad({ and: [{ field: 'price', op: 'eq', value: 1 }], or: [] }).field).toBe('condition')
    expect(bad({ op: 'eq', value: 1 })).toEqual({ field: 'condition.field', message: 'is required' })
  })
  test('bounds: depth, node count, list length, string length', () => {
    let deep: Condition = { field: 'price', op: 'eq', value: 1 }
    for (let i = 0; i < CONDITION_LIMITS.depth - 1; i++) deep = { not: deep }
    expect(validateCondition(deep, ITEMS).ok).toBe(true)
    expect(bad({ not: deep }).message).toContain('deeper than 8')
    const leaf = { field: 'price', op: 'eq', value: 1 }
    expect(validateCondition({ or: Array(CONDITION_LIMITS.nodes - 1).fill(leaf) }, ITEMS).ok).toBe(true)
    expect(bad({ or: Array(CONDITION_LIMITS.nodes).fill(leaf) })).toEqual({ field: 'condition.or[63]', message: expect.stringContaining('more than 64') })
    expect(validateCondition({ field: 'productId', op: 'in', value: Array(500).fill('x') }, ITEMS).ok).toBe(true)
    expect(bad({ field: 'productId', op: 'in', value: Array(501).fill('x') }).field).toBe('condition.value')
    expect(bad({ field: 'category', op: 'eq', value: 'x'.repeat(201) }).field).toBe('condition.value')
  })
  test('the root path is the caller\'s', () => {
    const r = validateCondition({ and: [{ field: 'nope', op: 'eq', value: 1 }] }, ITEMS, 'conditions')
    expect(r.ok || r.errors[0]!.field).toBe('conditions.and[0].field')
  })
  test('what validates also fits the recursive TypeBox schema', () => {
    const c = { and: [{ field: 'price', op: 'lt', value: 50 }, { or: [{ not: { field: 'category', op: 'in', value: ['a'] } }] }] }
    expect(validateCondition(c, ITEMS).ok).toBe(true)
    expect(Value.Check(ConditionSchema, c)).toBe(true)
    expect(Value.Check(ConditionSchema, { and: [{ field: 'price', op: 'regex', value: 1 }] })).toBe(false)
  })
})
