import { describe, expect, test } from 'bun:test'
import { bodyOf, conditionForm, EMPTY_FORM, formField, formOfRule, valuesOf, type Rule } from './form.ts'

describe('bodyOf: the form builds the common conditions', () => {
  test('category is', () => {
    const r = bodyOf({ ...EMPTY_FORM, name: 'Shoes up', action: 'boost', factor: '3', conditionKind: 'category', category: ' shoes ' })
    expect(r).toEqual({ ok: true, body: { name: 'Shoes up', action: 'boost', active: true, priority: 0, scope: {}, factor: 3, condition: { field: 'category', op: 'eq', value: 'shoes' } } })
  })
  test('price below', () => {
    const r = bodyOf({ ...EMPTY_FORM, name: 'Cheap', action: 'filter', conditionKind: 'priceBelow', priceBelow: '49.5' })
    expect(r.ok && r.body.condition).toEqual({ field: 'price', op: 'lt', value: 49.5 })
    expect(r.ok && r.body.factor).toBeUndefined()
  })
  test('same brand as the viewed product; same category', () => {
    expect((bodyOf({ ...EMPTY_FORM, name: 'b', action: 'filter', conditionKind: 'sameBrand' }) as { body: { condition: unknown } }).body.condition)
      .toEqual({ field: 'attributes.brand', op: 'eq', value: '$product.attributes.brand' })
    expect((bodyOf({ ...EMPTY_FORM, name: 'c', action: 'filter', conditionKind: 'sameCategory' }) as { body: { condition: unknown } }).body.condition)
      .toEqual({ field: 'category', op: 'eq', value: '$product.category' })
  })
  test('advanced JSON, checked for syntax here and for meaning by the API', () => {
    const json = '{"and":[{"field":"price","op":"gte","value":"$product.price*0.7"},{"field":"price","op":"lte","value":"$product.price*1.3"}]}'
    const r = bodyOf({ ...EMPTY_FORM, name: 'near', action: 'filter', conditionKind: 'json', conditionJson: json })
    expect(r.ok && r.body.condition).toEqual(JSON.parse(json))
    expect(bodyOf({ ...EMPTY_FORM, name: 'x', action: 'filter', conditionKind: 'json', conditionJson: '{"field":' })).toEqual({ ok: false, errors: [{ field: 'conditionJson', message: 'This is not valid JSON.' }] })
    expect(bodyOf({ ...EMPTY_FORM, name: 'x', action: 'filter', conditionKind: 'json', conditionJson: '[1]' }).ok).toBe(false)
  })
  test('pin, diversify, scope and schedule', () => {
    const pin = bodyOf({ ...EMPTY_FORM, name: 'Hero', action: 'pin', productIds: 'a, b', positions: '1, 3', placements: 'home, pdp', contexts: 'homepage', from: '2026-11-27T00:00', to: '2026-11-30T00:00' })
    expect(pin).toEqual({ ok: true, body: { name: 'Hero', action: 'pin', active: true, priority: 0, scope: { placements: ['home', 'pdp'], contexts: ['homepage'] }, productIds: ['a', 'b'], positions: [1, 3], schedule: { from: '2026-11-27T00:00:00Z', to: '2026-11-30T00:00:00Z' } } })
    expect(bodyOf({ ...EMPTY_FORM, name: 'p', action: 'pin', productIds: '', positions: '' }).ok).toBe(false)
    const cat = bodyOf({ ...EMPTY_FORM, name: 'Mix', action: 'diversify', maxPerCategory: '2' })
    expect(cat.ok && [cat.body.maxPerCategory, cat.body.maxPer]).toEqual([2, undefined])
    const brand = bodyOf({ ...EMPTY_FORM, name: 'Mix', action: 'diversify', maxPerAttribute: 'brand', max: '1' })
    expect(brand.ok && [brand.body.maxPer, brand.body.max]).toEqual(['attributes.brand', 1])
    expect(bodyOf({ ...EMPTY_FORM, name: 'b', action: 'boost', factor: 'lots' })).toEqual({ ok: false, errors: [{ field: 'factor', message: 'Give a number.' }] })
  })
})

describe('a stored rule back into the form', () => {
  const rule: Rule = {
    id: 'r1', name: 'Near', active: false, priority: 3, scope: { placements: ['home'] }, action: 'boost', factor: 2,
    condition: { field: 'price', op: 'lt', value: 20 }, schedule: { from: '2026-11-27T00:00:00.000Z' }, createdAt: '', updatedAt: '',
  }
  test('round trip', () => {
    const v = formOfRule(rule)
    expect(v).toMatchObject({ name: 'Near', active: false, priority: '3', placements: 'home', factor: '2', conditionKind: 'priceBelow', priceBelow: '20', from: '2026-11-27T00:00' })
    const back = bodyOf(v)
    expect(back.ok && back.body).toMatchObject({ name: 'Near', active: false, priority: 3, scope: { placements: ['home'] }, factor: 2, condition: rule.condition, schedule: { from: '2026-11-27T00:00:00Z' } })
  })
  test('conditions the form has no fields for show as JSON', () => {
    expect(conditionForm({ not: { field: 'price', op: 'lt', value: 2 } }).conditionKind).toBe('json')
    expect(conditionForm({ field: 'category', op: 'eq', value: '$product.category' }).conditionKind).toBe('sameCategory')
    expect(conditionForm(undefined).conditionKind).toBe('none')
  })
  test('submitted values are read as strings; an unchecked box is off', () => {
    expect(valuesOf({ name: ' A ', action: 'boost', conditionKind: 'bogus' })).toMatchObject({ name: 'A', active: false, conditionKind: 'none', priority: '0' })
    expect(valuesOf({ active: 'on' }).active).toBe(true)
  })
  test("the API's error paths land on the form's fields", () => {
    expect(formField('condition.and[1].op')).toBe('condition')
    expect(formField('scope.contexts[0]')).toBe('contexts')
    expect(formField('schedule.to')).toBe('to')
    expect(formField('positions[0]')).toBe('positions')
    expect(formField('maxPer')).toBe('maxPerAttribute')
  })
})
