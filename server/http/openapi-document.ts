// What the generated OpenAPI document needs beyond what @elysiajs/openapi
// reads from the route schemas, applied to the whole document at once so no
// route repeats it by hand:
//  - JSON request bodies (our one body parser is a function the generator cannot read a type from);
//  - query parameters with a default are optional, and shown as the type a client sends, not the
//    string-or-number union Elysia coerces with;
//  - the standard failures of each kind of route (validation, credentials, permission, missing
//    resource, size, rate limit) as `application/problem+json` against one Problem schema;
//  - an example on every request body, response and parameter.
import { exampleOf } from './openapi-examples.ts'

type Json = Record<string, any>

export interface RouteInfo { method: string; path: string; hooks: { body?: unknown } }

export const openApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')

export const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem'
const PROBLEM_SCHEMA: Json = {
  type: 'object', required: ['type', 'title', 'status', 'detail', 'instance'],
  description: 'RFC 7807 problem document (application/problem+json)',
  properties: {
    type: { type: 'string', description: 'A URI naming the kind of problem' }, title: { type: 'string' }, status: { type: 'integer' },
    detail: { type: 'string' }, instance: { type: 'string', description: 'The request path' },
    errors: { type: 'array', description: 'Per-field validation failures (400)', items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
  },
}

/** Problem types are this plus the error's code (server/errors.ts). */
const PROBLEM_TYPE_BASE = 'https://recomengine.dev/problems/'

/** What each failure means for the caller, as the response's description and example. */
const PROBLEM_TEXT: Record<string, { title: string; code: string; why: string }> = {
  400: { title: 'Validation failed', code: 'validation', why: 'The request is invalid: a field, the query string, a path parameter or (admin token) the X-Tenant-ID header' },
  401: { title: 'Unauthorized', code: 'unauthorized', why: 'Missing, unknown, expired or revoked credentials' },
  403: { title: 'Forbidden', code: 'forbidden', why: 'The credentials may not do this: a read key on a write route, or a suspended tenant' },
  404: { title: 'Not found', code: 'not-found', why: 'No such resource for this tenant (another tenant\'s ids are 404 too)' },
  409: { title: 'Conflict', code: 'conflict', why: 'The resource\'s state does not allow this change' },
  410: { title: 'Gone', code: 'gone', why: 'The link has expired' },
  413: { title: 'Payload too large', code: 'payload-too-large', why: 'The request body is larger than the limit' },
  415: { title: 'Unsupported media type', code: 'unsupported-media-type', why: 'The body\'s content type is not one this route reads' },
  429: { title: 'Too many requests', code: 'rate-limited', why: 'A rate limit was reached; retry after `Retry-After` seconds' },
  503: { title: 'Service unavailable', code: 'unavailable', why: 'The database is unreachable or a query ran too long; retry after `Retry-After` seconds' },
}

/** The kind of route an operation is, read from its security requirement. */
export type RouteKind = 'public' | 'admin' | 'tenant'
export function routeKind(op: Json): RouteKind {
  const schemes = ((op.security ?? []) as Json[]).flatMap((s) => Object.keys(s))
  return schemes.includes('apiKey') ? 'tenant' : schemes.includes('bearer') ? 'admin' : 'public'
}

/**
 * The failures every route of a kind can answer, whatever it does: the auth guards (server/http/auth.ts),
 * the body parser (body.ts), schema validation and the rate limiters give them before any handler runs.
 */
export function standardProblems(kind: RouteKind, has: { params: boolean; query: boolean; body: boolean }): number[] {
  const out = new Set<number>()
  if (has.params || has.query || has.body) out.add(400)
  if (has.body) out.add(413)
  if (has.params) out.add(404)
  if (kind === 'admin') { out.add(401); out.add(429) }
  // Tenant routes: an admin token needs X-Tenant-ID (400) naming one of its tenants (404); a read key on a
  // write route or a suspended tenant is 403; each tenant has a request budget (429).
  if (kind === 'tenant') for (const s of [400, 401, 403, 404, 429]) out.add(s)
  return [...out]
}

/** A failure answered as a problem document: declared with the Problem schema, or added here. */
const isProblem = (status: string, res: Json) => /^[45]\d\d$/.test(status)
  && (!res.content || Object.values(res.content as Json).some((m: Json) => String(m.schema?.description ?? '').startsWith('RFC 7807')))

function problemResponse(status: string, path: string): Json {
  const text = PROBLEM_TEXT[status] ?? { title: 'Error', code: 'error', why: 'The request failed' }
  return {
    description: `${text.title}: ${text.why}`,
    content: {
      'application/problem+json': {
        schema: { $ref: PROBLEM_SCHEMA_REF },
        example: { type: `${PROBLEM_TYPE_BASE}${text.code}`, title: text.title, status: Number(status), detail: `${text.why}.`, instance: path.replace(/\{(\w+)\}/g, ':$1'),
          ...(status === '400' ? { errors: [{ field: 'limit', message: 'must be at most 100' }] } : {}) },
      },
    },
  }
}

/** Elysia documents a coerced query number or boolean as `anyOf: [string with format, the real type]`. */
function queryType(schema: Json): Json {
  const alt = schema.anyOf as Json[] | undefined
  if (!alt) return schema
  const real = alt.filter((s) => !(s.type === 'string' && ['integer', 'numeric', 'number', 'boolean'].includes(s.format)))
  if (real.length === alt.length || real.length !== 1) return schema
  const { anyOf: _anyOf, errorMessage: _msg, ...outer } = schema
  return { ...outer, ...real[0] }
}

/**
 * A success that is JSON or text by request (`format=json|html|text`) has a union schema with string branches,
 * which the generator files under application/json alone: the text forms go under `text/*`.
 */
function splitTextAlternatives(res: Json) {
  const json = res.content?.['application/json']
  const alt = json?.schema?.anyOf as Json[] | undefined
  if (!alt) return
  const text = alt.filter((b) => b.type === 'string')
  const rest = alt.filter((b) => b.type !== 'string')
  if (!text.length || !rest.length) return
  json.schema = rest.length === 1 ? rest[0] : { ...json.schema, anyOf: rest }
  res.content['text/*'] = { schema: text[0] }
}

/** Applies everything above to the document @elysiajs/openapi generated (3.1), in place. */
export function completeDocument(doc: Json, routes: RouteInfo[]): Json {
  doc.components ??= {}
  doc.components.schemas = { ...doc.components.schemas, Problem: PROBLEM_SCHEMA }
  const refs = doc.components.schemas
  const bodies = new Map(routes.filter((r) => r.hooks.body).map((r) => [`${r.method.toLowerCase()} ${openApiPath(r.path)}`, r.hooks.body]))
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      if (typeof op !== 'object' || !op || !('responses' in op || 'summary' in op)) continue
      // Bodies: JSON, with the route's schema (the parser is ours, so the generator saw no content type).
      const body = bodies.get(`${method} ${path}`)
      if (op.requestBody && body) op.requestBody.content = { 'application/json': { schema: body } }
      for (const media of Object.values((op.requestBody?.content ?? {}) as Json)) media.example ??= exampleOf(media.schema, '', refs)

      const params = (op.parameters ?? []) as Json[]
      for (const p of params) {
        if (p.in === 'query') {
          p.schema = queryType(p.schema ?? {})
          if (p.schema.default !== undefined) p.required = false
        }
        if (p.required && p.example === undefined) p.example = exampleOf(p.schema, p.name, refs)
      }

      op.responses ??= {}
      const kind = routeKind(op)
      const has = { params: params.some((p) => p.in === 'path'), query: params.some((p) => p.in === 'query'), body: !!op.requestBody }
      for (const s of standardProblems(kind, has)) op.responses[s] ??= {}
      for (const [status, res] of Object.entries(op.responses as Json)) {
        if (isProblem(status, res)) { op.responses[status] = problemResponse(status, path); continue }
        if (/^Response for status/.test(res.description ?? '')) res.description = status.startsWith('2') ? 'Success' : status === '302' ? 'Redirect' : status === '304' ? 'Not modified' : res.description
        // A null response schema comes out as `content: { type: 'null' }`: it means no body.
        if (res.content && Object.keys(res.content).some((k) => !k.includes('/'))) delete res.content
        splitTextAlternatives(res)
        for (const media of Object.values((res.content ?? {}) as Json)) media.example ??= exampleOf(media.schema, '', refs)
      }
    }
  }
  return doc
}
