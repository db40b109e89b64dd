// Import jobs and the rows they refused. Every query names its tenant, except the
// sweep of jobs whose instance died, which is per job and per heartbeat.
import { and, count, desc, eq, inArray, lt } from 'drizzle-orm'
import type { Db, RawSql } from '../client.ts'
import { importErasedShoppers, importJobs, type ImportJob } from '../schema.ts'
import { claimRoundRobin, tenantsWithDueRows } from './claims.ts'
import { enqueueWebhookEvent } from './webhooks.ts'

export type ImportStatus = ImportJob['status']
export const ACTIVE: ImportStatus[] = ['queued', 'running']

export interface NewImportJob { type: ImportJob['type']; format: ImportJob['format']; options: Record<string, unknown>; bytesTotal: number | null }

/**
 * Creates a queued job unless the tenant already has `maxActive` queued or running ones (then null).
 * The tenant's row is locked for the check and the insert, so two uploads at once cannot both pass.
 * A job whose heartbeat is older than `staleBefore` is not counted (its instance died; the sweep says so).
 */
export async function createImportJob(raw: RawSql, tenantId: string, job: NewImportJob, maxActive: number, now: Date, staleBefore: Date): Promise<string | null> {
  return raw.transaction(async (tx) => {
    await tx.query('select 1 from tenants where id = $1 for update', [tenantId])
    const [{ n }] = await tx.query<{ n: number }>(
      `select count(*)::int as n from import_jobs where tenant_id = $1 and status in ('queued', 'running') and updated_at >= $2::timestamptz`,
      [tenantId, staleBefore.toISOString()])
    if (n >= maxActive) return null
    const [row] = await tx.query<{ id: string }>(
      `insert into import_jobs (tenant_id, type, format, status, options, bytes_total, created_at, updated_at)
       values ($1, $2, $3, 'queued', $4::jsonb, $5, $6::timestamptz, $6::timestamptz) returning id`,
      [tenantId, job.type, job.format, JSON.stringify(job.options), job.bytesTotal, now.toISOString()])
    return row.id
  })
}

export async function findImportJob(db: Db, tenantId: string, id: string): Promise<ImportJob | undefined> {
  const [row] = await db.select().from(importJobs).where(and(eq(importJobs.tenantId, tenantId), eq(importJobs.id, id))).limit(1)
  return row
}

export async function listImportJobs(db: Db, tenantId: string, limit: number, offset: number) {
  const where = eq(importJobs.tenantId, tenantId)
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(importJobs).where(where).orderBy(desc(importJobs.createdAt), desc(importJobs.id)).limit(limit).offset(offset),
    db.select({ total: count() }).from(importJobs).where(where),
  ])
  return { rows, total: Number(total) }
}

export interface Progress { rowsRead: number; accepted: number; duplicates: number; rejected: number; bytesRead: number }

/** The heartbeat of a job whose upload is still arriving (queued): it lives. */
export async function touchImportJob(raw: RawSql, tenantId: string, id: string, now: Date) {
  await raw.query(`update import_jobs set updated_at = $3::timestamptz where tenant_id = $1 and id = $2 and status = 'queued'`, [tenantId, id, now.toISOString()])
}

/** Marks a queued job running and takes it (its lease); null when it is no longer queued (cancelled before it started). */
export async function startImportJob(raw: RawSql, tenantId: string, id: string, now: Date, bytesTotal: number | null): Promise<number | null> {
  const rows = await raw.query<{ lease: number }>(
    `update import_jobs set status = 'running', started_at = $3::timestamptz, updated_at = $3::timestamptz, bytes_total = coalesce($4, bytes_total), lease = lease + 1
     where tenant_id = $1 and id = $2 and status = 'queued' returning lease`, [tenantId, id, now.toISOString(), bytesTotal])
  return rows[0]?.lease ?? null
}

/**
 * Writes a running job's counts (and heartbeat); false when it is no longer running (cancelled) or no
 * longer this taker's (another instance took it over: `lease` moved on).
 */
