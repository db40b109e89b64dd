import { describe, expect, test } from 'bun:test'
import { expectProblem } from '../../test/harness.ts'
import { BACKENDS, catalogApp, API, at, item, ids } from './test-fixtures.ts'

for (const backend of BACKENDS) {
  describe(`catalog access, isolation and change events [${backend}]`, async () => {
    const t = await catalogApp(backend)

    test('a read key gets 403 on every write; without credentials 401; an admin JWT with X-Tenant-ID may write', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', API, { key: k.writeKey, body: item('p1') })
      const writes: [string, string, unknown][] = [
        ['POST', API, item('p2')], ['POST', `${API}/batch`, { items: [item('p2')] }],
        ['PUT', at('p1'), { name: 'x' }], ['PATCH', at('p1'), { name: 'x' }], ['DELETE', at('p1'), undefined],
      ]
      for (const [method, path, body] of writes) {
        expect(expectProblem(await t.req(method, path, { key: k.readKey, body }), 403).detail).toBe('Insufficient permissions: write access required')
        expectProblem(await t.req(method, path, { body }), 401)
      }
      expectProblem(await t.req('GET', API), 401)
      expectProblem(await t.req('GET', at('p1')), 401)
      expect((await t.req('GET', API, { key: k.readKey })).body.data).toHaveLength(1)
      expect((await t.req('GET', at('p1'), { key: k.readKey })).body.data.name).toBe('Product p1')

      const byAdmin = await t.req('POST', API, { token: k.token, tenant: k.tenantId, body: item('p3') })
      expect(byAdmin.status).toBe(201)
      expect((await t.req('GET', API, { token: k.token, tenant: k.tenantId })).body.meta.pagination.total).toBe(2)
    })

    test('tenants are isolated: another tenant\'s items cannot be read, listed or changed; the same productId lives in both', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      await t.req('POST', API, { key: a.writeKey, body: item('only-a', { price: 1 }) })
      await t.req('POST', API, { key: a.writeKey, body: item('shared', { name: 'A version' }) })
      const snapshot = async () => (await t.req('GET', `${API}?limit=100`, { key: a.readKey })).body

      const before = await snapshot()
      expectProblem(await t.req('GET', at('only-a'), { key: b.readKey }), 404)
      expectProblem(await t.req('PUT', at('only-a'), { key: b.writeKey, body: { name: 'pwned' } }), 404)
      expectProblem(await t.req('PATCH', at('only-a'), { key: b.writeKey, body: { price: 0 } }), 404)
      expectProblem(await t.req('DELETE', at('only-a'), { key: b.writeKey }), 404)
      expect((await t.req('GET', API, { key: b.readKey })).body.meta.pagination.total).toBe(0)
      expect((await t.req('GET', `${API}?q=only`, { key: b.readKey })).body.data).toEqual([])

      // The same productId in B is B's own item.
      expect((await t.req('POST', API, { key: b.writeKey, body: item('shared', { name: 'B version' }) })).status).toBe(201)
      expect((await t.req('POST', `${API}/batch`, { key: b.writeKey, body: { items: [item('only-a', { name: 'B too' })] } })).body.data).toMatchObject({ created: 1, updated: 0 })
      await t.req('DELETE', at('shared'), { key: b.writeKey })
      expect(ids(await t.req('GET', API, { key: b.readKey })).sort()).toEqual(['only-a', 'shared'])
      expect(await snapshot()).toEqual(before)
      expect((await t.req('GET', at('shared'), { key: a.readKey })).body.data).toMatchObject({ name: 'A version', available: true, deletedAt: null })

      // An admin reaches only their own tenants' catalogs.
      expectProblem(await t.req('GET', API, { token: b.token, tenant: a.tenantId }), 404)
      expectProblem(await t.req('POST', API, { token: b.token, tenant: a.tenantId, body: item('x') }), 404)
      expect(await snapshot()).toEqual(before)
    })

    test('every write is announced to onCatalogChange listeners; reads and misses are not', async () => {
      const k = await t.tenantWithKeys()
      const heard: [string, string[]][] = []
      const off = t.app.events.onCatalogChange((tenantId, productIds) => {
        if (tenantId === k.tenantId) heard.push([tenantId, productIds])
      })
      const offBroken = t.app.events.onCatalogChange(() => { throw new Error('listener bug') })
      try {
        expect((await t.req('POST', API, { key: k.writeKey, body: item('p1') })).status).toBe(201)
        await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [item('p2'), { bad: 1 }, item('p3')] } })
        await t.req('PUT', at('p1'), { key: k.writeKey, body: { name: 'x' } })
        await t.req('PATCH', at('p2'), { key: k.writeKey, body: { price: 1 } })
        await t.req('DELETE', at('p3'), { key: k.writeKey })
        await t.req('GET', at('p1'), { key: k.readKey })
        await t.req('PUT', at('missing'), { key: k.writeKey, body: { name: 'x' } })
        await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [{ bad: 1 }] } })
      } finally {
        off()
        offBroken()
      }
      expect(heard.map(([, productIds]) => productIds.sort())).toEqual([['p1'], ['p2', 'p3'], ['p1'], ['p2'], ['p3']])
      await t.req('DELETE', at('p1'), { key: k.writeKey })
      expect(heard).toHaveLength(5)
    })
  })
}
