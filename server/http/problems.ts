// The one edge where failures become RFC 7807 problem documents: AppErrors
// map directly; Elysia's own validation, parse and routing errors are
// translated; a database that cannot be reached, or a statement cancelled by
// its timeout, is a 503 with Retry-After;
// anything else is logged with the request id and answered as a plain 500
// that reveals nothing.
import { Elysia } from 'elysia'
import { isStatementTimeout, isUnreachable } from '../../db/client.ts'
import { AppError, BadRequest, NotFound, PayloadTooLarge, ServiceUnavailable, ValidationFailed, fieldPath, problemOf, problemResponse, valueErrorMessage, type FieldError, type ValueErrorLike } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { ServiceMetrics } from '../infra/metrics.ts'
import { requestInfo } from './request-context.ts'

export function problemHandler(log: Logger, metrics?: ServiceMetrics) {
  return new Elysia({ name: 'problems' }).onError({ as: 'global' }, ({ code, error, request }) => {
    const info = requestInfo(request)
    const instance = new URL(request.url).pathname
    const headers: Record<string, string> = info ? { 'x-request-id': info.id } : {}
    let appError: AppError
    if (error instanceof AppError) appError = error
    else if (code === 'VALIDATION') appError = fromValidation(error as never, request)
    else if (code === 'PARSE') appError = (error as { cause?: unknown }).cause instanceof AppError ? (error as { cause: AppError }).cause : new BadRequest('The request body is not valid JSON', 'malformed-json')
    else if (code === 'NOT_FOUND') appError = new NotFound(`No route for ${request.method} ${instance}`)
    else if ((error as { status?: number }).status === 413) appError = new PayloadTooLarge('The request body is too large')
    else if (isStatementTimeout(error)) {
      // A request-path statement ran past STATEMENT_TIMEOUT_MS: cancelled so it cannot slow other tenants.
      log.warn('statement timeout', { requestId: info?.id, method: request.method, path: instance, error })
      appError = new ServiceUnavailable('The query took too long and was cancelled; retry later or narrow it.', 2)
    } else if (isUnreachable(error)) {
      log.warn('database unreachable', { requestId: info?.id, method: request.method, path: instance, error })
      appError = new ServiceUnavailable('The database is unreachable; retry later.', 5)
    } else {
      log.error('unhandled error', { requestId: info?.id, method: request.method, path: instance, error })
      if (info) info.errorStatus = 500
      metrics?.dependencyErrors.inc({ dependency: 'unknown' })
      return problemResponse({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred', instance }, headers)
    }
    if (info) info.errorStatus = appError.status
    if (appError.status === 503) metrics?.dependencyErrors.inc({ dependency: 'database' })
    return problemResponse(problemOf(appError, instance), { ...appError.headers, ...headers })
  })
}


function fromValidation(error: { type: string; all: ValueErrorLike[] }, request: Request): ValidationFailed {
  const seen = new Map<string, string>()
  for (const e of error.all) {
    let field = fieldPath(e.path)
    // Elysia's coercing query types report failures without the field name;
    // recover it from the query string by value.
    if (!field && error.type !== 'body') field = recoverQueryField(request, e.value) ?? error.type
    if (!field) field = '(body)'
    if (!seen.has(field)) seen.set(field, valueErrorMessage(e))
  }
  const errors: FieldError[] = [...seen].map(([field, message]) => ({ field, message }))
  const where = error.type === 'body' ? 'request body' : error.type === 'query' || error.type === 'property' ? 'query string' : error.type
  return new ValidationFailed(`The ${where} is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors)
}

function recoverQueryField(request: Request, value: unknown): string | undefined {
  for (const [k, v] of new URL(request.url).searchParams) if (v === String(value) || Number(v) === value) return k
}