export async function saveImportProgress(raw: RawSql, tenantId: string, id: string, lease: number, p: Progress, now: Date): Promise<boolean> {
  const rows = await raw.query(
    `update import_jobs set rows_read = $3, accepted = $4, duplicates = $5, rejected = $6, bytes_read = $7, updated_at = $8::timestamptz
     where tenant_id = $1 and id = $2 and status = 'running' and lease = $9 returning 1`,
    [tenantId, id, p.rowsRead, p.accepted, p.duplicates, p.rejected, p.bytesRead, now.toISOString(), lease])
  return rows.length > 0
}

/** A chunk's commit found its job no longer running under this taker (cancelled, or taken over): the chunk is rolled back. */
export class LeaseLost extends Error {}
/**
 * A chunk's commit found one of the shoppers it stored erased since the chunk read which shoppers it must leave
 * out (erasedInImport): the chunk is rolled back, to be written again without them.
 */
export class ErasedMeanwhile extends Error {}

/** What a chunk read before writing (erasedInImport's count), and the shoppers it stored (asked only if that moved). */
export interface ErasureCheck { erasures: number; stored: () => string[] }

/**
 * Called by an erasure when it is requested (in its transaction): every events import of the tenant queued or running
 * now, whose file was taken before, stores none of this shopper's rows from now on. Each such job gets a row in
 * import_erased_shoppers and its `erasures` bumped: a chunk of it being written meanwhile, which read the shoppers to
 * leave out before this, finds the count moved at its commit and is written again (ErasedMeanwhile); one committing
 * already holds the job's row, so this waits for it, and the erasure that follows finds its rows. Returns the jobs.
 */
export async function withholdFromImports(tx: RawSql, tenantId: string, userId: string): Promise<number> {
  const rows = await tx.query(
    `with j as (update import_jobs set erasures = erasures + 1
                where tenant_id = $1 and type = 'events' and status in ('queued', 'running') returning id)
     insert into import_erased_shoppers (tenant_id, job_id, user_id) select $1, j.id, $2 from j
     on conflict do nothing returning job_id`, [tenantId, userId])
  return rows.length
}

/**
 * Whether an events import of the tenant still running stored rows of this shopper whose profile it has not folded
 * yet (import_stored): their events are stored though no profile says so. One probe per running job (≤ 2).
 */
export async function importHoldsShopper(raw: RawSql, tenantId: string, userId: string): Promise<boolean> {
  const rows = await raw.query(
    `select 1 from import_jobs j where j.tenant_id = $1 and j.type = 'events' and j.status in ('queued', 'running')
       and exists (select 1 from import_stored s where s.job_id = j.id and s.user_id = $2 and s.tenant_id = $1) limit 1`, [tenantId, userId])
  return rows.length > 0
}

/**
 * In a chunk's transaction, before its rows are written: which of the chunk's shoppers (`userIds`) were erased since
 * the job was created (their rows are left out), and the job's `erasures` count as read, for the commit to check
 * (commitImportChunk, holdImportJob). One indexed read; the shoppers are looked up only when the job has erasures.
 */
export async function erasedInImport(tx: RawSql, tenantId: string, id: string, userIds: string[]): Promise<{ erasures: number; users: Set<string> }> {
  const [row] = await tx.query<{ erasures: number; users: string[] | null }>(
    `select j.erasures, case when j.erasures = 0 then null else (
       select jsonb_agg(s.user_id) from import_erased_shoppers s join jsonb_array_elements_text($3::jsonb) c(u) on c.u = s.user_id
       where s.tenant_id = $1 and s.job_id = $2) end as users
     from import_jobs j where j.tenant_id = $1 and j.id = $2`, [tenantId, id, JSON.stringify(userIds)])
  return { erasures: Number(row?.erasures ?? 0), users: new Set(row?.users ?? []) }
}

/**
 * In a chunk's transaction, after its rows: the job is still running under this taker (else LeaseLost) and, when
 * `check` is given, none of the shoppers the chunk stored was erased since it read (else ErasedMeanwhile); both roll
 * the chunk back. Locks the job's row until the commit that follows, so an erasure requested now waits for this
 * chunk (and then erases its rows); one recorded before has bumped the count this reads, and its shopper, if among
 * the chunk's, is found by a second look (a statement after the lock: it sees that erasure). Erasures of other
 * shoppers meanwhile cost that look only.
 */
