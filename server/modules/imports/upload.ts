// An upload, written to a file as it arrives (never whole in memory), and read
// back as text chunks. Two shapes: the file as the request body, or a
// multipart/form-data body whose `file` part is the file and whose other small
// parts are form fields (the console's form), read with a streaming splitter.
import { Buffer } from 'node:buffer'
import { open, mkdir } from 'node:fs/promises'
import { BadRequest, PayloadTooLarge } from '../../errors.ts'

/** Largest form field (mapping, type…) of a multipart upload. */
const MAX_FIELD_BYTES = 64 * 1024
/** Largest header block of one multipart part. */
const MAX_PART_HEADERS = 16 * 1024

export interface Spooled { bytes: number; fields: Record<string, string> }

async function fileWriter(path: string, maxBytes: number) {
  await mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true })
  const fh = await open(path, 'w')
  let bytes = 0
  return {
    get bytes() { return bytes },
    async write(chunk: Uint8Array) {
      bytes += chunk.byteLength
      if (bytes > maxBytes) throw new PayloadTooLarge(`The import file exceeds ${maxBytes} bytes`)
      let at = 0
      while (at < chunk.byteLength) at += (await fh.write(chunk, at, chunk.byteLength - at)).bytesWritten
    },
    close: () => fh.close(),
  }
}

/** Writes the request body to `path`; its size. */
export async function spoolBody(body: ReadableStream<Uint8Array> | null, path: string, maxBytes: number): Promise<Spooled> {
  const out = await fileWriter(path, maxBytes)
  try {
    if (body) for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) await out.write(chunk)
  } finally { await out.close() }
  return { bytes: out.bytes, fields: {} }
}

/** The boundary of a multipart/form-data content type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m ? (m[1] ?? m[2]) : undefined
}

/** Writes the `file` part of a multipart body to `path` and collects the other (small) parts as fields. */
export async function spoolMultipart(body: ReadableStream<Uint8Array> | null, boundary: string, path: string, maxBytes: number): Promise<Spooled> {
  if (!body) throw new BadRequest('The multipart body is empty: send the file as the "file" field')
  const out = await fileWriter(path, maxBytes)
  const fields: Record<string, string> = {}
  let sawFile = false
  const delimiter = Buffer.from(`\r\n--${boundary}`)
  // The first delimiter has no CRLF before it: start the buffer with one.
  let buf = Buffer.from('\r\n')
  let state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble'
  let part: { name: string; file: boolean; field: Buffer[]; size: number } | undefined
  let total = 0
  const emit = async (data: Buffer) => {
    if (!part || !data.byteLength) return
    if (part.file) return out.write(data)
    part.size += data.byteLength
    if (part.size > MAX_FIELD_BYTES) throw new PayloadTooLarge(`The form field "${part.name}" exceeds ${MAX_FIELD_BYTES} bytes`)
    part.field.push(data)
  }
  const endPart = () => {
    if (part && !part.file) fields[part.name] = Buffer.concat(part.field).toString('utf8')
    part = undefined
  }
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength
      if (total > maxBytes + MAX_FIELD_BYTES * 4) throw new PayloadTooLarge(`The import file exceeds ${maxBytes} bytes`)
      buf = buf.byteLength ? Buffer.concat([buf, chunk]) : Buffer.from(chunk)
      for (;;) {
        if (state === 'done') { buf = Buffer.alloc(0); break }
        if (state === 'preamble' || state === 'body') {
          const at = buf.indexOf(delimiter)
          if (at < 0) {
            // Keep what could be the start of a delimiter; the rest is data.
            const keep = Math.min(buf.byteLength, delimiter.byteLength - 1)
            if (state === 'body') await emit(buf.subarray(0, buf.byteLength - keep))
            buf = Buffer.from(buf.subarray(buf.byteLength - keep))
            break
          }
          if (buf.byteLength < at + delimiter.byteLength + 2) break // need to see what follows the delimiter
          if (state === 'body') { await emit(buf.subarray(0, at)); endPart() }
          const after = buf.subarray(at + delimiter.byteLength, at + delimiter.byteLength + 2).toString('latin1')
          buf = Buffer.from(buf.subarray(at + delimiter.byteLength + 2))
          if (after === '--') { state = 'done'; continue }
          if (after !== '\r\n') throw new BadRequest('The multipart body is malformed (a boundary is not followed by a line break)')
          state = 'headers'
        }
        if (state === 'headers') {
          const end = buf.indexOf('\r\n\r\n')
          if (end < 0) {
            if (buf.byteLength > MAX_PART_HEADERS) throw new BadRequest('A multipart part has headers over 16 KiB')
            break
          }
          const headers = buf.subarray(0, end).toString('utf8')
          buf = Buffer.from(buf.subarray(end + 4))
          const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? ''
          const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? ''
          const file = name === 'file'
          if (file) {
            if (sawFile) throw new BadRequest('Send one file per import (the "file" field appears twice)')
            sawFile = true
          }
          part = { name, file, field: [], size: 0 }
          state = 'body'
        }
      }
    }
  } finally { await out.close() }
  if (state !== 'done') throw new BadRequest('The multipart body ends before its closing boundary (was the upload interrupted?)')
  if (!sawFile) throw new BadRequest('The multipart body has no "file" field: send the file as the "file" field')
  return { bytes: out.bytes, fields }
}

/** The file's text in chunks (UTF-8; a byte order mark is dropped), telling `onBytes` how many bytes each came from. */
export async function* readText(path: string, onBytes: (n: number) => void, chunkBytes = 1 << 20): AsyncGenerator<string> {
  const fh = await open(path, 'r')
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false })
  const buf = new Uint8Array(chunkBytes)
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null)
      if (!bytesRead) break
      onBytes(bytesRead)
      const text = decoder.decode(buf.subarray(0, bytesRead), { stream: true })
      if (text) yield text
    }
    const rest = decoder.decode()
    if (rest) yield rest
  } finally { await fh.close() }
}
