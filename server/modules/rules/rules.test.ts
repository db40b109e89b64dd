// Merchandising rules end to end: CRUD and its checks, rules on served answers (and the
// answer cache keyed on them), schedules by the app clock, explain, and tenant isolation.
import { describe, expect, test } from 'bun:test'
import { BACKENDS, REAL_BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, type TestApp } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'

const H = 3600_000
const START = Date.now()
let now = START
const clock = () => new Date(now)

// 12 shoes (brands in turn), 12 mugs; shoe-0 the most viewed, then shoe-1, …; mugs less viewed still.
const catalog = [
  ...Array.from({ length: 12 }, (_, i) => ({ productId: `shoe-${i}`, name: `Shoe ${i}`, category: 'shoes', price: 100 + i * 10, attributes: { brand: i % 2 ? 'zenith' : 'acme' } })),
  ...Array.from({ length: 12 }, (_, i) => ({ productId: `mug-${i}`, name: `Mug ${i}`, category: 'kitchen', price: 10 + i, attributes: { brand: 'potter' } })),
]

async function seed(t: TestApp, writeKey: string, tenantId: string) {
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: writeKey, body: { items: catalog } })).body.data.created).toBe(24)
  const events: object[] = []
  catalog.forEach((item, k) => {
    for (let n = 0; n < 30 - k; n++) events.push({ eventType: 'product_viewed', userId: `viewer-${n}`, productId: item.productId, timestamp: new Date(START - 3 * 24 * H - n * 60_000).toISOString() })
  })
  for (let i = 0; i < events.length; i += 100) expect((await t.req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: events.slice(i, i + 100) } })).body.data.rejected).toEqual([])
  await t.app.services.models.build(tenantId)
}

