import { describe, expect, test } from 'bun:test'
import { expectProblem, type Res } from '../../test/harness.ts'
import { BACKENDS, catalogApp, API, at, item, ids, fields } from './test-fixtures.ts'

for (const backend of BACKENDS) {
  describe(`catalog listing and search [${backend}]`, async () => {
    const t = await catalogApp(backend)

    test('GET /catalog paginates newest-updated first, stably, and filters by category, availability and q', async () => {
      const k = await t.tenantWithKeys()
      const post = (body: object) => t.req('POST', API, { key: k.writeKey, body })
      await post(item('a', { category: 'shoes', name: 'Red Runner', description: 'fast' }))
      await post(item('b', { category: 'shoes', name: 'Blue Walker', description: '100% wool, not for_running' }))
      await post(item('c', { category: 'hats', name: 'Sun hat', available: false }))
      // Same updatedAt for a whole batch: productId breaks the tie.
      await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [item('z', { category: 'socks' }), item('y', { category: 'socks' }), item('x', { category: 'socks' })] } })
      await t.req('PATCH', at('a'), { key: k.writeKey, body: { price: 1 } })

      const all = await t.req('GET', API, { key: k.readKey })
      expect(ids(all)).toEqual(['a', 'x', 'y', 'z', 'c', 'b'])
      expect(all.body.meta.pagination).toEqual({ total: 6, limit: 20, offset: 0, hasMore: false, nextCursor: null })
      const pages = []
      for (let offset = 0; offset < 6; offset += 4) pages.push(await t.req('GET', `${API}?limit=4&offset=${offset}`, { key: k.readKey }))
      expect(pages[0].body.meta.pagination).toMatchObject({ total: 6, limit: 4, offset: 0, hasMore: true })
      expect(pages[1].body.meta.pagination).toEqual({ total: 6, limit: 4, offset: 4, hasMore: false, nextCursor: null })
      // An offset page's nextCursor continues where it ended.
      const next = await t.req('GET', `${API}?limit=4&cursor=${pages[0].body.meta.pagination.nextCursor}`, { key: k.readKey })
      expect(ids(next)).toEqual(ids(pages[1]))
      expect([...ids(pages[0]), ...ids(pages[1])]).toEqual(ids(all))
      // A page past the end cannot tell the total from its rows: it is counted.
      expect((await t.req('GET', `${API}?offset=100`, { key: k.readKey })).body.meta.pagination).toEqual({ total: 6, limit: 20, offset: 100, hasMore: false, nextCursor: null })

      expect(ids(await t.req('GET', `${API}?category=shoes`, { key: k.readKey }))).toEqual(['a', 'b'])
      expect(ids(await t.req('GET', `${API}?category=Shoes`, { key: k.readKey }))).toEqual([])
      expect(ids(await t.req('GET', `${API}?category=shoes&available=true`, { key: k.readKey }))).toEqual(['a', 'b'])
      expect(ids(await t.req('GET', `${API}?available=false`, { key: k.readKey }))).toEqual(['c'])
      expect(ids(await t.req('GET', `${API}?q=RUNNER`, { key: k.readKey }))).toEqual(['a'])
      expect(ids(await t.req('GET', `${API}?q=wool`, { key: k.readKey }))).toEqual(['b']) // description too
      expect(ids(await t.req('GET', `${API}?q=${encodeURIComponent('100%')}`, { key: k.readKey }))).toEqual(['b'])
      expect(ids(await t.req('GET', `${API}?q=${encodeURIComponent('0%')}`, { key: k.readKey }))).toEqual(['b'])
      expect(ids(await t.req('GET', `${API}?q=_r`, { key: k.readKey }))).toEqual(['b'])
      expect(ids(await t.req('GET', `${API}?q=${encodeURIComponent('r_n')}`, { key: k.readKey }))).toEqual([])
      expect(ids(await t.req('GET', `${API}?q=${encodeURIComponent('\\\\')}`, { key: k.readKey }))).toEqual([])
      // One character matches nearly everything and no index narrows it.
      // Name and description are searched apart: no match across them, and q has no control characters.
      expect(ids(await t.req('GET', `${API}?q=${encodeURIComponent('Runner fast')}`, { key: k.readKey }))).toEqual([])
      expect(fields(await t.req('GET', `${API}?q=${encodeURIComponent('Runner\nfast')}`, { key: k.readKey }))).toEqual(['q'])
      for (const q of ['%', '_', 'a']) expect(fields(await t.req('GET', `${API}?q=${encodeURIComponent(q)}`, { key: k.readKey }))).toEqual(['q'])
      expect(ids(await t.req('GET', `${API}?q=hat&category=hats&available=false`, { key: k.readKey }))).toEqual(['c'])

      expect(fields(await t.req('GET', `${API}?limit=101`, { key: k.readKey }))).toEqual(['limit'])
      expect(fields(await t.req('GET', `${API}?available=maybe`, { key: k.readKey }))).toEqual(['available'])
      expectProblem(await t.req('GET', `${API}?offset=-1`, { key: k.readKey }), 400)
    })

    test('cursor paging is exact: 250 items sharing one updatedAt come back each exactly once, page after page', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', API, { key: k.writeKey, body: item('older') })
      const tied = Array.from({ length: 250 }, (_, i) => item(`t${String(i).padStart(3, '0')}`))
      expect((await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: tied } })).body.data.created).toBe(250)
      await t.req('POST', API, { key: k.writeKey, body: item('newer') })

      const seen: string[] = []
      let cursor: string | null = null
      for (let pages = 0; pages < 20; pages++) {
        const r: Res = await t.req('GET', `${API}?limit=37${cursor ? `&cursor=${cursor}` : ''}`, { key: k.readKey })
        expect(r.status).toBe(200)
        expect(r.body.meta.pagination).toMatchObject({ total: 252, limit: 37, offset: 0 })
        seen.push(...ids(r))
        cursor = r.body.meta.pagination.nextCursor
        expect(r.body.meta.pagination.hasMore).toBe(cursor !== null)
        if (!cursor) break
      }
      expect(seen).toEqual(['newer', ...tied.map((x) => x.productId), 'older'])

      // A search pages by cursor too.
      const s1 = await t.req('GET', `${API}?q=t1&limit=60`, { key: k.readKey })
      const s2 = await t.req('GET', `${API}?q=t1&limit=60&cursor=${s1.body.meta.pagination.nextCursor}`, { key: k.readKey })
      expect([...ids(s1), ...ids(s2)]).toEqual(tied.map((x) => x.productId).filter((p) => p.includes('t1')))
      expect(s2.body.meta.pagination.nextCursor).toBeNull()
    })

    test('a search counts at most 1,000 matches in total; paging by cursor still reaches every one', async () => {
      const k = await t.tenantWithKeys()
      for (let b = 0; b < 3; b++) {
        await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: Array.from({ length: 500 }, (_, i) => item(`m${b * 500 + i}`)) } })
      }
      expect((await t.req('GET', `${API}?limit=1`, { key: k.readKey })).body.meta.pagination.total).toBe(1500)
      const seen = new Set<string>()
      let cursor: string | null = null
      do {
        const r: Res = await t.req('GET', `${API}?q=product&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { key: k.readKey })
        expect(r.body.meta.pagination.total).toBe(1000)
        for (const id of ids(r)) seen.add(id)
        cursor = r.body.meta.pagination.nextCursor
      } while (cursor)
      expect(seen.size).toBe(1500)
    })

    test('cursor with offset is a 400 naming offset; a forged or foreign-shaped cursor is a 400 naming cursor', async () => {
      const k = await t.tenantWithKeys()
      await t.req('POST', `${API}/batch`, { key: k.writeKey, body: { items: [item('a'), item('b')] } })
      const cursor = (await t.req('GET', `${API}?limit=1`, { key: k.readKey })).body.meta.pagination.nextCursor
      expect(fields(await t.req('GET', `${API}?cursor=${cursor}&offset=0`, { key: k.readKey }))).toEqual(['offset'])
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
      for (const forged of ['nope', b64(['x', 'a']), b64([1e300, 'a']), b64([2 ** 60, 'a']), b64([1.5, 'a']), b64([1])]) {
        expect(fields(await t.req('GET', `${API}?cursor=${forged}`, { key: k.readKey }))).toEqual(['cursor'])
      }
      // A position far in the past or future is simply an empty or full page, never an error.
      expect(ids(await t.req('GET', `${API}?cursor=${b64([-(2 ** 53 - 1), ''])}`, { key: k.readKey }))).toEqual([])
      expect(ids(await t.req('GET', `${API}?cursor=${b64([2 ** 53 - 1, ''])}`, { key: k.readKey }))).toEqual(['a', 'b'])
    })
  })
}
