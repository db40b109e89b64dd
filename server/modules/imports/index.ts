import { Elysia } from 'elysia'
import { ACCESS, type authGuards, type Principal } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems, T } from '../../http/schemas.ts'
import { RETENTION_DAYS } from '../events/model.ts'
import { ImportModel, MAX_ACTIVE_IMPORTS, MAX_REPORTED_ERRORS } from './model.ts'
import type { ImportService, ImportTenant } from './service.ts'

const tenantOf = (p: Principal): ImportTenant => ({ id: p.tenantId, attributionWindowHours: p.config.attributionWindowHours, historyDays: p.config.historyDays })
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

export function importRoutes(imports: ImportService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/imports', tags: ['Imports'] })
    .use(guards)
    .post('', async ({ principal, query, request, status }) => status(202, { data: await imports.create(tenantOf(principal), query, request) }), {
      tenant: 'write', query: ImportModel.createQuery,
      response: { 202: Envelope(ImportModel.created), ...problems(400, 401, 403, 409, 413, 415, 429, 503) },
      detail: {
        summary: 'Start a bulk import of events or catalog items from a file (CSV, NDJSON or a JSON array)',
        description: `${ACCESS.write} The file is the request body (Content-Type text/csv, application/x-ndjson or application/json; `
          + 'format defaults to what it says) or the "file" field of a multipart/form-data body (then pass format; mapping may be a form field). '
          + 'The upload is written to disk as it streams in, never held in memory (MAX_IMPORT_BYTES bounds it), and the 202 comes once it is whole: '
          + 'the job then reads it row by row. Each row is checked as POST /events/batch or /catalog/batch check theirs, except that '
          + `an imported event may be as old as the tenant's historyDays (default 365; live events: ${RETENTION_DAYS}); a bad row is reported in errors.csv and never stops the job; events already stored (same eventId, or same `
          + 'userId, eventType, productId and timestamp) count as duplicates and are not stored again. Catalog rows upsert by productId; '
          + `replace=true then marks the items absent from the file unavailable. At most ${MAX_ACTIVE_IMPORTS} imports per tenant run at once: another is 409.`,
        security,
      },
    })
    .get('', async ({ principal, query }) => {
      const { rows, total } = await imports.list(principal.tenantId, query.limit, query.offset)
      return page(rows, total, query.limit, query.offset)
    }, {
      tenant: 'write', query: ImportModel.listQuery,
      response: { 200: ListEnvelope(ImportModel.job), ...problems(400, 401, 403, 429) },
      detail: { summary: 'The tenant\'s imports, newest first', description: ACCESS.write, security },
    })
    .get('/:id', async ({ principal, params }) => ({ data: await imports.get(principal.tenantId, params.id) }), {
      tenant: 'write', params: ImportModel.params,
      response: { 200: Envelope(ImportModel.job), ...problems(400, 401, 403, 404, 429) },
      detail: {
        summary: 'One import\'s status and counts (saved at least every second while it runs)',
        description: `${ACCESS.write} A job whose instance stopped mid-import is resumed by an instance that has its upload (30 s after its last heartbeat), `
          + 'past the chunks it had stored, so its counts are exact; without its upload it is failed, its error saying what it had stored. Another tenant\'s job is 404.',
        security,
      },
    })
    .get('/:id/errors.csv', async ({ principal, params }) => new Response(await imports.errorsCsv(principal.tenantId, params.id), {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="import-${params.id}-errors.csv"` },
    }), {
      tenant: 'write', params: ImportModel.params,
      response: { 200: T.String({ description: 'text/csv: line,column,message — one line per problem of each refused row, in file order' }), ...problems(400, 401, 403, 404, 429) },
      detail: {
        summary: 'The rows an import refused, as CSV (line number, column, message)',
        description: `${ACCESS.write} The first ${MAX_REPORTED_ERRORS.toLocaleString('en')} refused rows; \`line\` is where the row starts in the file (1 = the first line, a CSV header included); \`column\` is the source column (or key), or (row) for the row as a whole.`,
        security,
      },
    })
    .post('/:id/cancel', async ({ principal, params }) => ({ data: await imports.cancel(principal.tenantId, params.id) }), {
      tenant: 'write', params: ImportModel.params,
      response: { 200: Envelope(ImportModel.job), ...problems(400, 401, 403, 404, 409, 429) },
      detail: {
        summary: 'Cancel a queued or running import',
        description: `${ACCESS.write} It stops within one chunk of rows; rows already stored stay stored and counted (importing the file again skips them as duplicates). 409 when the job has already ended.`,
        security,
      },
    })
}
