import { describe, expect, test } from 'bun:test'
import { buildConditions, describeConditions, formOf } from './conditions'

describe('segment form conditions', () => {
  test('the common cases, alone or together (all required)', () => {
    expect(buildConditions({ minPurchases: '3' })).toEqual({ ok: true, conditions: { field: 'purchaseCount', op: 'gte', value: 3 } })
    expect(buildConditions({ minSpend: '100', traitName: 'tier', traitValue: 'gold' })).toEqual({
      ok: true, conditions: { and: [{ field: 'totalSpend', op: 'gte', value: 100 }, { field: 'traits.tier', op: 'eq', value: 'gold' }] },
    })
    expect(buildConditions({ traitName: 'vip', traitValue: 'true' })).toMatchObject({ conditions: { value: true } })
  })
  test('JSON wins over the fields; bad input names its field', () => {
    expect(buildConditions({ minPurchases: '1', json: '{"field":"eventCount","op":"gt","value":5}' })).toEqual({ ok: true, conditions: { field: 'eventCount', op: 'gt', value: 5 } })
    expect(buildConditions({ json: '{nope' })).toMatchObject({ ok: false, field: 'json' })
    expect(buildConditions({ json: '[1]' })).toMatchObject({ ok: false, field: 'json' })
    expect(buildConditions({ minSpend: '-1' })).toMatchObject({ ok: false, field: 'minSpend' })
    expect(buildConditions({ traitValue: 'gold' })).toMatchObject({ ok: false, field: 'traitName' })
    expect(buildConditions({})).toMatchObject({ ok: false, field: 'minPurchases' })
  })
  test('an edit shows the fields back, or the JSON for anything else', () => {
    const c = { and: [{ field: 'purchaseCount', op: 'gte', value: 2 }, { field: 'traits.country', op: 'eq', value: 'DE' }] }
    expect(formOf(c)).toMatchObject({ minPurchases: '2', traitName: 'country', traitValue: 'DE', json: '' })
    const other = { or: [{ field: 'eventCount', op: 'gt', value: 1 }] }
    expect(JSON.parse(formOf(other).json)).toEqual(other)
    expect(formOf({ field: 'traits.n', op: 'eq', value: '5' }).json).not.toBe('') // "5" typed back would become 5
    expect(describeConditions(c)).toBe('purchaseCount ≥ 2 and traits.country = "DE"')
  })
})
