import { describe, expect, test } from 'bun:test'
import { expectProblem } from '../../test/harness.ts'
import { BACKENDS, catalogApp, API, at, item, ids, fields } from './test-fixtures.ts'

for (const backend of BACKENDS) {
  describe(`catalog writes [${backend}]`, async () => {
    const t = await catalogApp(backend)

    test('POST creates an item (201, full DTO); the same productId again replaces it (200)', async () => {
      const k = await t.tenantWithKeys()
      const full = {
        productId: 'sku-1', name: 'Trail shoe', description: 'Light and grippy', category: 'shoes', price: 89.9, currency: 'EUR',
        imageUrl: 'https://img.example/sku-1.jpg', url: 'http://shop.example/p/sku-1', attributes: { color: 'red', sizes: [41, 42] }, available: false,
      }
      const c = await t.req('POST', API, { key: k.writeKey, body: full })
      expect(c.status).toBe(201)
      expect(c.body.data).toMatchObject({ ...full, deletedAt: null })
      expect(Date.parse(c.body.data.createdAt)).not.toBeNaN()
      expect(c.body.data.updatedAt).toBe(c.body.data.createdAt)

      const u = await t.req('POST', API, { key: k.writeKey, body: item('sku-1') })
      expect(u.status).toBe(200)
      // A replacement, not a merge: fields left out are empty again; available defaults to true.
      expect(u.body.data).toMatchObject({
        productId: 'sku-1', name: 'Product sku-1', description: null, category: null, price: null, currency: null,
        imageUrl: null, url: null, attributes: {}, available: true, createdAt: c.body.data.createdAt, deletedAt: null,
      })
      expect(Date.parse(u.body.data.updatedAt)).toBeGreaterThan(Date.parse(c.body.data.updatedAt))
      expect((await t.req('GET', at('sku-1'), { key: k.readKey })).body.data).toEqual(u.body.data)
    })

    test('each invalid field is reported as its own errors[].field, and nothing is stored', async () => {
      const k = await t.tenantWithKeys()
      const bad: [string, unknown][] = [
        ['productId', ''], ['productId', 'x'.repeat(257)], ['productId', 'a\tb'], ['productId', 'a\u007fb'], ['productId', 42],
        ['name', ''], ['name', 'x'.repeat(501)], ['name', null],
        ['description', 'x'.repeat(10_001)], ['category', 'x'.repeat(201)],
        ['price', -0.01], ['price', '10'],
        ['currency', 'eur'], ['currency', 'EURO'],
        ['imageUrl', 'ftp://img.example/a.jpg'], ['imageUrl', `https://img.example/${'x'.repeat(2030)}`], ['url', 'shop.example/p/1'], ['url', 'javascript:alert(1)'],
        ['attributes', []], ['attributes', 'red'], ['attributes', { blob: 'x'.repeat(16 * 1024) }],
        ['available', 'yes'],
      ]
      for (const [field, value] of bad) {
        const r = await t.req('POST', API, { key: k.writeKey, body: { ...item('p1'), [field]: value } })
        expect({ field, value, got: fields(r) }).toEqual({ field, value, got: [field] })
      }
      const missing = expectProblem(await t.req('POST', API, { key: k.writeKey, body: { productId: 'p1' } }), 400)
      expect(missing.errors).toEqual([{ field: 'name', message: 'is required' }])

      const all = await t.req('POST', API, { key: k.writeKey, body: { productId: '', name: '', price: -1, currency: 'x', url: 'x', attributes: 1, available: 1 } })
      expect(fields(all).sort()).toEqual(['attributes', 'available', 'currency', 'name', 'price', 'productId', 'url'])
      expect((await t.req('GET', API, { key: k.readKey })).body.meta.pagination.total).toBe(0)
    })

    test('boundary values are accepted: 256-character productId, 500-character name, price 0, 16 KB attributes', async () => {
      const k = await t.tenantWithKeys()
      const id = 'é'.repeat(256)
      const attributes = { blob: 'x'.repeat(16 * 1024 - 11) } // {"blob":"…"} is exactly 16,384 bytes
      const r = await t.req('POST', API, { key: k.writeKey, body: { productId: id, name: 'n'.repeat(500), price: 0, description: 'd'.repeat(10_000), attributes } })
      expect(r.status).toBe(201)
      expect(r.body.data.price).toBe(0)
      expect((await t.req('GET', at(id), { key: k.readKey })).body.data.attributes).toEqual(attributes)
    })

    test('text PostgreSQL cannot store (NUL, unpaired surrogates) is a 400, not a 500', async () => {
      const k = await t.tenantWithKeys()
      const raw = (json: string) => t.req('POST', API, { key: k.writeKey, raw: json })
      expect(fields(await raw('{"productId":"p1","name":"a\\u0000b"}'))).toEqual(['name'])
      expect(fields(await raw('{"productId":"p1","name":"ok","description":"\\ud800"}'))).toEqual(['description'])
      expect(fields(await raw('{"productId":"p1","name":"ok","attributes":{"k\\u0000":1}}'))).toEqual(['attributes'])
      // An escaped backslash before "u0000" is ordinary text.
      const fine = await raw('{"productId":"p1","name":"a\\\\u0000b","attributes":{"emoji":"\\ud83d\\ude00"}}')
      expect(fine.status).toBe(201)
      expect(fine.body.data.name).toBe('a\\u0000b')
      expect(fine.body.data.attributes.emoji).toBe('😀')
    })

    test('unknown fields and malformed JSON are 400 and change nothing', async () => {
      const k = await t.tenantWithKeys()
      const before = (await t.req('POST', API, { key: k.writeKey, body: item('p1', { price: 5 }) })).body.data
      expect(fields(await t.req('POST', API, { key: k.writeKey, body: { ...item('p1'), colour: 'red' } }))).toEqual(['colour'])
      expect(fields(await t.req('PUT', at('p1'), { key: k.writeKey, body: { name: 'x', sku: 1 } }))).toEqual(['sku'])
      expect(fields(await t.req('PATCH', at('p1'), { key: k.writeKey, body: { createdAt: '2020-01-01T00:00:00Z' } }))).toEqual(['createdAt'])
      expect(fields(await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [], dryRun: true } }))).toEqual(['dryRun'])
      for (const [method, path] of [['POST', API], ['POST', `${API}/batch`], ['PUT', at('p1')], ['PATCH', at('p1')]]) {
        const p = expectProblem(await t.req(method, path, { key: k.writeKey, raw: '{"productId":"p1","name":"changed",' }), 400)
        expect(p.type).toEndWith('/malformed-json')
      }
      expect((await t.req('GET', at('p1'), { key: k.readKey })).body.data).toEqual(before)
    })

    test('batch: valid items are stored, invalid ones reported by index; duplicates: the last valid one wins', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', API, { key: k.writeKey, body: item('old', { price: 1 }) })
      const r = await t.req('POST', `${API}/batch`, {
        key: k.writeKey,
        body: {
          items: [
            item('a', { name: 'first a' }),                                // 0 created (then replaced by 4)
            item('b', { price: 'free' }),                                  // 1 rejected
            item('old', { price: 2 }),                                     // 2 updated
            'not an object',                                               // 3 rejected
            item('a', { name: 'last a' }),                                 // 4 wins over 0
            { name: 'no id', colour: 'red' },                              // 5 rejected, two fields
            item('c', { attributes: { blob: 'x'.repeat(17_000) } }),       // 6 rejected by size
            item('d', { currency: 'usd', url: 'nope' }),                   // 7 rejected, two fields
            item('e'),                                                     // 8 created
          ],
        },
      })
      expect(r.status).toBe(200)
      expect(r.body.data.created).toBe(2)
      expect(r.body.data.updated).toBe(1)
      expect(r.body.data.rejected).toEqual([
        { index: 1, productId: 'b', errors: [{ field: 'price', message: expect.any(String) }] },
        { index: 3, productId: null, errors: [{ field: '(item)', message: expect.any(String) }] },
        { index: 5, productId: null, errors: expect.arrayContaining([{ field: 'productId', message: 'is required' }, { field: 'colour', message: 'is not a known field' }]) },
        { index: 6, productId: 'c', errors: [{ field: 'attributes', message: expect.stringContaining('16384') }] },
        { index: 7, productId: 'd', errors: expect.arrayContaining([{ field: 'currency', message: expect.any(String) }, { field: 'url', message: expect.any(String) }]) },
      ])
      expect(r.body.data.rejected[2].errors).toHaveLength(2)
      expect(r.body.data.rejected[4].errors).toHaveLength(2)
      const list = await t.req('GET', `${API}?limit=100`, { key: k.readKey })
      expect(ids(list).sort()).toEqual(['a', 'e', 'old'])
      expect((await t.req('GET', at('a'), { key: k.readKey })).body.data.name).toBe('last a')
      expect((await t.req('GET', at('old'), { key: k.readKey })).body.data.price).toBe(2)

      // Again: everything is now an update, and an all-invalid batch stores nothing.
      const again = await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [item('a'), item('e'), item('e')] } })
      expect(again.body.data).toEqual({ created: 0, updated: 2, rejected: [] })
      const none = await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [{}, null] } })
      expect(none.body.data).toMatchObject({ created: 0, updated: 0 })
      expect(none.body.data.rejected.map((x: { index: number }) => x.index)).toEqual([0, 1])
      expect((await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [] } })).body.data).toEqual({ created: 0, updated: 0, rejected: [] })
      expect(fields(await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: 'x' } }))).toEqual(['items'])
      expect(fields(await t.req('POST', `${API}/batch`, { key: k.writeKey, body: {} }))).toEqual(['items'])
    })

    test('batch: 500 items are stored; 501 are refused with 413 and nothing is stored', async () => {
      const k = await t.tenantWithKeys()
      const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => item(`${prefix}${i}`, { price: i, category: `c${i % 7}`, attributes: { i } }))
      expectProblem(await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: many(501, 'x') } }), 413)
      expect((await t.req('GET', API, { key: k.readKey })).body.meta.pagination.total).toBe(0)
      const ok = await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: many(500, 'y') } })
      expect(ok.body.data).toEqual({ created: 500, updated: 0, rejected: [] })
      expect((await t.req('GET', API, { key: k.readKey })).body.meta.pagination.total).toBe(500)
      expect((await t.req('GET', at('y499'), { key: k.readKey })).body.data).toMatchObject({ price: 499, category: 'c2', attributes: { i: 499 } })
    })

    test('PUT replaces an existing item (404 if absent; the body productId must match the path)', async () => {
      const k = await t.tenantWithKeys()
      expectProblem(await t.req('PUT', at('nope'), { key: k.writeKey, body: { name: 'x' } }), 404)
      expectProblem(await t.req('GET', at('nope'), { key: k.readKey }), 404)
      const c = (await t.req('POST', API, { key: k.writeKey, body: item('p1', { category: 'hats', price: 3, attributes: { a: 1 } }) })).body.data
      const r = await t.req('PUT', at('p1'), { key: k.writeKey, body: { name: 'Renamed', price: 4 } })
      expect(r.status).toBe(200)
      expect(r.body.data).toMatchObject({ productId: 'p1', name: 'Renamed', price: 4, category: null, attributes: {}, available: true, createdAt: c.createdAt })
      expect((await t.req('PUT', at('p1'), { key: k.writeKey, body: { productId: 'p1', name: 'Same id' } })).body.data.name).toBe('Same id')
      const mismatch = expectProblem(await t.req('PUT', at('p1'), { key: k.writeKey, body: { productId: 'p2', name: 'x' } }), 400)
      expect(mismatch.errors).toEqual([{ field: 'productId', message: 'must match the productId in the path' }])
      expect(fields(await t.req('PUT', at('p1'), { key: k.writeKey, body: { price: 1 } }))).toEqual(['name'])
      expect(fields(await t.req('PUT', at('p1'), { key: k.writeKey, body: { name: 'x', attributes: { b: 'y'.repeat(17_000) } } }))).toEqual(['attributes'])
      expect((await t.req('GET', at('p1'), { key: k.readKey })).body.data.name).toBe('Same id')
      expectProblem(await t.req('GET', at('p2'), { key: k.readKey }), 404)
    })

    test('PATCH changes only the fields sent (404 if absent)', async () => {
      const k = await t.tenantWithKeys()
      expectProblem(await t.req('PATCH', at('nope'), { key: k.writeKey, body: { price: 1 } }), 404)
      const c = (await t.req('POST', API, { key: k.writeKey, body: item('p1', { category: 'hats', price: 3, attributes: { a: 1 }, currency: 'EUR' }) })).body.data
      const r = await t.req('PATCH', at('p1'), { key: k.writeKey, body: { price: 2.5, attributes: { b: 2 } } })
      expect(r.status).toBe(200)
      expect(r.body.data).toEqual({ ...c, price: 2.5, attributes: { b: 2 }, updatedAt: expect.any(String) })
      expect(Date.parse(r.body.data.updatedAt)).toBeGreaterThan(Date.parse(c.updatedAt))
      expect((await t.req('PATCH', at('p1'), { key: k.writeKey, body: { available: false } })).body.data).toMatchObject({ available: false, deletedAt: null, category: 'hats' })
      expect(fields(await t.req('PATCH', at('p1'), { key: k.writeKey, body: { name: '', price: -1 } })).sort()).toEqual(['name', 'price'])
      expect(fields(await t.req('PATCH', at('p1'), { key: k.writeKey, body: { productId: 'other' } }))).toEqual(['productId'])
      expect((await t.req('GET', at('p1'), { key: k.readKey })).body.data).toMatchObject({ name: 'Product p1', price: 2.5, available: false })
    })

    test('DELETE is soft: unavailable, deletedAt set, still readable; POST, PUT or PATCH available:true revive it', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [item('p1', { price: 9 }), item('p2'), item('p3')] } })
      const d = await t.req('DELETE', at('p1'), { key: k.writeKey })
      expect(d.status).toBe(200)
      expect(d.body.data).toMatchObject({ productId: 'p1', price: 9, available: false })
      expect(Date.parse(d.body.data.deletedAt)).not.toBeNaN()
      expect((await t.req('GET', at('p1'), { key: k.readKey })).body.data).toEqual(d.body.data)
      // Deleting again is harmless and keeps the first deletion time.
      expect((await t.req('DELETE', at('p1'), { key: k.writeKey })).body.data.deletedAt).toBe(d.body.data.deletedAt)
      expectProblem(await t.req('DELETE', at('nope'), { key: k.writeKey }), 404)

      expect(ids(await t.req('GET', `${API}?available=false`, { key: k.readKey }))).toEqual(['p1'])
      expect(ids(await t.req('GET', `${API}?available=true`, { key: k.readKey })).sort()).toEqual(['p2', 'p3'])
      expect((await t.req('GET', API, { key: k.readKey })).body.meta.pagination.total).toBe(3)

      const revived = await t.req('POST', API, { key: k.writeKey, body: item('p1') })
      expect(revived.status).toBe(200)
      expect(revived.body.data).toMatchObject({ available: true, deletedAt: null })
      await t.req('DELETE', at('p2'), { key: k.writeKey })
      expect((await t.req('PUT', at('p2'), { key: k.writeKey, body: { name: 'back', available: false } })).body.data).toMatchObject({ available: false, deletedAt: null })
      await t.req('DELETE', at('p3'), { key: k.writeKey })
      expect((await t.req('PATCH', at('p3'), { key: k.writeKey, body: { price: 1 } })).body.data.deletedAt).not.toBeNull()
      expect((await t.req('PATCH', at('p3'), { key: k.writeKey, body: { available: true } })).body.data).toMatchObject({ available: true, deletedAt: null, price: 1 })
    })

    test('productIds with spaces, slashes and non-ASCII round-trip through the path', async () => {
      const k = await t.tenantWithKeys()
      for (const id of ['a b', 'cat/sku 1', 'ünï-çødé', '50%']) {
        expect((await t.req('POST', API, { key: k.writeKey, body: item(id) })).status).toBe(201)
        expect((await t.req('GET', at(id), { key: k.readKey })).body.data.productId).toBe(id)
        expect((await t.req('PATCH', at(id), { key: k.writeKey, body: { price: 1 } })).body.data.price).toBe(1)
      }
    })
  })
}