export async function holdImportJob(tx: RawSql, tenantId: string, id: string, lease: number, now: Date, check?: ErasureCheck) {
  const rows = await tx.query<{ erasures: number }>(
    `update import_jobs set updated_at = $3::timestamptz where tenant_id = $1 and id = $2 and status = 'running' and lease = $4 returning erasures`,
    [tenantId, id, now.toISOString(), lease])
  if (!rows.length) throw new LeaseLost(`import ${id}: no longer running under lease ${lease}`)
  if (!check || Number(rows[0].erasures) === check.erasures) return
  if ((await erasedInImport(tx, tenantId, id, check.stored())).users.size) throw new ErasedMeanwhile(`import ${id}: a shopper of the chunk was erased while it was written`)
}

/** Removes what erasures left for these jobs (they have ended: nothing more of theirs is stored). */
async function dropErasedShoppers(raw: RawSql, tenantId: string, ids: string[]) {
  if (ids.length) await raw.query('delete from import_erased_shoppers where tenant_id = $1 and job_id in (select jsonb_array_elements_text($2::jsonb)::uuid)', [tenantId, JSON.stringify(ids)])
}

/**
 * The periodic sweep's share (recover): rows erasures left for jobs no longer queued or running, whichever way they
 * ended (their ends remove them too; this catches one whose removal failed). Housekeeping across tenants.
 */
export async function dropEndedImportErasures(raw: RawSql): Promise<number> {
  const rows = await raw.query(
    `delete from import_erased_shoppers s where not exists (
       select 1 from import_jobs j where j.tenant_id = s.tenant_id and j.id = s.job_id and j.status in ('queued', 'running')) returning 1`)
  return rows.length
}

/** A stored chunk of a job: the records it covers and what became of them (see import_chunks). */
export interface ImportChunk { firstRow: number; rows: number; accepted: number; duplicates: number; rejected: number; reported: number }

/**
 * In a chunk's own transaction, after its rows: the chunk is recorded, with its refused rows' errors. Throws
 * LeaseLost, rolling the chunk back, when the job is no longer running under this taker (ErasedMeanwhile: see
 * holdImportJob). The job's row is updated last (its lock is held only until the commit that follows).
 */
