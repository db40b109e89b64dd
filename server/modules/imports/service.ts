// Bulk imports (F-017). An upload is written to a file as it streams in (the
// 202 comes once it is whole, so a client never waits for the rows), then read
// back as a stream, record by record: each row checked exactly as the API
// checks it (the events' and the catalog's own validation), the valid ones
// stored in chunks through the same statements as ingestion, the refused ones
// reported with their line. Progress is saved at least every second; that save
// is also the job's heartbeat, so a job whose instance died is found and marked
// failed with what it had stored.
import { join } from 'node:path'
import { readdir, rm } from 'node:fs/promises'
import type { Db, RawSql } from '../../../db/client.ts'
import { isUnreachable } from '../../../db/client.ts'
import {
  addImportErrors, cancelImportJob, createImportJob, failStaleImportJobs, findImportJob, finishImportJob, listImportErrors, listImportJobs,
  liveImportIds, saveImportProgress, startImportJob, touchImportJob, updateImportOptions, type ImportRowError, type Progress,
} from '../../../db/queries/imports.ts'
import type { ImportJob } from '../../../db/schema.ts'
import { BadRequest, Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, type FieldError } from '../../errors.ts'
import { iso } from '../../http/schemas.ts'
import { unacceptableValue } from '../../http/body.ts'
import type { Logger } from '../../logger.ts'
import type { CatalogService } from '../catalog/service.ts'
import type { EventService, Tenant } from '../events/service.ts'
import type { Submitted } from '../events/ingest/group-commit.ts'
import type { CatalogValues } from '../../../db/queries/catalog.ts'
import { FORMAT_OF_CONTENT_TYPE, MAX_ACTIVE_IMPORTS, MAX_REPORTED_ERRORS } from './model.ts'
import { csvRecords, jsonArrayRecords, ndjsonRecords, UnreadableFile, type RawRecord } from './records.ts'
import { columnTargets, fromCsv, fromJson, mappingProblem, type Built, type ImportType } from './rows.ts'
import { boundaryOf, readText, spoolBody, spoolMultipart } from './upload.ts'

type Format = ImportJob['format']
/** A tenant, with the settings an import needs. */
export interface ImportTenant extends Tenant { historyDays: number }
export interface ImportRequest {
  type: ImportType; format?: Format; mapping?: string; replace?: boolean; eventType?: string
}

/** Saved at least this often while a job runs: its progress, and the heartbeat that says its instance lives. */
export const HEARTBEAT_MS = 1000
/** A queued or running job whose heartbeat is older than this was on an instance that died. */
export const STALE_MS = 30_000

export interface ImportDeps {
  db: Db
  /** The background pool: imports answer no request, so no statement timeout cuts a chunk off. */
  raw: RawSql
  clock: () => Date
  log: Logger
  /** Where uploads are written while they are imported (removed when done). */
  spoolDir: string
  maxBytes: number
  events: Pick<EventService, 'validate' | 'storeImported'>
  catalog: Pick<CatalogService, 'validate' | 'importItems' | 'markAbsentUnavailable'>
  /** Rows per write: PGlite shares this thread with the API, so its chunks are small (a write blocks it while it runs). */
  chunkRows: number
  /** Chunks of one job written at once (on the background pool's connections). */
  writers: number
  /**
   * PGlite: how long one write may hold the thread (ms). Chunks shrink (to 100 rows) when writes take longer
   * and grow back (to chunkRows) when they are quick, so requests keep being answered whatever the machine's load.
   */
  targetWriteMs?: number
  /** An import that stored anything asks for a model rebuild (before its job says it ended). Never rejects. */
  onCompleted: (tenantId: string) => Promise<void>
}

const jobDto = (j: ImportJob) => ({
  id: j.id, type: j.type, format: j.format, status: j.status,
  rowsRead: j.rowsRead, accepted: j.accepted, duplicates: j.duplicates, rejected: j.rejected, bytesRead: j.bytesRead,
  ...(j.bytesTotal === null ? {} : { bytesTotal: j.bytesTotal }),
  createdAt: j.createdAt.toISOString(), startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt),
  ...(j.error === null ? {} : { error: j.error }),
})

