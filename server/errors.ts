// One typed error family. Services throw these; one onError hook (app.ts)
// turns them into RFC 7807 application/problem+json. Anything that is not an
// AppError is logged with the request id and answered as a plain 500.

export interface FieldError { field: string; message: string }

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail)
  }
}

export class ValidationFailed extends AppError {
  constructor(detail: string, errors?: FieldError[]) { super(400, 'validation', 'Validation failed', detail, errors) }
}
export class BadRequest extends AppError {
  constructor(detail: string, code = 'bad-request') { super(400, code, 'Bad request', detail) }
}
export class Unauthorized extends AppError {
  constructor(detail = 'Authentication required') { super(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' }) }
}
export class Forbidden extends AppError {
  constructor(detail: string) { super(403, 'forbidden', 'Forbidden', detail) }
}
export class NotFound extends AppError {
  constructor(detail: string) { super(404, 'not-found', 'Not found', detail) }
}
export class Gone extends AppError {
  constructor(detail: string) { super(410, 'gone', 'Gone', detail) }
}
export class Conflict extends AppError {
  constructor(detail: string) { super(409, 'conflict', 'Conflict', detail) }
}
export class PayloadTooLarge extends AppError {
  constructor(detail: string) { super(413, 'payload-too-large', 'Payload too large', detail) }
}
export class UnsupportedMediaType extends AppError {
  constructor(detail: string) { super(415, 'unsupported-media-type', 'Unsupported media type', detail) }
}
export class HeadersTooLarge extends AppError {
  constructor(detail: string) { super(431, 'headers-too-large', 'Request header fields too large', detail) }
}
export class TooManyRequests extends AppError {
  constructor(detail: string, retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', detail, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) })
  }
}
export class ServiceUnavailable extends AppError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super(503, 'unavailable', 'Service unavailable', detail, undefined, { 'Retry-After': String(retryAfterSeconds) })
  }
}

const PROBLEM_BASE = 'https://recomengine.dev/problems/'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  errors?: FieldError[]
}

export function problemOf(err: AppError, instance: string): Problem {
  const body: Problem = { type: PROBLEM_BASE + err.code, title: err.title, status: err.status, detail: err.message, instance }
  if (err.errors?.length) body.errors = err.errors
  return body
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { ...headers, 'content-type': 'application/problem+json' },
  })
}

/** Converts a JSON-pointer path from TypeBox ("/items/3/name") into a field path ("items[3].name"). */
export function fieldPath(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  let out = ''
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p
  return out
}

/** The parts of a TypeBox ValueError that messages are made from. */
export interface ValueErrorLike { path: string; message: string; value?: unknown; schema?: unknown }

/** A readable message for a TypeBox validation error (unions of literals name their options). */
export function valueErrorMessage(e: ValueErrorLike): string {
  // A schema may carry its own message for a bound a user needs told how to get past (offset → cursor).
  const custom = (e.schema as { errorMessage?: unknown } | undefined)?.errorMessage
  if (typeof custom === 'string' && e.message !== 'Expected required property') return custom
  if (e.message === 'Expected required property') return 'is required'
  if (e.message === 'Unexpected property') return 'is not a known field'
  const members = (e.schema as { anyOf?: { type?: string; const?: unknown }[] } | undefined)?.anyOf
  if (e.message === 'Expected union value' && members) {
    const consts = members.filter((m) => m.const !== undefined).map((m) => JSON.stringify(m.const))
    if (consts.length === members.length) return `must be one of ${consts.join(', ')}`
    const types = [...new Set(members.map((m) => m.type).filter((t) => t && t !== 'string'))]
    if (types.length) return `Expected ${types.join(' or ')}`
  }
  return e.message
}

/** Field errors of a value against a schema, one per field (for per-item batch validation). */
export function fieldErrors(errors: Iterable<ValueErrorLike>): FieldError[] {
  const seen = new Map<string, string>()
  for (const e of errors) {
    const field = fieldPath(e.path) || '(item)'
    if (!seen.has(field)) seen.set(field, valueErrorMessage(e))
  }
  return [...seen].map(([field, message]) => ({ field, message }))
}