export async function commitImportChunk(tx: RawSql, tenantId: string, id: string, lease: number, c: ImportChunk, errors: (ImportRowError & { seq: number })[], now: Date, check?: ErasureCheck) {
  await holdImportJob(tx, tenantId, id, lease, now, check)
  await tx.query('insert into import_chunks (tenant_id, job_id, first_row, rows, accepted, duplicates, rejected, reported) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [tenantId, id, c.firstRow, c.rows, c.accepted, c.duplicates, c.rejected, c.reported])
  await addImportErrors(tx, tenantId, id, errors)
}

/** The stored chunks of a job, in file order. */
export async function importChunksOf(raw: RawSql, tenantId: string, id: string): Promise<ImportChunk[]> {
  const rows = await raw.query<Record<string, unknown>>(
    'select first_row, rows, accepted, duplicates, rejected, reported from import_chunks where tenant_id = $1 and job_id = $2 order by first_row', [tenantId, id])
  return rows.map((r) => ({ firstRow: Number(r.first_row), rows: Number(r.rows), accepted: Number(r.accepted), duplicates: Number(r.duplicates), rejected: Number(r.rejected), reported: Number(r.reported) }))
}

/** What import.completed and import.failed webhook events carry. */
const importEvent = (j: { id: string; type: string; format: string; status: string; rowsRead: number; accepted: number; duplicates: number; rejected: number; error: string | null; finishedAt: Date | string | null }) => ({
  import: {
    id: j.id, type: j.type, format: j.format, status: j.status, rowsRead: Number(j.rowsRead), accepted: Number(j.accepted), duplicates: Number(j.duplicates),
    rejected: Number(j.rejected), error: j.error, finishedAt: j.finishedAt ? new Date(j.finishedAt).toISOString() : null,
  },
})

/**
 * Ends a job with its final counts; false when this taker no longer holds it (`lease` given and moved on).
 * A job that ended meanwhile (cancelled) keeps that status and gets the counts of what was stored.
 * A job that ends here completed or failed writes its webhook event in the same transaction.
 */
export async function finishImportJob(raw: RawSql, tenantId: string, id: string, status: 'completed' | 'failed' | 'cancelled', p: Progress, now: Date, error: string | null, lease?: number): Promise<boolean> {
  return raw.transaction(async (tx) => {
    const [before] = await tx.query<{ status: string }>('select status from import_jobs where tenant_id = $1 and id = $2 for update', [tenantId, id])
    const [j] = await tx.query<{ id: string; type: string; format: string; status: string; rows_read: number; accepted: number; duplicates: number; rejected: number; error: string | null; finished_at: Date | string | null }>(
      `update import_jobs set status = case when status in ('queued', 'running') then $3 else status end,
         rows_read = $4, accepted = $5, duplicates = $6, rejected = $7, bytes_read = $8,
         error = case when status in ('queued', 'running') then $9 else error end,
         finished_at = coalesce(finished_at, $10::timestamptz), updated_at = $10::timestamptz
       where tenant_id = $1 and id = $2 and ($11::int is null or lease = $11::int)
       returning id, type, format, status, rows_read, accepted, duplicates, rejected, error, finished_at`,
      [tenantId, id, status, p.rowsRead, p.accepted, p.duplicates, p.rejected, p.bytesRead, error, now.toISOString(), lease ?? null])
    if (j && before && ACTIVE.includes(before.status as ImportStatus) && (j.status === 'completed' || j.status === 'failed')) {
      await enqueueWebhookEvent(tx, tenantId, `import.${j.status}`, importEvent({ ...j, rowsRead: j.rows_read, finishedAt: j.finished_at }), now)
    }
    if (j) await dropErasedShoppers(tx, tenantId, [id]) // it has ended
    return j !== undefined
  })
}

/**
 * Takes over running jobs whose heartbeat stopped before `staleBefore` (their instance died): each gets a new
 * lease and a fresh heartbeat, so the instance that died, if it wakes, can write nothing more, and two instances
 * never take the same job (SKIP LOCKED: a job another is taking is passed over). Across tenants (housekeeping),
 * tenant by tenant round-robin (db/queries/claims.ts).
 */
export type ClaimedImportJob = Pick<ImportJob, 'id' | 'tenantId' | 'type' | 'format' | 'options' | 'bytesTotal' | 'startedAt' | 'lease'>
export async function claimStaleImportJobs(raw: RawSql, staleBefore: Date, now: Date, limit = 20): Promise<ClaimedImportJob[]> {
  const stale = staleBefore.toISOString()
  const tenants = await tenantsWithDueRows(raw, 'import_jobs', `status = 'running' and updated_at < $1::timestamptz`, 'updated_at', [stale], limit)
  const rows = await claimRoundRobin(tenants, limit, (tenantId, n) => raw.query<Record<string, unknown>>(
    // A CTE, evaluated once: `id in (select … limit n for update skip locked)` may be re-run by the plan and take more than n.
    `with c as (select id from import_jobs where tenant_id = $1 and status = 'running' and updated_at < $2::timestamptz
                order by updated_at limit $4 for update skip locked)
     update import_jobs j set lease = j.lease + 1, updated_at = $3::timestamptz
     from c where j.tenant_id = $1 and j.id = c.id
     returning j.id, j.tenant_id, j.type, j.format, j.options, j.bytes_total, j.started_at, j.lease`,
    [tenantId, stale, now.toISOString(), n]))
  return rows.map((r) => ({
    id: r.id as string, tenantId: r.tenant_id as string, type: r.type as ImportJob['type'], format: r.format as ImportJob['format'],
    options: r.options, bytesTotal: r.bytes_total === null ? null : Number(r.bytes_total),
    startedAt: r.started_at === null ? null : new Date(r.started_at as string), lease: Number(r.lease),
  }))
}

export async function updateImportOptions(raw: RawSql, tenantId: string, id: string, options: Record<string, unknown>) {
  await raw.query('update import_jobs set options = $3::jsonb where tenant_id = $1 and id = $2', [tenantId, id, JSON.stringify(options)])
}

/** Of these job ids, the ones this database has a job for (whatever its state). Housekeeping of upload files, by id alone. */
export async function knownImportIds(raw: RawSql, ids: string[]): Promise<string[]> {
  const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id))
  if (!uuids.length) return []
  const rows = await raw.query<{ id: string }>(
    `select id from import_jobs where id in (select jsonb_array_elements_text($1::jsonb)::uuid)`, [JSON.stringify(uuids)])
  return rows.map((r) => r.id)
}

