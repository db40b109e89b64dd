// One body parser for the whole API: a size limit enforced before anything is
// read into memory (413, declared or counted as it streams), JSON only (415
// otherwise; text/plain too on the routes navigator.sendBeacon-style clients
// post to), and a clear 400 for malformed JSON, invalid UTF-8, nesting deeper
// than any payload needs, prototype keys (`__proto__`, `constructor`,
// `prototype`) and text PostgreSQL cannot store (NUL characters, unpaired
// surrogates) — refused here, once for every endpoint, instead of failing
// later in a service or as a database error.
import { Elysia } from 'elysia'
import { BadRequest, fieldPath, PayloadTooLarge, UnsupportedMediaType, ValidationFailed } from '../errors.ts'

/** The body of a streamed route, as its handler sees it: untouched, for it to read from `request.body` itself. */
export const STREAMED_BODY = null

/**
 * `plainTextPaths`: the routes that also take JSON sent as text/plain (the SDK's keepalive beacon).
 * `streamedPaths`: POST routes that read their own body as a stream (file uploads, bounded by their own limit).
 */
export function bodyParser(maxBytes: number, plainTextPaths: readonly string[] = [], streamedPaths: readonly string[] = []) {
  const plainText = new Set(plainTextPaths)
  const streamed = new Set(streamedPaths)
  return new Elysia({ name: 'body-parser' })
    // The same rule for the URL: a NUL (only expressible as %00) in a path or query value cannot be
    // compared with stored text either, so it is refused before any route sees it.
    .onRequest(({ request }) => { // runs before routing, for every request
      if (request.url.includes('%00')) throw new ValidationFailed('The URL contains a NUL character (%00)', [{ field: '(url)', message: 'must not contain NUL characters' }])
    })
    .onParse({ as: 'global' }, async ({ request, contentType, path }) => {
      if (streamed.has(path) && request.method === 'POST') return STREAMED_BODY
      const declared = Number(request.headers.get('content-length') ?? 0)
      if (declared > maxBytes) throw new PayloadTooLarge(`The request body exceeds ${maxBytes} bytes`)
      const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
      const json = type === 'application/json' || type.endsWith('+json') || type === '' || (type === 'text/plain' && plainText.has(path))
      if (!json) throw new UnsupportedMediaType(`Unsupported content type "${type}": send application/json`)
      const text = await readLimited(request, maxBytes)
      if (text.trim() === '') return type === 'text/plain' ? '' : undefined
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        throw new BadRequest('The request body is not valid JSON', 'malformed-json')
      }
      // Checked first: validating a 10,000-level value costs seconds and can overflow the stack.
      if (nestedDeeperThan(value, MAX_DEPTH)) throw new ValidationFailed(`The request body nests more than ${MAX_DEPTH} levels deep`, [{ field: '(body)', message: `must not nest more than ${MAX_DEPTH} levels` }])
      const reserved = reservedKey(value)
      if (reserved) throw new ValidationFailed(`The request body contains the key "${reserved.key}", which is not allowed`, [{ field: reserved.field, message: `"${reserved.key}" is not an allowed key` }])
      const bad = unstorableText(value)
      if (bad !== undefined) {
        const field = bad || '(body)'
        throw new ValidationFailed(`${field} contains a NUL character or an unpaired surrogate, which cannot be stored`, [{ field, message: 'must not contain NUL characters or unpaired surrogates' }])
      }
      return value
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

/**
 * What the parser refuses in a parsed value, as one field error, or undefined: the same rules for values that
 * arrive another way (the rows of an import file).
 */
export function unacceptableValue(value: unknown): { field: string; message: string } | undefined {
  if (plainlyAcceptable(value, MAX_DEPTH)) return undefined // the common case in one walk, building no paths
  if (nestedDeeperThan(value, MAX_DEPTH)) return { field: '(item)', message: `must not nest more than ${MAX_DEPTH} levels` }
  const reserved = reservedKey(value)
  if (reserved) return { field: reserved.field || '(item)', message: `"${reserved.key}" is not an allowed key` }
  const bad = unstorableText(value)
  if (bad !== undefined) return { field: bad || '(item)', message: 'must not contain NUL characters or unpaired surrogates' }
  return undefined
}

// Any NUL or surrogate: whether it is a paired one is for unstorableText to say.
const SUSPECT = /[\u0000\ud800-\udfff]/

/**
 * Whether `value` is certainly acceptable: no deeper than `depth`, no reserved key, no string or key with a NUL or a
 * surrogate. False only sends it to the full checks, which say what is wrong (bulk imports check every row).
 */
function plainlyAcceptable(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return !SUSPECT.test(value)
  if (typeof value !== 'object' || value === null) return true
  if (depth === 0) return false
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!plainlyAcceptable(value[i], depth - 1)) return false
    return true
  }
  for (const k in value) {
    if (RESERVED_KEYS.has(k) || SUSPECT.test(k) || !plainlyAcceptable((value as Record<string, unknown>)[k], depth - 1)) return false
  }
  return true
}

/** Deeper than any payload of this API (metadata and attributes included) needs. */
export const MAX_DEPTH = 32

/** Whether arrays/objects nest more than `limit` levels; stops as soon as they do. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (limit === 0) return true
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (nestedDeeperThan(v, limit - 1)) return true
  return false
}

// Keys that reach Object.prototype when a body is merged or copied into another object.
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** The first reserved key at any depth (JSON.parse keeps `__proto__` as an own key) and where it is, or undefined. */
export function reservedKey(value: unknown, pointer = ''): { key: string; field: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = reservedKey(value[i], `${pointer}/${i}`)
      if (found) return found
    }
    return undefined
  }
  for (const [k, v] of Object.entries(value)) {
    const at = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`
    if (RESERVED_KEYS.has(k)) return { key: k, field: fieldPath(at) }
    const found = reservedKey(v, at)
    if (found) return found
  }
  return undefined
}

// A NUL, or a surrogate half without its partner.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * The field path ('' for the root) of the first string or key that cannot be
 * stored, or undefined. A bad key is reported at the object that holds it.
 */
export function unstorableText(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? fieldPath(pointer) : undefined
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = unstorableText(value[i], `${pointer}/${i}`)
      if (bad !== undefined) return bad
    }
    return undefined
  }
  for (const [k, v] of Object.entries(value)) {
    if (UNSTORABLE.test(k)) return fieldPath(pointer)
    const bad = unstorableText(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
    if (bad !== undefined) return bad
  }
  return undefined
}
