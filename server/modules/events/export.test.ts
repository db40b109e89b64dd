// Issue 20, export: GET /events/export and GET /catalog/export stream what was sent, in NDJSON
// and CSV, and read it back the same; a large export comes in chunks, a page per read.
import { describe, expect, test } from 'bun:test'
import { csvField, csvLine } from '../../http/export-stream.ts'
import { backend, BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'

/** RFC 4180 records (CRLF or LF ends, quoted fields with doubled quotes and line breaks): the reader side of the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false; else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' }
    else if (c === '\r' && text[i + 1] === '\n') { /* the \n ends the record */ }
    else if (c === '\n') { row.push(field); rows.push(row); row = []; field = '' }
    else field += c
  }
  if (field || row.length) { row.push(field); rows.push(row) }
  return rows
}
/** CSV records as objects by header, empty cells left out. */
const csvObjects = (text: string) => {
  const [header, ...rows] = parseCsv(text)
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]).filter(([, v]) => v !== '')))
}
const ndjson = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l))

describe('CSV encoding', () => {
  test('RFC 4180: quoted only when needed, quotes doubled, no formula guard (an export must import back as it was)', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"')
    expect(csvField('-1')).toBe('-1')
    expect(csvField('=SUM(A1)')).toBe('=SUM(A1)')
    expect(csvField(null)).toBe('')
    expect(csvLine(['a', null, 'b,c'])).toBe('a,,"b,c"\r\n')
    expect(parseCsv(csvLine(['x"y', 'p\nq', '', 'z']))).toEqual([['x"y', 'p\nq', '', 'z']])
  })
})

const MIN = 60_000