/** What a Content-Type header says: a multipart upload (with its boundary) or a file format. */
function bodyKind(contentType: string | null): { multipart: string } | { format: Format } {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (type === 'multipart/form-data') {
    const boundary = boundaryOf(contentType!)
    if (!boundary) throw new BadRequest('A multipart/form-data Content-Type must name its boundary')
    return { multipart: boundary }
  }
  const format = FORMAT_OF_CONTENT_TYPE[type]
  if (!format) throw new UnsupportedMediaType(`Unsupported content type "${type}": send text/csv, application/x-ndjson, application/json or multipart/form-data (a "file" field)`)
  return { format }
}

function parseMapping(type: ImportType, text: string | undefined, where: string): Record<string, string> {
  if (text === undefined || text === '') return {}
  let mapping: unknown
  try { mapping = JSON.parse(text) } catch { throw new ValidationFailed(`${where}mapping is not valid JSON`, [{ field: 'mapping', message: 'must be a JSON object of source column → field' }]) }
  const problem = mappingProblem(type, mapping)
  if (problem) throw new ValidationFailed(`${where}mapping ${problem}`, [{ field: 'mapping', message: problem }])
  return mapping as Record<string, string>
}

const recordsOf = (format: Format, chunks: AsyncIterable<string>): AsyncIterable<RawRecord> =>
  format === 'csv' ? csvRecords(chunks) : format === 'ndjson' ? ndjsonRecords(chunks) : jsonArrayRecords(chunks)

/** The SQLSTATE of a database error, when it has one. */
function sqlstateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
}

/** Why a job was stopped by this instance's shutdown rather than cancelled. */
const SHUTDOWN = 'shutdown'
const CANCEL = 'cancel'
const CANCEL_MESSAGE = 'cancelled on request'
const SHUTDOWN_MESSAGE = 'The instance running this import shut down before it finished; the rows counted as accepted were stored, the rest of the file was not. Import the file again: stored rows come back as duplicates.'

/** Which fields a CSV header must supply (or a default stand in for). */
const REQUIRED: Record<ImportType, string[]> = { events: ['eventType', 'userId', 'productId'], catalog: ['productId', 'name'] }

interface Pending<R> { line: number; row: R }