for (const name of BACKENDS) describe(`rules [${name}]`, async () => {
  const t = await testApp(name, {}, clock)
  const shop = await t.tenantWithKeys({ defaultStrategy: 'trending' })
  await seed(t, shop.writeKey, shop.tenantId)
  const recs = async (qs: string, key = shop.readKey) => {
    const r = await t.req('GET', `/api/v1/recommendations?userId=shopper-1&limit=6&${qs}`, { key })
    expect(r.status).toBe(200)
    return r.body
  }
  const ids = (body: { data: { productId: string }[] }) => body.data.map((x) => x.productId)
  const create = async (body: object, key = shop.writeKey) => {
    const r = await t.req('POST', '/api/v1/rules', { key, body })
    if (r.status !== 201) throw new Error(`${r.status} ${r.text}`)
    return r.body.data
  }
  const clear = async () => {
    for (const r of (await t.req('GET', '/api/v1/rules', { key: shop.writeKey })).body.data) await t.req('DELETE', `/api/v1/rules/${r.id}`, { key: shop.writeKey })
  }
  const plain = ids(await recs(''))

  test('CRUD: create with defaults, read, list, replace, patch, delete', async () => {
    const made = await create({ name: 'Cheap first', action: 'boost', factor: 3, condition: { field: 'price', op: 'lt', value: 50 } })
    expect(made).toMatchObject({ name: 'Cheap first', active: true, priority: 0, scope: {}, action: 'boost', factor: 3, condition: { field: 'price', op: 'lt', value: 50 } })
    expect(made.id).toMatch(/^[0-9a-f-]{36}$/)
    expect((await t.req('GET', `/api/v1/rules/${made.id}`, { key: shop.writeKey })).body.data).toEqual(made)
    expect((await t.req('GET', '/api/v1/rules', { token: shop.token, tenant: shop.tenantId })).body.data.map((r: { id: string }) => r.id)).toEqual([made.id])
    const put = await t.req('PUT', `/api/v1/rules/${made.id}`, { key: shop.writeKey, body: { name: 'Mugs only', action: 'filter', condition: { field: 'category', op: 'eq', value: 'kitchen' }, schedule: { from: '2026-11-27T00:00:00Z' } } })
    expect(put.status).toBe(200)
    expect(put.body.data).toMatchObject({ name: 'Mugs only', action: 'filter', schedule: { from: '2026-11-27T00:00:00.000Z' } })
    expect(put.body.data.factor).toBeUndefined()
    const patched = await t.req('PATCH', `/api/v1/rules/${made.id}`, { key: shop.writeKey, body: { active: false, schedule: null, priority: 5 } })
    expect(patched.body.data).toMatchObject({ active: false, priority: 5, action: 'filter', name: 'Mugs only' })
    expect(patched.body.data.schedule).toBeUndefined()
    // Changing the action drops the old action's parameters unless given again.
    const asPin = await t.req('PATCH', `/api/v1/rules/${made.id}`, { key: shop.writeKey, body: { action: 'pin', productIds: ['mug-3'], positions: [2], condition: null } })
    expect(asPin.body.data).toMatchObject({ action: 'pin', productIds: ['mug-3'], positions: [2] })
    expect((await t.req('DELETE', `/api/v1/rules/${made.id}`, { key: shop.writeKey })).status).toBe(204)
    expectProblem(await t.req('GET', `/api/v1/rules/${made.id}`, { key: shop.writeKey }), 404)
    expectProblem(await t.req('DELETE', `/api/v1/rules/${made.id}`, { key: shop.writeKey }), 404)
  })

  test('invalid rules are 400s that name the path', async () => {
    const cases: [object, string][] = [
      [{ name: 'x', action: 'filter', condition: { and: [{ field: 'price', op: 'lt', value: 5 }, { field: 'price', op: 'regex', value: '.*' }] } }, 'condition.and[1].op'],
      [{ name: 'x', action: 'filter', condition: { field: 'name', op: 'eq', value: 'x' } }, 'condition.field'],
      [{ name: 'x', action: 'filter', condition: { field: 'price', op: 'lt', value: '$product.weight' } }, 'condition.value'],
      [{ name: 'x', action: 'filter', condition: { not: { field: 'price', op: 'in', value: 3 } } }, 'condition.not.value'],
      [{ name: 'x', action: 'filter' }, 'condition'],
      [{ name: 'x', action: 'boost' }, 'factor'],
      [{ name: 'x', action: 'boost', factor: 11 }, 'factor'],
      [{ name: 'x', action: 'bury', factor: 2, productIds: ['a'] }, 'productIds'],
      [{ name: 'x', action: 'pin', productIds: ['a', 'b'], positions: [1] }, 'positions'],
      [{ name: 'x', action: 'pin', productIds: ['a'], positions: [0] }, 'positions[0]'],
      [{ name: 'x', action: 'diversify' }, 'maxPerCategory'],
      [{ name: 'x', action: 'diversify', maxPer: 'attributes.brand' }, 'max'],
      [{ name: 'x', action: 'diversify', maxPer: 'name', max: 2 }, 'maxPer'],
      [{ name: 'x', action: 'shuffle' }, 'action'],
      [{ name: 'x', action: 'boost', factor: 2, scope: { contexts: ['checkout'] } }, 'scope.contexts[0]'],
      [{ name: 'x', action: 'boost', factor: 2, schedule: { from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' } }, 'schedule.to'],
      [{ name: 'x', action: 'boost', factor: 2, colour: 'red' }, 'colour'],
      [{ action: 'boost', factor: 2 }, 'name'],
    ]
    for (const [body, field] of cases) {
      const p = expectProblem(await t.req('POST', '/api/v1/rules', { key: shop.writeKey, body }), 400)
      expect({ body, fields: p.errors?.map((e) => e.field) }).toEqual({ body, fields: expect.arrayContaining([field]) })
    }
    const made = await create({ name: 'ok', action: 'boost', factor: 2 })
    const p = expectProblem(await t.req('PATCH', `/api/v1/rules/${made.id}`, { key: shop.writeKey, body: { condition: { or: [{ field: 'price', op: 'eq' }] } } }), 400)
    expect(p.errors).toEqual([{ field: 'condition.or[0].value', message: 'is required' }])
    await clear()
    expect((await t.req('GET', '/api/v1/rules', { key: shop.writeKey })).body.data).toEqual([])
  })

  test('a read key can neither read nor write rules; nor explain', async () => {
    const made = await create({ name: 'r', action: 'boost', factor: 2 })
    expectProblem(await t.req('GET', '/api/v1/rules', { key: shop.readKey }), 403)
    expectProblem(await t.req('GET', `/api/v1/rules/${made.id}`, { key: shop.readKey }), 403)
    expectProblem(await t.req('POST', '/api/v1/rules', { key: shop.readKey, body: { name: 'r', action: 'boost', factor: 2 } }), 403)
    expectProblem(await t.req('PUT', `/api/v1/rules/${made.id}`, { key: shop.readKey, body: { name: 'r', action: 'boost', factor: 2 } }), 403)
    expectProblem(await t.req('PATCH', `/api/v1/rules/${made.id}`, { key: shop.readKey, body: { active: false } }), 403)
    expectProblem(await t.req('DELETE', `/api/v1/rules/${made.id}`, { key: shop.readKey }), 403)
    expectProblem(await t.req('GET', '/api/v1/rules'), 401)
    expectProblem(await t.req('GET', '/api/v1/recommendations?userId=u&explain=true', { key: shop.readKey }), 403)
    await clear()
  })

  test('cross-tenant: another tenant’s rule id is a 404, and its rules never touch this tenant’s answers', async () => {
    const other = await t.tenantWithKeys({ defaultStrategy: 'trending' })
    await seed(t, other.writeKey, other.tenantId)
    const theirs = await create({ name: 'theirs', action: 'filter', condition: { field: 'category', op: 'eq', value: 'kitchen' } }, other.writeKey)
    for (const [method, body] of [['GET'], ['PUT', { name: 'x', action: 'boost', factor: 2 }], ['PATCH', { active: false }], ['DELETE']] as const) {
      expectProblem(await t.req(method, `/api/v1/rules/${theirs.id}`, { key: shop.writeKey, ...(body ? { body } : {}) }), 404)
    }
    // Nor through an admin of this tenant.
    expectProblem(await t.req('GET', `/api/v1/rules/${theirs.id}`, { token: shop.token, tenant: shop.tenantId }), 404)
    expect((await t.req('GET', '/api/v1/rules', { key: shop.writeKey })).body.data).toEqual([])
    expect(ids(await recs(''))).toEqual(plain)
    const mine = (await t.req('GET', '/api/v1/recommendations?userId=shopper-1&limit=6', { key: other.readKey })).body
    expect(mine.data.every((x: { productId: string }) => x.productId.startsWith('mug-'))).toBe(true)
    // Still theirs, untouched.
    expect((await t.req('GET', `/api/v1/rules/${theirs.id}`, { key: other.writeKey })).body.data.active).toBe(true)
  })

  test('served: each action on live answers; a rule change shows at once (the cache keys on the rules)', async () => {
    expect(plain).toEqual(['shoe-0', 'shoe-1', 'shoe-2', 'shoe-3', 'shoe-4', 'shoe-5'])
    expect((await recs('')).meta.cached).toBe(true)
    const filter = await create({ name: 'Mugs only', action: 'filter', condition: { field: 'category', op: 'eq', value: 'kitchen' } })
    const mugs = await recs('')
    expect(mugs.meta.cached).toBe(false)
    // Refilled from further candidates: a full list of mugs, in their own order, each saying which rule moved it.
    expect(ids(mugs)).toEqual(['mug-0', 'mug-1', 'mug-2', 'mug-3', 'mug-4', 'mug-5'])
    expect(mugs.data[0].rules).toEqual([{ id: filter.id, name: 'Mugs only', effect: 'moved_up' }])
    expect(mugs.data[0].reason).not.toContain('rule')
    await t.req('PATCH', `/api/v1/rules/${filter.id}`, { key: shop.writeKey, body: { active: false } })
    expect(ids(await recs(''))).toEqual(plain)

    const exclude = await create({ name: 'No acme', action: 'exclude', condition: { field: 'attributes.brand', op: 'eq', value: 'acme' } })
    expect(ids(await recs(''))).toEqual(['shoe-1', 'shoe-3', 'shoe-5', 'shoe-7', 'shoe-9', 'shoe-11'])
    await t.req('DELETE', `/api/v1/rules/${exclude.id}`, { key: shop.writeKey })

    const boost = await create({ name: 'Expensive', action: 'boost', factor: 10, condition: { field: 'price', op: 'gte', value: 150 } })
    const boosted = await recs('')
    expect(ids(boosted).slice(0, 2)).toEqual(['shoe-5', 'shoe-6'])
    expect(boosted.data[0].rules).toEqual([{ id: boost.id, name: 'Expensive', effect: 'boosted' }])
    await t.req('PUT', `/api/v1/rules/${boost.id}`, { key: shop.writeKey, body: { name: 'Bury shoes', action: 'bury', factor: 10, condition: { field: 'category', op: 'eq', value: 'shoes' } } })
    expect(ids(await recs('')).slice(0, 3)).toEqual(['mug-0', 'mug-1', 'mug-2'])
    await t.req('DELETE', `/api/v1/rules/${boost.id}`, { key: shop.writeKey })

    const diversify = await create({ name: 'Mix', action: 'diversify', maxPerCategory: 2 })
    expect(ids(await recs('')).slice(0, 4)).toEqual(['shoe-0', 'shoe-1', 'mug-0', 'mug-1'])
    await t.req('PUT', `/api/v1/rules/${diversify.id}`, { key: shop.writeKey, body: { name: 'Brands', action: 'diversify', maxPer: 'attributes.brand', max: 1 } })
    expect(ids(await recs('')).slice(0, 3)).toEqual(['shoe-0', 'shoe-1', 'mug-0'])
    await t.req('DELETE', `/api/v1/rules/${diversify.id}`, { key: shop.writeKey })

    const pin = await create({ name: 'Hero', action: 'pin', productIds: ['mug-11', 'mug-10'], positions: [1, 3] })
    const pinned = await recs('')
    expect(ids(pinned)).toEqual(['mug-11', 'shoe-0', 'mug-10', 'shoe-1', 'shoe-2', 'shoe-3'])
    expect(pinned.data[0].rules).toEqual([{ id: pin.id, name: 'Hero', effect: 'pinned' }])
    // A pinned product that goes unavailable is not placed.
    await t.req('PATCH', '/api/v1/catalog/mug-11', { key: shop.writeKey, body: { available: false } })
    await t.app.services.models.build(shop.tenantId)
    expect(ids(await recs(''))[0]).toBe('shoe-0')
    await t.req('PATCH', '/api/v1/catalog/mug-11', { key: shop.writeKey, body: { available: true } })
    await t.app.services.models.build(shop.tenantId)
    await clear()
    expect(ids(await recs(''))).toEqual(plain)
  })

  test('scope: placement, context, strategy', async () => {
    await create({ name: 'Home mugs', action: 'filter', condition: { field: 'category', op: 'eq', value: 'kitchen' }, scope: { placements: ['home'], strategies: ['trending'] } })
    expect(ids(await recs('placement=home'))[0]).toBe('mug-0')
    expect(ids(await recs('placement=pdp'))).toEqual(plain)
    expect(ids(await recs(''))).toEqual(plain)
    expect(ids(await recs('placement=home&strategy=collaborative'))[0]).not.toBe('mug-0')
    await clear()
  })

  test('$product parameters: the same brand, price within 30 % of the viewed product', async () => {
    await create({ name: 'Same brand', action: 'filter', condition: { field: 'attributes.brand', op: 'eq', value: '$product.attributes.brand' } })
    const same = await recs('productId=shoe-3')
    expect(same.data.length).toBe(5) // the zenith shoes but the one in view
    expect(ids(same).every((id: string) => Number(id.slice(5)) % 2 === 1 && id !== 'shoe-3')).toBe(true)
    await clear()
    await create({ name: 'Near in price', action: 'filter', condition: { and: [{ field: 'price', op: 'gte', value: '$product.price*0.7' }, { field: 'price', op: 'lte', value: '$product.price*1.3' }] } })
    const near = await recs('productId=shoe-5&strategy=trending')
    expect(near.data.length).toBe(6)
    expect(near.data.every((x: { price: number }) => x.price >= 105 && x.price <= 195)).toBe(true)
    await clear()
    await create({ name: 'Not this one', action: 'exclude', condition: { field: 'category', op: 'eq', value: '$product.category' } })
    expect(ids(await recs('productId=shoe-0')).every((id: string) => id.startsWith('mug-'))).toBe(true)
    await clear()
  })

  test('schedules switch a rule on and off by the app clock, and cached answers follow at the boundary', async () => {
    const from = new Date(now + 2 * H).toISOString(), to = new Date(now + 5 * H).toISOString()
    await create({ name: 'Black Friday', action: 'pin', productIds: ['mug-7'], positions: [1], schedule: { from, to } })
    expect(ids(await recs(''))).toEqual(plain)
    expect((await recs('')).meta.cached).toBe(true)
    now += 2 * H
    expect(ids(await recs(''))[0]).toBe('mug-7')
    now += 3 * H
    expect(ids(await recs(''))).toEqual(plain)
    now = START
    await clear()
  })

  test('explain: the trace of candidates and of what each rule did; never cached; write key or admin', async () => {
    const excl = await create({ name: 'No shoe-1', action: 'exclude', condition: { field: 'productId', op: 'eq', value: 'shoe-1' } })
    const pin = await create({ name: 'Hero', action: 'pin', productIds: ['mug-4'], positions: [2] })
    const off = await create({ name: 'Off', action: 'boost', factor: 2, active: false })
    const elsewhere = await create({ name: 'Elsewhere', action: 'boost', factor: 2, scope: { placements: ['cart'] } })
    for (const auth of [{ key: shop.writeKey }, { token: shop.token, tenant: shop.tenantId }]) {
      const r = await t.req('GET', '/api/v1/recommendations?userId=shopper-1&limit=6&explain=true', auth)
      expect(r.status).toBe(200)
      expect(r.body.meta.cached).toBe(false)
      expect(ids(r.body)).toEqual(['shoe-0', 'mug-4', 'shoe-2', 'shoe-3', 'shoe-4', 'shoe-5'])
      const e = r.body.explain
      expect(e.before).toEqual(plain)
      expect(e.candidates.length).toBeGreaterThanOrEqual(6)
      expect(e.candidates[0]).toMatchObject({ productId: 'shoe-0', source: expect.any(String) })
      expect(e.steps).toEqual(expect.arrayContaining([
        { stage: 'filter', ruleId: excl.id, ruleName: 'No shoe-1', productId: 'shoe-1', effect: 'removed' },
        expect.objectContaining({ stage: 'pin', ruleId: pin.id, productId: 'mug-4', effect: 'pinned', to: 2 }),
      ]))
      expect(e.rules).toEqual(expect.arrayContaining([
        { id: excl.id, name: 'No shoe-1', action: 'exclude', applied: true },
        { id: off.id, name: 'Off', action: 'boost', applied: false, skipped: 'inactive' },
        { id: elsewhere.id, name: 'Elsewhere', action: 'boost', applied: false, skipped: 'scope' },
      ]))
    }
    // The ordinary answer carries no trace.
    expect((await recs('')).explain).toBeUndefined()
    await clear()
  })

  test('at most 200 rules a tenant', async () => {
    const k = await t.tenantWithKeys()
    await Promise.all(Array.from({ length: 200 }, (_, i) => t.req('POST', '/api/v1/rules', { key: k.writeKey, body: { name: `r${i}`, action: 'boost', factor: 1.5 } })))
    expectProblem(await t.req('POST', '/api/v1/rules', { key: k.writeKey, body: { name: 'one more', action: 'boost', factor: 1.5 } }), 409)
    expect((await t.req('GET', '/api/v1/rules', { key: k.writeKey })).body.data).toHaveLength(200)
  })
})

describe.skipIf(!REAL_BACKENDS)('rules across two instances on one PostgreSQL + Redis', () => {
  test('a rule written on one instance applies on the other within a second', async () => {
    const a = await testApp('postgres', {}, clock)
    const b = await testApp('postgres', {}, clock)
    const shop = await a.tenantWithKeys({ defaultStrategy: 'trending' })
    await seed(a, shop.writeKey, shop.tenantId)
    const first = async () => (await b.req('GET', '/api/v1/recommendations?userId=u&limit=3', { key: shop.readKey })).body.data[0]?.productId
    await waitFor('instance b to serve the model', async () => (await first()) === 'shoe-0')
    // b holds the (empty) rule book now; a's write must reach it by broadcast, not by expiry.
    const made = (await a.req('POST', '/api/v1/rules', { key: shop.writeKey, body: { name: 'Mugs', action: 'filter', condition: { field: 'category', op: 'eq', value: 'kitchen' } } })).body.data
    await waitFor('the rule on instance b', async () => (await first()) === 'mug-0', { timeoutMs: 1000 })
    await a.req('PATCH', `/api/v1/rules/${made.id}`, { key: shop.writeKey, body: { active: false } })
    await waitFor('the change on instance b', async () => (await first()) === 'shoe-0', { timeoutMs: 1000 })
  })
})
