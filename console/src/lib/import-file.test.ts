import { describe, expect, test } from 'bun:test'
import { columnsOf, formatBytes, formatOfFile, guessMapping, mappingOf } from './import-file'

describe('reading an import file in the browser', () => {
  test('the format from the name, then the MIME type', () => {
    expect(formatOfFile('orders.CSV')).toBe('csv')
    expect(formatOfFile('events.jsonl')).toBe('ndjson')
    expect(formatOfFile('items.json')).toBe('json')
    expect(formatOfFile('export', 'text/csv')).toBe('csv')
    expect(formatOfFile('export.txt', 'application/x-ndjson')).toBe('ndjson')
    expect(formatOfFile('export.txt', 'text/plain')).toBeUndefined()
  })

  test('CSV: the header (quoted cells, BOM, CRLF), also when the slice ends inside the first line of a short file', () => {
    expect(columnsOf('csv', '\ufeffInvoiceDate,"Customer, ID","Say ""hi"""\r\n1,2,3\r\n')).toEqual({ columns: ['InvoiceDate', 'Customer, ID', 'Say "hi"'] })
    expect(columnsOf('csv', 'a,b')).toEqual({ columns: ['a', 'b'] })
    expect(columnsOf('csv', '\n1,2')).toMatchObject({ error: expect.stringContaining('no header row') })
  })

  test('NDJSON and JSON: the keys of the first object', () => {
    expect(columnsOf('ndjson', '{"user_id":"u","meta":{"a":"}"}}\n{"x":1}\n')).toEqual({ columns: ['user_id', 'meta'] })
    expect(columnsOf('json', ' [\n {"productId":"p","name":"N"},\n {"productId"')).toEqual({ columns: ['productId', 'name'] })
    expect(columnsOf('json', '{"productId":"p"}')).toMatchObject({ error: expect.stringContaining('does not start with "["') })
    expect(columnsOf('ndjson', '{"cut":"off')).toMatchObject({ error: expect.stringContaining('No JSON object') })
  })

  test('the guess is the server\'s recognition; the mapping sent holds only what the guess would not do', () => {
    const cols = ['User ID', 'product_id', 'InvoiceDate', 'Price']
    expect(guessMapping('events', cols)).toEqual(['userId', 'productId', '', ''])
    expect(mappingOf('events', cols, ['userId', 'productId', 'timestamp', 'metadata.Price'])).toEqual({ InvoiceDate: 'timestamp', Price: 'metadata.Price' })
    expect(guessMapping('catalog', ['Price', 'image_url'])).toEqual(['price', 'imageUrl'])
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(1_500_000)).toBe('1.5 MB')
  })
})