for (const name of BACKENDS) {
  describe(`exports [${name}]`, async () => {
    const t = await testApp(name)
    const base = Date.now() - 3 * 86400_000
    const at = (m: number) => new Date(base + m * MIN).toISOString()
    const tricky = { note: 'a, b; "quoted"\nnext line\r\nand\ttab', price: 12.5, quantity: 2, orderId: 'o-1', nested: { list: [1, 'x,y'] } }
    const sent = [
      { eventType: 'purchase', userId: 'u,1', productId: 'p"1', timestamp: at(0), sessionId: 's-1', metadata: tricky, eventId: 'e-1' },
      { eventType: 'product_viewed', userId: 'u 2', productId: 'p,2 "two"', timestamp: at(1) },
      { eventType: 'recommendation_clicked', userId: 'u3', productId: 'p3', timestamp: at(2), placement: 'home', strategy: 'trending', metadata: {} },
      { eventType: 'add_to_cart', userId: 'u3', productId: '=cmd', timestamp: at(3), sessionId: 'sess,"x"' },
    ]
    const seed = async () => {
      const k = await t.tenantWithKeys()
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: sent } })
      expect(r.body.data.accepted).toBe(sent.length)
      return k
    }
    const get = (path: string, key: string) => t.app.handle(new Request(`http://localhost${path}`, { headers: { 'x-api-key': key } }))

    test('events as NDJSON: what was sent, oldest first, with download headers', async () => {
      const k = await seed()
      const r = await get('/api/v1/events/export?format=ndjson', k.writeKey)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8')
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="events-${k.tenantId}.ndjson"`)
      expect(ndjson(await r.text())).toEqual(sent)
    })

    test('events as CSV: a header row, RFC 4180 quoting, metadata as a JSON column; parsing gives back what was sent', async () => {
      const k = await seed()
      const r = await get('/api/v1/events/export?format=csv', k.writeKey)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      expect(r.headers.get('content-disposition')).toBe(`attachment; filename="events-${k.tenantId}.csv"`)
      const text = await r.text()
      expect(text.split('\r\n')[0]).toBe('eventType,userId,productId,timestamp,sessionId,metadata,placement,strategy,eventId')
      const back = csvObjects(text).map((o) => (o.metadata === undefined ? o : { ...o, metadata: JSON.parse(o.metadata) }))
      expect(back).toEqual(sent)
    })

    test('round trip: an NDJSON export sent back through POST /events/batch (another tenant) exports the same again', async () => {
      const a = await seed()
      const b = await t.tenantWithKeys()
      const exported = ndjson(await (await get('/api/v1/events/export?format=ndjson', a.writeKey)).text())
      const back = await t.req('POST', '/api/v1/events/batch', { key: b.writeKey, body: { events: exported } })
      expect(back.body.data).toEqual({ accepted: sent.length, duplicates: 0, rejected: [] })
      expect(ndjson(await (await get('/api/v1/events/export?format=ndjson', b.writeKey)).text())).toEqual(exported)
      // Into the tenant it came from, every event is a duplicate of itself.
      const again = await t.req('POST', '/api/v1/events/batch', { key: a.writeKey, body: { events: exported } })
      expect(again.body.data).toEqual({ accepted: 0, duplicates: sent.length, rejected: [] })
    })

    test('a timestamp stored with microseconds (a bulk import may store them) is exported exactly', async () => {
      const k = await t.tenantWithKeys()
      const { database } = await backend(name)
      const ts = new Date(base).toISOString().replace('Z', '').slice(0, 19) + '.123456Z'
      await database.raw.query('select ensure_event_partitions($1::timestamptz, $1::timestamptz)', [ts])
      await database.raw.query(`insert into events (tenant_id, event_type, user_id, product_id, ts) values ($1, 'product_viewed', 'u', 'p', $2::timestamptz)`, [k.tenantId, ts])
      const [e] = ndjson(await (await get('/api/v1/events/export?format=ndjson', k.writeKey)).text())
      expect(e.timestamp).toBe(ts)
      const [{ same }] = await database.raw.query<{ same: boolean }>('select ts = $2::timestamptz as same from events where tenant_id = $1', [k.tenantId, e.timestamp])
      expect(same).toBe(true)
    })

    test('from/to bound the timestamps, both ends included; an empty range is just the header', async () => {
      const k = await seed()
      const r = await get(`/api/v1/events/export?format=ndjson&from=${at(1)}&to=${at(2)}`, k.writeKey)
      expect(ndjson(await r.text()).map((e) => e.userId)).toEqual(['u 2', 'u3'])
      const after = await get(`/api/v1/events/export?format=ndjson&from=${at(3)}`, k.writeKey)
      expect(ndjson(await after.text()).map((e) => e.productId)).toEqual(['=cmd'])
      const none = await get(`/api/v1/events/export?format=csv&to=${at(-1)}`, k.writeKey)
      expect(await none.text()).toBe('eventType,userId,productId,timestamp,sessionId,metadata,placement,strategy,eventId\r\n')
    })

    test('the catalog, both formats: what was sent (deleted items left out), in productId order', async () => {
      const k = await t.tenantWithKeys()
      const items = [
        { productId: 'b,2', name: 'Shoe "Trail"', description: 'line one\nline two, with comma', category: 'shoes', price: 89.9, currency: 'EUR', imageUrl: 'https://img.example/b.jpg', url: 'https://shop.example/b', attributes: { sizes: [41, 42], note: 'a,"b"' }, available: false },
        { productId: 'a1', name: 'Plain', attributes: {}, available: true },
        { productId: 'gone', name: 'Deleted', attributes: {}, available: true },
      ]
      expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })).body.data.created).toBe(3)
      expect((await t.req('DELETE', '/api/v1/catalog/gone', { key: k.writeKey })).status).toBe(200)
      const want = [items[1], items[0]]
      const nd = await get('/api/v1/catalog/export?format=ndjson', k.writeKey)
      expect(nd.headers.get('content-disposition')).toBe(`attachment; filename="catalog-${k.tenantId}.ndjson"`)
      expect(ndjson(await nd.text())).toEqual(want)
      const csv = await get('/api/v1/catalog/export?format=csv', k.writeKey)
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8')
      const back = csvObjects(await csv.text()).map((o) => ({ ...o, attributes: JSON.parse(o.attributes), available: o.available === 'true', ...(o.price ? { price: Number(o.price) } : {}) }))
      expect(back).toEqual(want)
      // Re-sent as it was exported, every item is an update of itself.
      const again = await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items: back } })
      expect(again.body.data).toEqual({ created: 0, updated: 2, rejected: [] })
    })

    test('a large export is read and sent a page (1,000 rows) at a time, as the client takes it', async () => {
      const k = await t.tenantWithKeys()
      const n = 2_345
      for (let from = 0; from < n; from += 100) {
        const events = Array.from({ length: Math.min(100, n - from) }, (_, i) => ({ eventType: 'product_viewed', userId: `u${(from + i) % 37}`, productId: `p${from + i}`, timestamp: at((from + i) / 100) }))
        expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).body.data.accepted).toBe(events.length)
      }
      const r = await get('/api/v1/events/export?format=ndjson', k.writeKey)
      const reader = r.body!.getReader()
      const dec = new TextDecoder()
      const chunks: number[] = []
      let text = ''
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        const s = dec.decode(value, { stream: true })
        chunks.push(s.split('\n').length - 1)
        text += s
      }
      expect(chunks).toEqual([1000, 1000, 345])
      const got = ndjson(text)
      expect(got.length).toBe(n)
      expect(new Set(got.map((e) => e.productId)).size).toBe(n) // no row twice across page boundaries
      // Pages are read only as they are taken: a client that stops after one reads no more.
      let reads = 0
      const pages = t.app.services.events.exportPages(k.tenantId, {}, 500)
      const counted = (async function* () { for await (const p of pages) { reads++; yield p } })()
      await counted.next()
      await counted.return(undefined)
      expect(reads).toBe(1)
    })

    test('two exports at once per tenant: a third is 429 until one ends (read to the end or cancelled); other tenants are not held up', async () => {
      const k = await seed()
      const other = await seed()
      const open = [await get('/api/v1/events/export?format=ndjson', k.writeKey), await get('/api/v1/catalog/export?format=csv', k.writeKey)]
      expect(open.map((r) => r.status)).toEqual([200, 200])
      const third = await t.req('GET', '/api/v1/events/export?format=csv', { key: k.writeKey })
      expectProblem(third, 429)
      expect(third.headers.get('retry-after')).toBe('5')
      expect((await get('/api/v1/events/export?format=ndjson', other.writeKey)).status).toBe(200)
      expect(ndjson(await open[0]!.text()).length).toBe(sent.length) // read to the end: its slot is free
      const fourth = await get('/api/v1/events/export?format=ndjson', k.writeKey)
      expect(fourth.status).toBe(200)
      expectProblem(await t.req('GET', '/api/v1/events/export?format=csv', { key: k.writeKey }), 429)
      await open[1]!.body!.cancel() // a client that hangs up frees its slot too
      const fifth = await t.req('GET', '/api/v1/events/export?format=csv', { key: k.writeKey })
      expect(fifth.status).toBe(200)
      await fourth.text()
    })

    test('bad input is a 400 problem: format missing or unknown, a date that is not one, from after to', async () => {
      const k = await seed()
      const fieldOf = async (path: string) => expectProblem(await t.req('GET', path, { key: k.writeKey }), 400).errors?.[0]?.field
      expect(await fieldOf('/api/v1/events/export')).toBe('format')
      expect(await fieldOf('/api/v1/events/export?format=xml')).toBe('format')
      expect(await fieldOf('/api/v1/catalog/export?format=json')).toBe('format')
      expect(await fieldOf('/api/v1/events/export?format=csv&from=yesterday')).toBe('from')
      expect(await fieldOf('/api/v1/events/export?format=csv&to=2026-02-30T00:00:00Z')).toBe('to')
      expect(await fieldOf(`/api/v1/events/export?format=csv&from=${at(2)}&to=${at(1)}`)).toBe('from')
    })

    test('a read key cannot export; another tenant\'s key exports only its own data', async () => {
      const a = await seed()
      const b = await t.tenantWithKeys()
      expectProblem(await t.req('GET', '/api/v1/events/export?format=ndjson', { key: a.readKey }), 403)
      expectProblem(await t.req('GET', '/api/v1/catalog/export?format=csv', { key: a.readKey }), 403)
      expect(await (await get('/api/v1/events/export?format=ndjson', b.writeKey)).text()).toBe('')
      // X-Tenant-ID naming another tenant does not move a key out of its own.
      const r = await t.req('GET', '/api/v1/events/export?format=ndjson', { key: b.writeKey, tenant: a.tenantId })
      expect(r.status).toBe(200)
      expect(r.text).toBe('')
      // An admin exports a tenant it owns with X-Tenant-ID.
      const own = await t.req('GET', '/api/v1/events/export?format=ndjson', { token: a.token, tenant: a.tenantId })
      expect(ndjson(own.text).length).toBe(sent.length)
    })
  })
}
