// One body parser for the whole API: a size limit enforced before anything is
// read into memory, JSON (also sent as text/plain by navigator.sendBeacon),
// and a clear 400 for malformed JSON.
import { Elysia } from 'elysia'
import { BadRequest, PayloadTooLarge } from '../errors.ts'

export function bodyParser(maxBytes: number) {
  return new Elysia({ name: 'body-parser' }).onParse({ as: 'global' }, async ({ request, contentType }) => {
    const declared = Number(request.headers.get('content-length') ?? 0)
    if (declared > maxBytes) throw new PayloadTooLarge(`The request body exceeds ${maxBytes} bytes`)
    const text = await readLimited(request, maxBytes)
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
    if (type === 'application/json' || type.endsWith('+json') || type === 'text/plain' || type === '') {
      if (text.trim() === '') return type === 'text/plain' ? '' : undefined
      try {
        return JSON.parse(text)
      } catch {
        throw new BadRequest('The request body is not valid JSON', 'malformed-json')
      }
    }
    throw new BadRequest(`Unsupported content type "${type}": send application/json`, 'unsupported-media-type')
  })
}

async function readLimited(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new PayloadTooLarge(`The request body exceeds ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) { all.set(c, at); at += c.byteLength }
  // fatal: invalid UTF-8 is a client error, not something to store mangled.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(all)
  } catch {
    throw new BadRequest('The request body is not valid UTF-8', 'invalid-utf8')
  }
}
