import { describe, expect, test } from 'bun:test'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PayloadTooLarge } from '../../errors.ts'
import { boundaryOf, readText, spoolBody, spoolMultipart } from './upload.ts'

/** A body delivered in pieces of `size` bytes, as a slow network would. */
const pieces = (bytes: Uint8Array, size: number) => new ReadableStream<Uint8Array>({
  start(c) { for (let i = 0; i < bytes.length; i += size) c.enqueue(bytes.slice(i, i + size)); c.close() },
})

describe('uploads', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'upload-test-'))

  test('multipart: the file part is written whole and the other parts become fields, however the body is cut', async () => {
    const file = 'a,b\r\n1,"x\r\n--not a boundary"\r\n' + 'é'.repeat(3000)
    const form = new FormData()
    form.set('mapping', '{"a":"userId"}')
    form.set('file', new Blob([file], { type: 'text/csv' }), 'f.csv')
    form.set('after', 'yes')
    const res = new Response(form)
    const boundary = boundaryOf(res.headers.get('content-type')!)! // read before the body: Bun names the boundary when first asked
    const bytes = new Uint8Array(await res.arrayBuffer())
    for (const size of [1, 7, 64, 100_000]) {
      const path = join(dir, `m${size}`)
      const r = await spoolMultipart(pieces(bytes, size), boundary, path, 1 << 20)
      expect(r.fields).toEqual({ mapping: '{"a":"userId"}', after: 'yes' })
      expect(await readFile(path, 'utf8')).toBe(file)
      expect(r.bytes).toBe(new TextEncoder().encode(file).byteLength)
    }
  })

  test('a body over the limit is refused as it streams; text reads back in chunks across multi-byte characters', async () => {
    await expect(spoolBody(pieces(new Uint8Array(5000), 100), join(dir, 'big'), 4096)).rejects.toBeInstanceOf(PayloadTooLarge)
    const text = '\ufeff' + 'ä€😀'.repeat(500)
    await spoolBody(pieces(new TextEncoder().encode(text), 3), join(dir, 't'), 1 << 20)
    let bytes = 0
    let read = ''
    for await (const chunk of readText(join(dir, 't'), (n) => { bytes += n }, 5)) read += chunk
    expect(read).toBe(text.slice(1)) // the byte order mark is dropped
    expect(bytes).toBe(new TextEncoder().encode(text).byteLength)
  })

  test('a multipart body without a file part, or cut short, is a 400', async () => {
    const enc = new TextEncoder()
    await expect(spoolMultipart(pieces(enc.encode('--b\r\ncontent-disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n'), 4), 'b', join(dir, 'n'), 1 << 20)).rejects.toThrow('no "file" field')
    await expect(spoolMultipart(pieces(enc.encode('--b\r\ncontent-disposition: form-data; name="file"\r\n\r\n1,2\n3'), 4), 'b', join(dir, 'c'), 1 << 20)).rejects.toThrow('ends before its closing boundary')
    await rm(dir, { recursive: true, force: true })
  })
})
