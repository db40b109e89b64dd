import { describe, expect, test } from 'bun:test'
import { csvRecords, jsonArrayRecords, ndjsonRecords, UnreadableFile, type RawRecord } from './records.ts'
import { columnTargets, fromCsv, fromJson, mappingProblem, normalizeTimestamp } from './rows.ts'

async function* chunked(text: string, size: number) { for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size) }
async function all(gen: AsyncIterable<RawRecord>) { const out: RawRecord[] = []; for await (const r of gen) out.push(r); return out }
// Every chunking of a file must read the same records: a chunk may end anywhere, inside a quote or a "" escape.
async function sameAtEverySize(read: (c: AsyncIterable<string>) => AsyncIterable<RawRecord>, text: string) {
  const whole = await all(read(chunked(text, text.length || 1)))
  for (const size of [1, 2, 3, 7]) expect(await all(read(chunked(text, size)))).toEqual(whole)
  return whole
}

describe('csvRecords', () => {
  test('quoted fields hold commas, quotes and line breaks; lines are where each record starts; CRLF and a last line without one', async () => {
    const text = 'a,b,c\r\n1,"x, y",3\r\n"multi\nline","say ""hi""",\r\n\n4,5,6'
    expect(await sameAtEverySize((c) => csvRecords(c), text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', '3'] },
      { line: 3, fields: ['multi\nline', 'say "hi"', ''] },
      { line: 6, fields: ['4', '5', '6'] },
    ])
  })

  test('an over-long record is reported and skipped; the next one is read', async () => {
    const text = `a\n${'x'.repeat(50)}\nok\n`
    expect(await all(csvRecords(chunked(text, 8), 20))).toEqual([{ line: 1, fields: ['a'] }, { line: 2, error: 'The record is longer than 1,048,576 characters' }, { line: 3, fields: ['ok'] }])
  })

  test('a quote left open is reported at the line it opened', async () => {
    expect(await all(csvRecords(chunked('a\n"open\nstill', 4)))).toEqual([{ line: 1, fields: ['a'] }, { line: 2, error: 'A quoted field is not closed before the end of the file' }])
  })
})

describe('ndjsonRecords and jsonArrayRecords', () => {
  test('NDJSON: one value a line, blank lines skipped, a malformed line is one bad record', async () => {
    const text = '{"a":1}\n\n{"a":\n{"b":"}{"}\n'
    expect(await sameAtEverySize((c) => ndjsonRecords(c), text)).toEqual([
      { line: 1, value: { a: 1 } }, { line: 3, error: 'The line is not valid JSON' }, { line: 4, value: { b: '}{' } },
    ])
  })

  test('JSON: the elements of one array, strings with brackets and escapes kept whole, a malformed element alone refused', async () => {
    const text = '\ufeff[\n {"a":"],\\"{"},\n {"n":[1,{"x":2}]},\n {bad},\n 7\n]\n'
    expect(await sameAtEverySize((c) => jsonArrayRecords(c), text)).toEqual([
      { line: 2, value: { a: '],"{' } }, { line: 3, value: { n: [1, { x: 2 }] } }, { line: 4, error: 'The element is not valid JSON' }, { line: 5, value: 7 },
    ])
  })

  test('JSON that is not one array is an unreadable file', async () => {
    for (const text of ['{"a":1}', '', '[{"a":1}', '[1] 2']) {
      await expect(all(jsonArrayRecords(chunked(text, 3)))).rejects.toBeInstanceOf(UnreadableFile)
    }
  })
})

describe('rows', () => {
  test('without a mapping our names and their snake_case forms are recognised; others are ignored', () => {
    expect(columnTargets('events', ['\ufeffevent_type', 'User ID', 'productId', 'colour'], {})).toEqual(['eventType', 'userId', 'productId', undefined])
  })

  test('a mapping renames columns, reaches into metadata, and converts CSV text to the field\'s type', () => {
    const header = ['InvoiceDate', 'CustomerID', 'StockCode', 'UnitPrice', 'Quantity']
    const mapping = { InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price', Quantity: 'metadata.quantity' }
    const targets = columnTargets('events', header, mapping)
    const built = fromCsv('events', header, targets, ['2026-11-30 08:26', '17850', '85123A', '2.55', '6'], { eventType: 'purchase' })
    expect(built.value).toEqual({ timestamp: '2026-11-30T08:26:00Z', userId: '17850', productId: '85123A', metadata: { price: 2.55, quantity: 6 }, eventType: 'purchase' })
    expect(built.columnOf('metadata.price')).toBe('UnitPrice')
    expect(built.columnOf('userId')).toBe('CustomerID')
  })

  test('JSON keys are renamed the same way; unknown ones stay for validation to refuse', () => {
    const b = fromJson('catalog', { product_id: 'p1', Title: 'Shoe', extra: 1 }, { Title: 'name' }, {})
    expect(b.value).toEqual({ productId: 'p1', name: 'Shoe', extra: 1 })
    expect(b.columnOf('name')).toBe('Title')
  })

  test('a "__proto__" key stays an own (unknown) key, never the object\'s prototype', () => {
    const b = fromJson('events', JSON.parse('{"__proto__":{"eventType":"purchase"},"userId":"u"}'), {}, {})
    expect(Object.keys(b.value)).toEqual(['__proto__', 'userId'])
    expect((b.value as { eventType?: unknown }).eventType).toBeUndefined()
  })

  test('mappings to fields that do not exist are refused, naming them', () => {
    expect(mappingProblem('events', { a: 'userId', b: 'metadata.x' })).toBeNull()
    expect(mappingProblem('events', { a: 'user' })).toContain('"a" to "user"')
    expect(mappingProblem('catalog', { a: 'metadata.x' })).toContain('not a field of catalog')
    expect(mappingProblem('events', ['userId'])).toContain('JSON object')
  })

  test('timestamps in the forms exports use become ISO 8601; others are left for validation', () => {
    expect(normalizeTimestamp('2026-01-02')).toBe('2026-01-02T00:00:00Z')
    expect(normalizeTimestamp('2026-01-02 03:04:05+02:00')).toBe('2026-01-02T03:04:05+02:00')
    expect(normalizeTimestamp('1767225600')).toBe('2026-01-01T00:00:00.000Z')
    expect(normalizeTimestamp(1767225600000)).toBe('2026-01-01T00:00:00.000Z')
    expect(normalizeTimestamp('12/1/2010 8:26')).toBe('12/1/2010 8:26')
  })
})
