// Bulk imports (F-017). An upload is written to a file as it streams in (the
// 202 comes once it is whole, so a client never waits for the rows), then read
// back as a stream, record by record: each row checked exactly as the API
// checks it (the events' and the catalog's own validation), the valid ones
// stored in chunks through the same statements as ingestion, the refused ones
// reported with their line. Each chunk is recorded with the rows it stored, so a
// job resumes where it stood: progress is saved at least every second, that save
// is the job's heartbeat, and a job whose instance died is taken over (under a
// new lease) and resumed from its upload past its recorded chunks.
import { join } from 'node:path'
import { readdir, rm, stat } from 'node:fs/promises'
import type { Db, RawSql } from '../../../db/client.ts'
import { isUnreachable, nextTurn } from '../../../db/client.ts'
import {
  cancelImportJob, claimStaleImportJobs, commitImportChunk, createImportJob, dropEndedImportErasures, erasedInImport, ErasedMeanwhile, failStaleImportJobs, findImportJob, finishImportJob, holdImportJob, importChunksOf, LeaseLost, type ErasureCheck,
  knownImportIds, listImportErrors, listImportJobs, liveImportIds, saveImportProgress, startImportJob, touchImportJob, updateImportOptions, type ImportChunk, type ImportRowError, type Progress,
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
  events: Pick<EventService, 'validate' | 'storeImported' | 'foldImported'>
  catalog: Pick<CatalogService, 'validate' | 'importItems' | 'markAbsentUnavailable'>
  /**
   * Rows per write (one transaction, with the chunk's record). PostgreSQL: large (COPY, then set-based statements);
   * PGlite runs one statement at a time, so its chunks are small (a request that reads waits behind a write).
   */
  chunkRows: number
  /** Chunks of one job written at once (on the background pool's connections; PGlite: 1). */
  writers: number
  /**
   * PGlite: how long one write may hold the database (ms). Chunks shrink (to 100 rows) when writes take longer
   * and grow back (to chunkRows) when they are quick, so requests keep being answered whatever the machine's load.
   */
  targetWriteMs?: number
  /** Stored rows the profile fold takes per transaction (PGlite: small, since each holds the database; default 50,000). */
  foldRows?: number
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
/** A job stopped by its instance's shutdown: it stays running, for the instance that takes it over to resume. */
class Stopped extends Error {}

/** How long the reading loop holds the thread before it lets requests in (ms; measured on the monotonic clock, not `clock`). */
const YIELD_EVERY_MS = 10

/** Which fields a CSV header must supply (or a default stand in for). */
const REQUIRED: Record<ImportType, string[]> = { events: ['eventType', 'userId', 'productId'], catalog: ['productId', 'name'] }

interface Pending<R> { line: number; row: R }

/** A job to run: what the upload asked for, and where a resumed one starts. */
interface JobPlan {
  tenant: ImportTenant; id: string; type: ImportType; format: Format; bytesTotal: number
  opts: JobOptions
  /** The job's lease (startImportJob, or a takeover's): its writes are refused once another instance holds it. */
  lease: number
  startedAt: Date
  /** Resuming: the chunks already stored, in file order. */
  stored?: ImportChunk[]
}
type JobOptions = { mapping: Record<string, string>; replace: boolean; eventType?: string; tenant?: { attributionWindowHours: number; historyDays: number } }

/** A chunk of the file being read or written: a run of records, its rows to store, and its refused rows. */
interface Chunk {
  firstRow: number; rows: number
  events: Pending<Submitted>[]; items: Pending<CatalogValues>[]
  rejected: number
  /** Its refused rows' errors (numbered within the job's first MAX_REPORTED_ERRORS) and how many of those it numbered. */
  errors: (ImportRowError & { seq: number })[]; reported: number
  /** Errors of its rows found while it was written (refused by the database, or of an erased shopper): numbers them. */
  found: number
}

/**
 * Errors of rows found while chunks are written (refused by the database, or of a shopper erased during the import)
 * come in any order: they are numbered apart, after every error found while reading (which are numbered in file
 * order, the same on a resumed run); a chunk's are DATABASE_REFUSAL_SEQ + its first row + 0, 1, … (each one of its rows).
 */
const DATABASE_REFUSAL_SEQ = 1_000_000_000
/** What errors.csv says of a row not stored because its shopper was erased after the import was created. */
export const ERASED_DURING_IMPORT = 'shopper erased during the import: not stored'

interface Totals { rows: number; accepted: number; duplicates: number; rejected: number }

/**
 * How often an instance looks for jobs whose instance died (and takes them over). A job is taken over
 * STALE_MS after its last heartbeat at the earliest.
 */
export const TAKEOVER_EVERY_MS = STALE_MS / 2
/** Profiles are folded (foldImported) in the background once this many rows were stored since the last fold began, and at the end. */
export const FOLD_EVERY_ROWS = 100_000

export function createImportService(d: ImportDeps) {
  /** Jobs this instance runs, to cancel at once and to wait for on shutdown. */
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>()
  const staleBefore = () => new Date(d.clock().getTime() - STALE_MS)
  const spoolPath = (id: string) => join(d.spoolDir, `${id}.upload`)
  let timer: ReturnType<typeof setInterval> | undefined

  async function found(tenantId: string, id: string) {
    await failStaleImportJobs(d.db, staleBefore(), d.clock(), tenantId)
    const job = await findImportJob(d.db, tenantId, id)
    if (!job) throw new NotFound(`No import ${id}`)
    return job
  }

  /**
   * Reads the file and writes it in chunks, up to `writers` at once. Each chunk commits, in its own transaction,
   * its rows, their effects, its refused rows' errors and its record in import_chunks; a resumed job skips the
   * records of the chunks stored before (`plan.stored`), so every row counts once. `done` adds up the stored chunks.
   */
  async function run(plan: JobPlan, abort: AbortController, live: Progress, done: Totals): Promise<'completed' | 'cancelled'> {
    const { tenant, id, type, format, opts, lease } = plan
    let lastSave = d.clock().getTime()
    let pendingRejected = 0 // refused while reading, in chunks not stored yet
    const save = async () => {
      lastSave = d.clock().getTime()
      Object.assign(live, { accepted: done.accepted, duplicates: done.duplicates, rejected: done.rejected + pendingRejected })
      if (!await saveImportProgress(d.raw, tenant.id, id, lease, live, d.clock())) abort.abort(CANCEL) // cancelled, or taken over
    }
    const defaults = opts.eventType && type === 'events' ? { eventType: opts.eventType } : {}
    let sinceFold = 0
    let folding: Promise<void> | undefined
    const months = new Set<number>()
    let databaseReported = 0

    // The chunk's record and errors, in the transaction that stored its rows; counted once committed. `check`: what
    // the transaction read of erasures (erasedInImport), when it wrote events.
    const commitChunk = async (tx: RawSql, c: Chunk, stored: { accepted: number; duplicates: number }, check?: ErasureCheck) => {
      await commitImportChunk(tx, tenant.id, id, lease, { firstRow: c.firstRow, rows: c.rows, ...stored, rejected: c.rejected, reported: c.reported }, c.errors, d.clock(), check)
    }
    // Rows of shoppers erased since the job was created are refused: counted as rejected, each named in errors.csv.
    let userColumn = Object.keys(opts.mapping).find((k) => opts.mapping[k] === 'userId') ?? 'userId'
    const withErased = (c: Chunk, erased: Pending<Submitted>[]): Chunk => {
      if (!erased.length) return c
      const errors = [...c.errors]
      let found = c.found
      for (const x of erased.slice(0, Math.max(0, MAX_REPORTED_ERRORS - databaseReported))) {
        errors.push({ seq: DATABASE_REFUSAL_SEQ + c.firstRow + found++, line: x.line, column: userColumn, message: ERASED_DURING_IMPORT })
      }
      return { ...c, rejected: c.rejected + erased.length, errors, found }
    }
    const counted = (c: Chunk, stored: { accepted: number; duplicates: number }, readRejected: number) => {
      done.rows += c.rows; done.accepted += stored.accepted; done.duplicates += stored.duplicates; done.rejected += c.rejected
      pendingRejected -= readRejected
    }

    // A chunk's events in one transaction with its record. A chunk the database refuses is halved until the refused
    // row stands alone (it alone is rejected); the record then goes with the last piece.
    // Each write first reads which of its shoppers were erased since the job was created (they are left out) and, at
    // its commit, checks that none of those it stored was erased since that read (else it is rolled back and written again).
    const storeEvents = async (c: Chunk, rows: Pending<Submitted>[], last: boolean, sum: { accepted: number; duplicates: number }, attempt = 0): Promise<void> => {
      let erased: Pending<Submitted>[] = []
      let recorded: Chunk | undefined
      try {
        const check: ErasureCheck = { erasures: 0, stored: () => [] }
        const r = await d.events.storeImported(rows.map((x) => x.row), {
          jobId: id, months,
          withheld: async (tx, userIds) => {
            const e = await erasedInImport(tx, tenant.id, id, userIds)
            check.erasures = e.erasures
            check.stored = () => userIds.filter((u) => !e.users.has(u))
            erased = e.users.size ? rows.filter((x) => e.users.has(x.row.userId)) : []
            return e.users
          },
          commit: async (tx, stored) => {
            if (!last) return holdImportJob(tx, tenant.id, id, lease, d.clock(), check)
            recorded = withErased(c, erased)
            await commitChunk(tx, recorded, { accepted: sum.accepted + stored.accepted, duplicates: sum.duplicates + stored.duplicates }, check)
          },
        })
        sum.accepted += r.accepted; sum.duplicates += r.duplicates
        if (erased.length) {
          const after = recorded ?? withErased(c, erased)
          databaseReported += after.errors.length - c.errors.length
          Object.assign(c, { rejected: after.rejected, errors: after.errors, found: after.found })
        }
      } catch (error) {
        if (error instanceof ErasedMeanwhile) return storeEvents(c, rows, last, sum, attempt)
        if (error instanceof LeaseLost) throw error
        const state = sqlstateOf(error)
        // Two chunks written at once may deadlock on shared rows (a profile, a rollup): one is rolled back; it goes again.
        if ((state === '40P01' || state === '40001') && attempt < 3) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)))
          return storeEvents(c, rows, last, sum, attempt + 1)
        }
        if (isUnreachable(error) || !state || state.startsWith('40') || state === '57014') throw error
        if (rows.length === 1) {
          c.rejected++
          if (databaseReported++ < MAX_REPORTED_ERRORS) {
            c.errors.push({ seq: DATABASE_REFUSAL_SEQ + c.firstRow + c.found++, line: rows[0].line, column: '(row)', message: `refused by the database (SQLSTATE ${state}): ${(error as Error).message}` })
          }
          if (last) await d.raw.transaction((tx) => commitChunk(tx, c, sum))
          return
        }
        const half = Math.ceil(rows.length / 2)
        await storeEvents(c, rows.slice(0, half), false, sum)
        await storeEvents(c, rows.slice(half), last, sum)
      }
    }
    // Catalog upserts are idempotent, counts too (a row written again is an update, still accepted): the record follows the write.
    const storeItems = async (c: Chunk, attempt = 0): Promise<{ accepted: number; duplicates: number }> => {
      try {
        const rows = c.items.map((x) => x.row)
        const r = await d.catalog.importItems(tenant.id, rows, plan.startedAt)
        const stored = { accepted: r.created + r.updated, duplicates: rows.length - r.created - r.updated } // one productId twice in a chunk: the last wins
        await d.raw.transaction((tx) => commitChunk(tx, c, stored))
        return stored
      } catch (error) {
        if (error instanceof LeaseLost) throw error
        const state = sqlstateOf(error)
        if ((state === '40P01' || state === '40001') && attempt < 3) {
          await new Promise((r) => setTimeout(r, 20 * (attempt + 1)))
          return storeItems(c, attempt + 1)
        }
        throw error
      }
    }

    let lastYield = performance.now()
    const fresh = (firstRow: number): Chunk => ({ firstRow, rows: 0, events: [], items: [], rejected: 0, errors: [], reported: 0, found: 0 })
    let row = 0 // records read (the header excluded), skipped ones included
    let chunk = fresh(0)
    let chunkRows = d.chunkRows
    // Up to `writers` chunks are written while the next is read and checked (PGlite: one, it runs one statement at a time).
    const inflight = new Set<Promise<void>>()
    let writeFailure: { error: unknown } | undefined
    const write = async (c: Chunk) => {
      const began = performance.now()
      const readRejected = c.rejected
      const stored = { accepted: 0, duplicates: 0 }
      if (c.items.length) Object.assign(stored, await storeItems(c))
      else if (c.events.length) await storeEvents(c, c.events, true, stored)
      else await d.raw.transaction((tx) => commitChunk(tx, c, stored))
      counted(c, stored, readRejected)
      sinceFold += stored.accepted
      // The stored chunks' profiles are folded while the next chunks are written (one fold at a time; it touches
      // no table a chunk writes): the job's end has only the rest to fold.
      if (sinceFold >= FOLD_EVERY_ROWS && !folding) {
        sinceFold = 0
        folding = d.events.foldImported(id, d.foldRows).then(() => {}, (error) => { writeFailure ??= { error } }).finally(() => { folding = undefined })
      }
      if (d.targetWriteMs) {
        const took = performance.now() - began
        if (took > d.targetWriteMs * 1.5) chunkRows = Math.max(100, Math.floor(chunkRows / 2))
        else if (took < d.targetWriteMs / 2) chunkRows = Math.min(d.chunkRows, chunkRows * 2)
      }
    }
    const flush = async () => {
      const c = chunk
      chunk = fresh(row)
      if (!c.rows) return
      while (inflight.size >= d.writers) await Promise.race(inflight)
      if (writeFailure) throw writeFailure.error
      if (abort.signal.aborted) return // cancelled: this chunk is not written (its rows were read, not stored)
      const w: Promise<void> = write(c).catch((error) => { writeFailure ??= { error } }).finally(() => inflight.delete(w))
      inflight.add(w)
      lastYield = performance.now()
    }
    const drain = async () => {
      await Promise.all(inflight)
      await folding
      if (writeFailure) throw writeFailure.error
    }

    // Resuming: the stored chunks' records are skipped (their errors keep their numbers: the count goes on past them).
    const skips = plan.stored ?? []
    let nextSkip = 0
    let seq = 0
    let header: string[] | undefined
    let targets: (string | undefined)[] = []
    const reject = (line: number, column: string, message: string) => {
      if (seq < MAX_REPORTED_ERRORS) { chunk.errors.push({ seq: seq++, line, column, message }); chunk.reported++ }
    }
    try {
      for await (const rec of recordsOf(format, readText(spoolPath(id), (n) => { live.bytesRead += n }))) {
        if (abort.signal.aborted) break
        if (format === 'csv' && !header) {
          if ('error' in rec) throw new UnreadableFile(`The header row cannot be read: ${rec.error}`)
          header = (rec as { fields: string[] }).fields
          targets = columnTargets(type, header, opts.mapping)
          userColumn = header[targets.indexOf('userId')] ?? userColumn
          const missing = REQUIRED[type].filter((f) => !targets.includes(f) && !(f in defaults))
          if (missing.length) {
            throw new UnreadableFile(`The header row names no column for ${missing.join(', ')} (columns: ${header.slice(0, 50).join(', ')}); `
              + 'name them so, in snake_case, or map them with `mapping`')
          }
          continue
        }
        const skip = skips[nextSkip]
        if (skip && row >= skip.firstRow) {
          if (row === skip.firstRow) { await flush(); seq += skip.reported }
          row++; live.rowsRead = row
          if (row === skip.firstRow + skip.rows) { nextSkip++; chunk = fresh(row) }
          continue
        }
        row++; live.rowsRead = row; chunk.rows++
        if ('error' in rec) { chunk.rejected++; pendingRejected++; reject(rec.line, '(row)', rec.error) } else {
          const built: Built = 'fields' in rec ? fromCsv(type, header!, targets, rec.fields, defaults) : fromJson(type, rec.value, opts.mapping, defaults)
          // What the API's body parser would have refused (reserved keys, NUL characters, deep nesting) is refused here too.
          const unacceptable = unacceptableValue(built.value)
          const checked = unacceptable ? { errors: [unacceptable] }
            : type === 'events' ? d.events.validate(tenant, built.value, tenant.historyDays) : d.catalog.validate(built.value)
          if ('errors' in checked) {
            chunk.rejected++; pendingRejected++
            for (const e of checked.errors as FieldError[]) reject(rec.line, built.columnOf(e.field), `${e.field}: ${e.message}`)
          } else if ('row' in checked) chunk.events.push({ line: rec.line, row: checked.row })
          else chunk.items.push({ line: rec.line, row: checked.values })
        }
        if (chunk.events.length + chunk.items.length >= chunkRows) await flush()
        // Reading and checking a megabyte of rows holds the thread for a while: requests go in between, every ~10 ms.
        else if ((row & 255) === 0 && performance.now() - lastYield > YIELD_EVERY_MS) { await nextTurn(); lastYield = performance.now() }
        if (d.clock().getTime() - lastSave >= HEARTBEAT_MS) await save()
      }
      if (!abort.signal.aborted) await flush()
      await drain()
    } finally {
      // However it ends, the writes under way end first: the stored chunks then say what was stored.
      await Promise.allSettled([...inflight])
      await folding
    }
    if (abort.signal.reason === SHUTDOWN) throw new Stopped()
    if (!abort.signal.aborted && type === 'catalog' && opts.replace) await d.catalog.markAbsentUnavailable(tenant.id, plan.startedAt)
    return abort.signal.reason === CANCEL ? 'cancelled' : 'completed'
  }

  /** Runs a job to its end (completed, failed or cancelled; or left for another instance on shutdown); never rejects. */
  function launch(queuedOrTaken: JobPlan | Omit<JobPlan, 'lease' | 'startedAt'>) {
    const abort = new AbortController()
    const before = queuedOrTaken.stored ?? []
    const sum = (k: keyof Totals) => before.reduce((n, c) => n + (k === 'rows' ? c.rows : c[k]), 0)
    const done: Totals = { rows: sum('rows'), accepted: sum('accepted'), duplicates: sum('duplicates'), rejected: sum('rejected') }
    const live: Progress = { rowsRead: 0, accepted: done.accepted, duplicates: done.duplicates, rejected: done.rejected, bytesRead: 0 }
    const { tenant, id } = queuedOrTaken
    let lease: number | undefined
    const job = (async () => {
      let ended: 'completed' | 'cancelled' | { failed: string } | 'left'
      try {
        let plan: JobPlan
        if ('lease' in queuedOrTaken) plan = queuedOrTaken
        else {
          const startedAt = d.clock()
          const taken = await startImportJob(d.raw, tenant.id, id, startedAt, queuedOrTaken.bytesTotal)
          if (taken === null) { running.delete(id); await rm(spoolPath(id), { force: true }).catch(() => {}); return } // cancelled while queued
          plan = { ...queuedOrTaken, lease: taken, startedAt }
        }
        lease = plan.lease
        ended = await run(plan, abort, live, done)
      } catch (error) {
        if (error instanceof Stopped || error instanceof LeaseLost) ended = 'left'
        else {
          ended = { failed: error instanceof UnreadableFile ? error.message
            : isUnreachable(error) ? 'The database became unreachable; the rows counted as accepted were stored. Import the file again: those come back as duplicates.'
            : 'The import stopped on an unexpected error; the rows counted as accepted were stored. Import the file again: those come back as duplicates.' }
          if (!(error instanceof UnreadableFile)) d.log.error('import failed', { tenantId: tenant.id, importId: id, error })
        }
      }
      let finished = false
      try {
        // Shut down (or taken over): the job stays running; the instance that takes it over resumes it from its stored chunks.
        if (ended === 'left') return
        // Its writes have ended (run waits for them): the stored chunks are what was stored.
        await d.events.foldImported(id, d.foldRows)
        if (done.accepted) await d.onCompleted(tenant.id)
        const p: Progress = { rowsRead: done.rows, accepted: done.accepted, duplicates: done.duplicates, rejected: done.rejected, bytesRead: live.bytesRead }
        finished = await finishImportJob(d.raw, tenant.id, id, typeof ended === 'string' ? ended : 'failed', p, d.clock(),
          ended === 'cancelled' ? CANCEL_MESSAGE : typeof ended === 'object' ? ended.failed : null, lease)
      } catch (error) {
        d.log.error('import: could not record its end', { importId: id, error })
      } finally {
        running.delete(id)
        if (finished) await rm(spoolPath(id), { force: true }).catch(() => {})
      }
    })()
    running.set(id, { abort, done: job })
  }

  /**
   * Takes over jobs whose instance died (a stale heartbeat): each resumes after its stored chunks when its upload
   * is on this instance's disk; one whose upload is gone is failed, saying what its stored chunks hold.
   */
  async function takeOver(): Promise<{ resumed: number; failed: number }> {
    let resumed = 0
    let failed = 0
    for (const job of await claimStaleImportJobs(d.raw, staleBefore(), d.clock())) {
      const stored = await importChunksOf(d.raw, job.tenantId, job.id)
      const opts = job.options as JobOptions
      const here = await stat(spoolPath(job.id)).then(() => true, () => false)
      if (here && opts.tenant && job.startedAt) {
        launch({ tenant: { id: job.tenantId, ...opts.tenant }, id: job.id, type: job.type, format: job.format, bytesTotal: job.bytesTotal ?? 0,
          opts, lease: job.lease, startedAt: job.startedAt, stored })
        resumed++
        continue
      }
      const total = (k: 'rows' | 'accepted' | 'duplicates' | 'rejected') => stored.reduce((n, c) => n + c[k], 0)
      const p: Progress = { rowsRead: total('rows'), accepted: total('accepted'), duplicates: total('duplicates'), rejected: total('rejected'), bytesRead: 0 }
      await d.events.foldImported(job.id, d.foldRows)
      if (p.accepted) await d.onCompleted(job.tenantId)
      await finishImportJob(d.raw, job.tenantId, job.id, 'failed', p, d.clock(),
        `The instance running this import stopped before it finished, and its upload is no longer on disk to resume from: ${p.rowsRead} rows were read, `
        + `${p.accepted} stored, ${p.duplicates} duplicates and ${p.rejected} refused; the rest of the file was not. Import the file again: stored rows come back as duplicates.`, job.lease)
      failed++
    }
    if (resumed || failed) d.log.warn('imports: jobs whose instance stopped were taken over', { resumed, failed })
    return { resumed, failed }
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
      // The tenant's settings go with the job: an instance that takes it over resumes it as it began.
      const options: JobOptions = { mapping, replace: q.replace ?? false, ...(q.eventType ? { eventType: q.eventType } : {}),
        tenant: { attributionWindowHours: tenant.attributionWindowHours, historyDays: tenant.historyDays } }
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
      launch({ tenant, id, type: q.type, format, bytesTotal: bytes, opts: options })
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
     * At start, and every TAKEOVER_EVERY_MS (start()): jobs whose instance died are taken over (resumed from their
     * stored chunks, or failed when their upload is gone), queued ones whose upload never arrived are failed, and upload
     * files of jobs that ended are removed. How many were taken over.
     */
    async recover() {
      const { resumed, failed } = await takeOver()
      const n = await failStaleImportJobs(d.db, staleBefore(), d.clock())
      if (n) d.log.warn('imports: uploads cut off by their instance stopping were marked failed', { jobs: n })
      await dropEndedImportErasures(d.raw)
      const ids = (await readdir(d.spoolDir).catch(() => [] as string[])).filter((f) => f.endsWith('.upload')).map((f) => f.slice(0, -7))
      // Files of running jobs stay, whoever runs them (a shared DATA_DIR): a stale one is the next takeover's.
      const live = new Set(await liveImportIds(d.raw, ids, new Date(0)))
      // A file this database has no job for may be another deployment's sharing the folder: removed only once a day old.
      const known = new Set(await knownImportIds(d.raw, ids))
      const dayAgo = d.clock().getTime() - 86400_000
      for (const id of ids) {
        if (live.has(id) || running.has(id)) continue
        if (!known.has(id) && ((await stat(spoolPath(id)).catch(() => null))?.mtimeMs ?? 0) > dayAgo) continue
        await rm(spoolPath(id), { force: true }).catch(() => {})
      }
      return resumed + failed + n
    },

    /** Recovers now and then every TAKEOVER_EVERY_MS, until stop(). */
    start() {
      const sweep = () => { void this.recover().catch((error) => d.log.warn('imports: could not take over stopped jobs', { error })) }
      sweep()
      timer = setInterval(sweep, TAKEOVER_EVERY_MS)
      ;(timer as { unref?: () => void }).unref?.()
    },

    /** Waits for this instance's jobs to end (tests). */
    async settle() { await Promise.all([...running.values()].map((r) => r.done)) },
    /**
     * Shutdown: stops this instance's jobs after the chunk being written, leaving them running with their
     * stored chunks; the instance that takes them over (this one restarted, or another) resumes them.
     */
    async stop() {
      if (timer) clearInterval(timer)
      for (const r of running.values()) r.abort.abort(SHUTDOWN)
      await Promise.all([...running.values()].map((r) => r.done))
    },
  }
}
export type ImportService = ReturnType<typeof createImportService>