export function createImportService(d: ImportDeps) {
  /** Jobs this instance runs, to cancel at once and to wait for on shutdown. */
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>()
  const staleBefore = () => new Date(d.clock().getTime() - STALE_MS)
  const spoolPath = (id: string) => join(d.spoolDir, `${id}.upload`)

  async function found(tenantId: string, id: string) {
    await failStaleImportJobs(d.db, staleBefore(), d.clock(), tenantId)
    const job = await findImportJob(d.db, tenantId, id)
    if (!job) throw new NotFound(`No import ${id}`)
    return job
  }

  async function run(tenant: ImportTenant, id: string, type: ImportType, format: Format, bytesTotal: number,
    opts: { mapping: Record<string, string>; replace: boolean; eventType?: string }, abort: AbortController, p: Progress) {
    const errors: ImportRowError[] = []
    let reported = 0
    let lastSave = d.clock().getTime()
    const reject = (line: number, column: string, message: string) => { if (reported + errors.length < MAX_REPORTED_ERRORS) errors.push({ line, column, message }) }
    const save = async () => {
      if (errors.length) { await addImportErrors(d.raw, tenant.id, id, reported, errors); reported += errors.length; errors.length = 0 }
      lastSave = d.clock().getTime()
      if (!await saveImportProgress(d.raw, tenant.id, id, p, d.clock())) abort.abort() // cancelled (elsewhere too)
    }
    const startedAt = d.clock()
    if (!await startImportJob(d.raw, tenant.id, id, startedAt, bytesTotal)) return // cancelled while queued
    const defaults = opts.eventType && type === 'events' ? { eventType: opts.eventType } : {}

    // Writes a chunk; a chunk the database refuses is halved until the refused row stands alone (it alone is rejected).
    const storeEvents = async (rows: Pending<Submitted>[], attempt = 0): Promise<void> => {
      try {
        const r = await d.events.storeImported(rows.map((x) => x.row))
        p.accepted += r.accepted; p.duplicates += r.duplicates
      } catch (error) {
        const state = sqlstateOf(error)
        // Two chunks written at once may deadlock on shared rows (a profile, a rollup): one is rolled back; it goes again.
        if ((state === '40P01' || state === '40001') && attempt < 3) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)))
          return storeEvents(rows, attempt + 1)
        }
        if (isUnreachable(error) || !state || state.startsWith('40') || state === '57014') throw error
        if (rows.length === 1) { p.rejected++; reject(rows[0].line, '(row)', `refused by the database (SQLSTATE ${state}): ${(error as Error).message}`); return }
        const half = Math.ceil(rows.length / 2)
        await storeEvents(rows.slice(0, half))
        await storeEvents(rows.slice(half))
      }
    }
    const storeItems = async (rows: Pending<CatalogValues>[], attempt = 0): Promise<void> => {
      try {
        const r = await d.catalog.importItems(tenant.id, rows.map((x) => x.row), startedAt)
        p.accepted += r.created + r.updated
        p.duplicates += rows.length - r.created - r.updated // the same productId twice in one chunk: the last wins
      } catch (error) {
        const state = sqlstateOf(error)
        if ((state === '40P01' || state === '40001') && attempt < 3) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)))
          return storeItems(rows, attempt + 1)
        }
        throw error
      }
    }

    const pendingEvents: Pending<Submitted>[] = []
    const pendingItems: Pending<CatalogValues>[] = []
    let chunkRows = d.chunkRows
    // Up to `writers` chunks are written while the next is read and checked (PGlite: one, its writes run on this thread).
    const inflight = new Set<Promise<void>>()
    let writeFailure: { error: unknown } | undefined
    const flush = async () => {
      const events = pendingEvents.splice(0)
      const items = pendingItems.splice(0)
      while (inflight.size >= d.writers) await Promise.race(inflight)
      if (writeFailure) throw writeFailure.error
      if (abort.signal.aborted) return // cancelled: this chunk is not written (its rows were read, not stored)
      if (events.length || items.length) {
        const write: Promise<void> = (async () => {
          const began = performance.now()
          if (events.length) await storeEvents(events)
          if (items.length) await storeItems(items)
          if (d.targetWriteMs) {
            const took = performance.now() - began
            if (took > d.targetWriteMs * 1.5) chunkRows = Math.max(100, Math.floor(chunkRows / 2))
            else if (took < d.targetWriteMs / 2) chunkRows = Math.min(d.chunkRows, chunkRows * 2)
          }
        })().catch((error) => { writeFailure ??= { error } }).finally(() => inflight.delete(write))
        inflight.add(write)
      }
      // Lets requests in between chunks (PGlite runs each write on this thread).
      await new Promise((r) => setTimeout(r, 0))
    }
    const drain = async () => {
      await Promise.all(inflight)
      if (writeFailure) throw writeFailure.error
    }

    let header: string[] | undefined
    let targets: (string | undefined)[] = []
    try {
      for await (const rec of recordsOf(format, readText(spoolPath(id), (n) => { p.bytesRead += n }))) {
        if (abort.signal.aborted) break
        if (format === 'csv' && !header) {
          if ('error' in rec) throw new UnreadableFile(`The header row cannot be read: ${rec.error}`)
          header = (rec as { fields: string[] }).fields
          targets = columnTargets(type, header, opts.mapping)
          const missing = REQUIRED[type].filter((f) => !targets.includes(f) && !(f in defaults))
          if (missing.length) {
            throw new UnreadableFile(`The header row names no column for ${missing.join(', ')} (columns: ${header.slice(0, 50).join(', ')}); `
              + 'name them so, in snake_case, or map them with `mapping`')
          }
          continue
        }
        p.rowsRead++
        if ('error' in rec) { p.rejected++; reject(rec.line, '(row)', rec.error) } else {
          const built: Built = 'fields' in rec ? fromCsv(type, header!, targets, rec.fields, defaults) : fromJson(type, rec.value, opts.mapping, defaults)
          // What the API's body parser would have refused (reserved keys, NUL characters, deep nesting) is refused here too.
          const unacceptable = unacceptableValue(built.value)
          const checked = unacceptable ? { errors: [unacceptable] }
            : type === 'events' ? d.events.validate(tenant, built.value, tenant.historyDays) : d.catalog.validate(built.value)
          if ('errors' in checked) {
            p.rejected++
            for (const e of checked.errors as FieldError[]) reject(rec.line, built.columnOf(e.field), `${e.field}: ${e.message}`)
          } else if ('row' in checked) pendingEvents.push({ line: rec.line, row: checked.row })
          else pendingItems.push({ line: rec.line, row: checked.values })
        }
        if (pendingEvents.length + pendingItems.length >= chunkRows) await flush()
        if (d.clock().getTime() - lastSave >= HEARTBEAT_MS) await save()
      }
      if (!abort.signal.aborted) await flush()
      await drain()
    } finally {
      // However it ends, the writes under way end first and the refused rows are reported: the counts then say what was stored.
      await Promise.allSettled([...inflight])
      if (errors.length) await addImportErrors(d.raw, tenant.id, id, reported, errors.splice(0)).catch(() => {})
    }
    if (abort.signal.reason === SHUTDOWN) throw new UnreadableFile(SHUTDOWN_MESSAGE)
    if (!abort.signal.aborted && type === 'catalog' && opts.replace) await d.catalog.markAbsentUnavailable(tenant.id, startedAt)
    const cancelled = abort.signal.reason === CANCEL
    if (p.accepted) await d.onCompleted(tenant.id)
    await finishImportJob(d.raw, tenant.id, id, cancelled ? 'cancelled' : 'completed', p, d.clock(), cancelled ? CANCEL_MESSAGE : null)
    return p
  }

  /** Runs a job to its end (completed, failed or cancelled); never rejects. */
  function launch(tenant: ImportTenant, id: string, type: ImportType, format: Format, bytes: number, opts: Parameters<typeof run>[5]) {
    const abort = new AbortController()
    const p: Progress = { rowsRead: 0, accepted: 0, duplicates: 0, rejected: 0, bytesRead: 0 }
    const done = (async () => {
      try {
        await run(tenant, id, type, format, bytes, opts, abort, p)
      } catch (error) {
        const message = error instanceof UnreadableFile ? error.message
          : isUnreachable(error) ? 'The database became unreachable; the rows counted as accepted were stored. Import the file again: those come back as duplicates.'
          : 'The import stopped on an unexpected error; the rows counted as accepted were stored. Import the file again: those come back as duplicates.'
        if (!(error instanceof UnreadableFile)) d.log.error('import failed', { tenantId: tenant.id, importId: id, error })
        // Its writes have ended (run waits for them): the counts are what was stored.
        if (p.accepted) await d.onCompleted(tenant.id)
        await finishImportJob(d.raw, tenant.id, id, 'failed', p, d.clock(), message).catch((e) => d.log.error('import: could not record its failure', { importId: id, error: e }))
      } finally {
        running.delete(id)
        await rm(spoolPath(id), { force: true }).catch(() => {})
      }
    })()
    running.set(id, { abort, done })
  }

  return {
    /**
     * Takes an upload: checks what the query and headers say, reserves one of the tenant's job slots (409 when both
     * are taken), writes the body to a file as it arrives, and starts the job. The 202's job is queued.
     */
    async create(tenant: ImportTenant, q: ImportRequest, request: Request) {
      const kind = bodyKind(request.headers.get('content-type'))
      const format = q.format ?? ('format' in kind ? kind.format : undefined)
      if (!format) throw new ValidationFailed('The query string is invalid: format: is required with a multipart upload', [{ field: 'format', message: 'is required with a multipart upload (csv, ndjson or json)' }])
      if (q.replace && q.type !== 'catalog') throw new ValidationFailed('The query string is invalid: replace: applies to catalog imports only', [{ field: 'replace', message: 'applies to catalog imports only' }])
      if (q.eventType && q.type !== 'events') throw new ValidationFailed('The query string is invalid: eventType: applies to events imports only', [{ field: 'eventType', message: 'applies to events imports only' }])
      let mapping = parseMapping(q.type, q.mapping, 'The query string is invalid: ')
      const declared = Number(request.headers.get('content-length') ?? '')
      if (declared > d.maxBytes) throw new PayloadTooLarge(`The import file exceeds ${d.maxBytes} bytes`)
      const options = { mapping, replace: q.replace ?? false, ...(q.eventType ? { eventType: q.eventType } : {}) }
      const now = d.clock()
      const id = await createImportJob(d.raw, tenant.id, { type: q.type, format, options, bytesTotal: 'format' in kind && declared > 0 ? declared : null }, MAX_ACTIVE_IMPORTS, now, staleBefore())
      if (!id) throw new Conflict(`At most ${MAX_ACTIVE_IMPORTS} imports run at once per tenant; wait for one to finish (GET /api/v1/imports) or cancel one`)
      let bytes: number
      // A long upload keeps its job's heartbeat, or it would look like one whose instance died.
      const beat = setInterval(() => { void touchImportJob(d.raw, tenant.id, id, d.clock()).catch(() => {}) }, HEARTBEAT_MS)
      try {
        const spooled = 'multipart' in kind
          ? await spoolMultipart(request.body, kind.multipart, spoolPath(id), d.maxBytes)
          : await spoolBody(request.body, spoolPath(id), d.maxBytes)
        bytes = spooled.bytes
        if (spooled.fields.mapping !== undefined) {
          if (q.mapping !== undefined) throw new ValidationFailed('mapping is given twice (query and form)', [{ field: 'mapping', message: 'give it in the query or as a form field, not both' }])
          mapping = parseMapping(q.type, spooled.fields.mapping, 'The form field ')
          options.mapping = mapping
          await updateImportOptions(d.raw, tenant.id, id, options)
        }
      } catch (error) {
        // The upload never became a job: its slot and its partial file go.
        await finishImportJob(d.raw, tenant.id, id, 'failed', { rowsRead: 0, accepted: 0, duplicates: 0, rejected: 0, bytesRead: 0 }, d.clock(),
          `The upload was refused: ${error instanceof Error ? error.message : String(error)}`).catch(() => {})
        await rm(spoolPath(id), { force: true }).catch(() => {})
        throw error
      } finally { clearInterval(beat) }
      launch(tenant, id, q.type, format, bytes, options)
      return { id, status: 'queued' as const, type: q.type, format }
    },

    get: async (tenantId: string, id: string) => jobDto(await found(tenantId, id)),

    async list(tenantId: string, limit: number, offset: number) {
      await failStaleImportJobs(d.db, staleBefore(), d.clock(), tenantId)
      const { rows, total } = await listImportJobs(d.db, tenantId, limit, offset)
      return { rows: rows.map(jobDto), total }
    },

    /** The refused rows as CSV (line, column, message), in file order; at most MAX_REPORTED_ERRORS. */
    async errorsCsv(tenantId: string, id: string): Promise<string> {
      await found(tenantId, id)
      const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
      const out = ['line,column,message']
      for (let after = -1; ;) {
        const rows = await listImportErrors(d.raw, tenantId, id, after, 2000)
        for (const r of rows) out.push(`${r.line},${cell(r.column)},${cell(r.message)}`)
        if (rows.length < 2000) break
        after = rows[rows.length - 1].seq
      }
      return out.join('\r\n') + '\r\n'
    },

    /** Stops a queued or running job; rows already stored stay stored (and counted). 409 when it had already ended. */
    async cancel(tenantId: string, id: string) {
      const before = await found(tenantId, id)
      if (before.status !== 'queued' && before.status !== 'running') throw new Conflict(`The import has already ended (${before.status})`)
      // This instance's own job stops before its next chunk; one on another instance sees the cancellation at its next save.
      const mine = running.get(id)
      if (mine) { mine.abort.abort(CANCEL); await mine.done }
      await cancelImportJob(d.db, tenantId, id, d.clock(), CANCEL_MESSAGE)
      return jobDto((await findImportJob(d.db, tenantId, id))!)
    },

    /**
     * At start: jobs whose instance died mid-import are marked failed with their last counts, and upload
     * files no running job reads any more are removed.
     */
    async recover() {
      const n = await failStaleImportJobs(d.db, staleBefore(), d.clock())
      if (n) d.log.warn('imports: jobs whose instance stopped were marked failed', { jobs: n })
      const ids = (await readdir(d.spoolDir).catch(() => [] as string[])).filter((f) => f.endsWith('.upload')).map((f) => f.slice(0, -7))
      const live = new Set(await liveImportIds(d.raw, ids, staleBefore()))
      for (const id of ids) if (!live.has(id) && !running.has(id)) await rm(spoolPath(id), { force: true }).catch(() => {})
      return n
    },

    /** Waits for this instance's jobs to end (tests; a shutdown cancels none: they are marked failed on restart). */
    async settle() { await Promise.all([...running.values()].map((r) => r.done)) },
    /** Aborts this instance's running jobs and waits for them to stop (shutdown). */
    async stop() { for (const r of running.values()) r.abort.abort(SHUTDOWN); await Promise.all([...running.values()].map((r) => r.done)) },
  }
}
export type ImportService = ReturnType<typeof createImportService>