/**
 * Of these job ids, the ones still queued or running with a live heartbeat. Housekeeping across tenants (which
 * upload files on this disk are still being read), so by id alone.
 */
export async function liveImportIds(raw: RawSql, ids: string[], staleBefore: Date): Promise<string[]> {
  const uuids = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id))
  if (!uuids.length) return []
  const rows = await raw.query<{ id: string }>(
    `select id from import_jobs where id in (select jsonb_array_elements_text($1::jsonb)::uuid)
     and status in ('queued', 'running') and updated_at >= $2::timestamptz`, [JSON.stringify(uuids), staleBefore.toISOString()])
  return rows.map((r) => r.id)
}

/** Cancels a queued or running job; the job as it is then, or undefined when the tenant has no such job. */
export async function cancelImportJob(db: Db, tenantId: string, id: string, now: Date, reason: string): Promise<ImportJob | undefined> {
  await db.transaction(async (tx) => {
    await tx.update(importJobs).set({ status: 'cancelled', finishedAt: now, updatedAt: now, error: reason })
      .where(and(eq(importJobs.tenantId, tenantId), eq(importJobs.id, id), inArray(importJobs.status, ACTIVE)))
    // A cancelled job commits no more chunks (commitImportChunk): what erasures left for it goes.
    await tx.delete(importErasedShoppers).where(and(eq(importErasedShoppers.tenantId, tenantId), eq(importErasedShoppers.jobId, id)))
  })
  return findImportJob(db, tenantId, id)
}

/**
 * Queued jobs whose heartbeat stopped before `staleBefore` (their instance died while the upload arrived: there
 * is no whole file to import) are marked failed. Running ones are taken over instead (claimStaleImportJobs).
 */
export async function failStaleImportJobs(db: Db, staleBefore: Date, now: Date, tenantId?: string): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.update(importJobs).set({
      status: 'failed', finishedAt: now, updatedAt: now,
      error: 'The instance receiving this upload stopped before the file had arrived; nothing was imported. Upload the file again.',
    }).where(and(eq(importJobs.status, 'queued'), lt(importJobs.updatedAt, staleBefore), tenantId ? eq(importJobs.tenantId, tenantId) : undefined))
      .returning()
    // Each one's import.failed webhook event, in the same transaction.
    for (const j of rows) {
      await enqueueWebhookEvent(tx as unknown as Db, j.tenantId, 'import.failed', importEvent(j), now)
      await tx.delete(importErasedShoppers).where(and(eq(importErasedShoppers.tenantId, j.tenantId), eq(importErasedShoppers.jobId, j.id)))
    }
    return rows.length
  })
}

export interface ImportRowError { line: number; column: string; message: string }

/** Adds refused rows' errors, each with its place in the report (`seq`). */
export async function addImportErrors(raw: RawSql, tenantId: string, jobId: string, errors: (ImportRowError & { seq: number })[]) {
  if (!errors.length) return
  await raw.query(
    `insert into import_errors (job_id, tenant_id, seq, line, "column", message)
     select $1::uuid, $2::uuid, x.seq, x.line, x.col, x.msg
     from jsonb_to_recordset($3::jsonb) as x(seq int, line bigint, col text, msg text)`,
    [jobId, tenantId, JSON.stringify(errors.map((e) => ({ seq: e.seq, line: e.line, col: e.column, msg: e.message })))])
}

/** One page of a job's errors in file order (seq), after `afterSeq`. */
export async function listImportErrors(raw: RawSql, tenantId: string, jobId: string, afterSeq: number, limit: number) {
  return raw.query<{ seq: number; line: number; column: string; message: string }>(
    `select seq, line::float8 as line, "column", message from import_errors
     where tenant_id = $1 and job_id = $2 and seq > $3 order by seq limit $4`, [tenantId, jobId, afterSeq, limit])
}
