// Event ingestion (F-003): validation beyond the schema (the timestamp
// window, metadata size), then the group committer; and the stream viewer's
// list, paged by offset or by keyset cursor.
import type { Db } from '../../../db/client.ts'
import { BROWSER_KEY_PREFIX, ensureEventMonths, ensureEventPartitions, eraseShopperEvents, eraseShopperState, eventPartitions, exportEventsPage, foldImportedProfiles, foldOldEvents, copyEventsDirect, insertEventsByCopy, listEvents, pruneEventIds, type EventFilter, type EventPosition, type ExportedEvent } from '../../../db/queries/events.ts'
import { applyIngestEffects } from './ingest/effects.ts'
import { nextTurn, type RawSql } from '../../../db/client.ts'
import { primaryReads, type LagTolerantReads } from '../../../db/lag-tolerant.ts'
import type { EventRow } from '../../../db/schema.ts'
import { BadRequest, fieldErrors, PayloadTooLarge, ServiceUnavailable, ValidationFailed, type FieldError } from '../../errors.ts'
import { decodeCursor, encodeCursor, keysetPages } from '../../cursor.ts'
import { isDay } from '../../dates.ts'
import type { GroupCommitter, Outcome, StoreFailure, Submitted } from './ingest/group-commit.ts'
import { Traits } from '../shoppers/model.ts'
import { BROWSER_EVENT_TYPES, EventItem, MAX_TRACK_BATCH, RETENTION_DAYS } from './model.ts'
import { getSchemaValidator, type Static } from 'elysia'

type Item = Static<typeof EventItem>
/** The tenant an event belongs to, with the settings ingestion needs. */
export interface Tenant { id: string; attributionWindowHours: number }
const FUTURE_SLACK_MS = 5 * 60_000
/**
 * eventIds sent through /track (the public read key) live in their own
 * namespace: otherwise anyone holding the page's key could send the ids a
 * backend will use and have its real events dropped as duplicates. '/' is
 * outside the eventId alphabet, so the namespaces cannot meet.
 */
const BROWSER_KEYS = BROWSER_KEY_PREFIX
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAX_METADATA_BYTES = 4096
const enc = new TextEncoder()
// Compiled once: the per-item check is on the hot path of every batch.
const itemCheck = getSchemaValidator(EventItem)
// metadata.traits, when an event carries them: the same rules as POST /users/:userId/traits.
const traitsCheck = getSchemaValidator(Traits)

const eventDto = (e: EventRow) => ({
  id: e.id, eventType: e.eventType, userId: e.userId, productId: e.productId, timestamp: e.ts.toISOString(),
  sessionId: e.sessionId, metadata: (e.metadata as Record<string, unknown> | null) ?? null, placement: e.placement,
  strategy: e.strategy, receivedAt: e.receivedAt.toISOString(), eventId: e.eventId ?? null,
})

const DAY = 86400_000
/** Events per export read: one chunk of the download, bounded whatever the tenant holds. */
const EXPORT_PAGE = 1000

/** A [from, to] range from the query string: 400 naming the field when a date is not one, or from is after to. */
export function dateRange(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const parse = (field: string, v: string | undefined) => {
    if (v === undefined) return undefined
    const d = new Date(v)
    // JavaScript rolls 2026-02-30 over into March: the day written must be a real one.
    if (Number.isNaN(d.getTime()) || !isDay(v.slice(0, 10))) throw new ValidationFailed(`The query string is invalid: ${field}: is not a valid date-time`, [{ field, message: 'is not a valid date-time' }])
    return d
  }
  const range = { from: parse('from', from), to: parse('to', to) }
  if (range.from && range.to && range.from > range.to) throw new ValidationFailed('The query string is invalid: from: must not be after `to`', [{ field: 'from', message: 'must not be after `to`' }])
  return range
}

/** The timestamps an event may carry: the retention window behind `now`, 5 minutes of clock skew ahead. */
export function timestampWindow(now: Date, retentionDays = RETENTION_DAYS) {
  return { earliest: new Date(now.getTime() - retentionDays * DAY), latest: new Date(now.getTime() + FUTURE_SLACK_MS) }
}

/**
 * Why an event's timestamp is refused, or null. Older events would be folded
 * away at once, and far-off dates once failed a whole shared write group and
 * created a partition per month between them.
 */
export function timestampProblem(ts: Date, now: Date, retentionDays = RETENTION_DAYS): string | null {
  // In milliseconds: checked for every row of an import, where the window's two Dates were a cost of their own.
  const t = ts.getTime()
  const at = now.getTime()
  if (Number.isNaN(t)) return 'is not a valid date-time'
  if (t > at + FUTURE_SLACK_MS) return 'must not be more than 5 minutes in the future'
  const earliest = at - retentionDays * DAY
  if (t < earliest) return `must not be more than ${retentionDays} days in the past (the retention window; earliest now ${new Date(earliest).toISOString()})`
  return null
}

/**
 * An import's chunk, for storeImported: the job its profiles are folded for later (foldImported), and what
 * it commits in the chunk's own transaction (its checkpoint), so a resumed job neither repeats nor skips a count.
 */
export interface ImportChunkCommit {
  jobId: string
  /**
   * First in the chunk's transaction, given the chunk's shoppers: those whose rows are left out, unstored and
   * uncounted as accepted or duplicate (shoppers erased while the job ran; the caller counts and reports them).
   */
  withheld?: (tx: RawSql, userIds: string[]) => Promise<Set<string>>
  commit: (tx: RawSql, stored: { accepted: number; duplicates: number }) => Promise<void>
  /**
   * The months (year × 12 + month, UTC) whose event partition this job has already made sure of: one statement
   * per month, not per chunk. Retention drops only months past the history window, which an import cannot write.
   */
  months?: Set<number>
}

/** Stored rows an import's profile fold takes per statement, unless told (PostgreSQL: one transaction each). */
export const FOLD_BATCH_ROWS = 50_000

export interface EventDeps {
  db: Db; raw: RawSql; committer: GroupCommitter; clock: () => Date; onOutcomes?: (accepted: number, duplicates: number, rejected: number) => void
  /** Told which imported events were stored, after their commit (profile caches, live counters). */
  onImported?: (stored: Submitted[]) => void
  /** Told which shoppers' profiles an import's fold changed (their cached profiles are stale). */
  onProfilesFolded?: (users: { tenantId: string; userId: string }[]) => void
  /** Raw-event retention: the default window (days) and the tenants that set their own (tenant config historyDays). */
  history?: { days: number; overrides: () => Promise<{ tenantId: string; days: number }[]> }
  /** Where the export reads (a replica, when DATABASE_READ_URL names one); unset: `raw`. */
  lagTolerant?: LagTolerantReads
}

/** The SQLSTATE of a database error (or of what it wraps), when it has one. */
function sqlstateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
}

/** A row the database refused, as a field error of its batch (the row, not a field, is at fault). */
const refusal = (f: Extract<StoreFailure, { kind: 'refused' }>): FieldError => ({ field: '(item)', message: `refused by the database (SQLSTATE ${f.sqlstate}): ${f.message}` })

/**
 * The error for events that could not be stored: 503 when the database is
 * down (retry later) or busy (retry in a second); with no SQLSTATE, the
 * original error, which the problem handler logs and answers as a 500.
 */
function unstored(failures: StoreFailure[]): unknown {
  const down = failures.find((f) => f.kind === 'unreachable')
  if (down) return new ServiceUnavailable('The event store is unavailable; these events were not stored. Retry later.', 5)
  if (failures.some((f) => f.kind === 'busy')) return new ServiceUnavailable('The event store is busy; these events were not stored. Retry in a second.', 1)
  const [bug] = failures as { error: unknown }[] // only 'unknown' failures are left
  return bug.error
}

export function createEventService(d: EventDeps) {
  // Only the export may lag: the list is what an integrator reads to check what it just sent.
  const exportReads = (d.lagTolerant ?? primaryReads({ db: d.db, raw: d.raw })).raw
  /** Field errors for one event, or a row ready to insert. */
  function check(tenant: Tenant, value: unknown, allowed?: readonly string[], retentionDays = RETENTION_DAYS): { errors: FieldError[] } | { row: Submitted } {
    if (!itemCheck.Check(value)) return { errors: fieldErrors(itemCheck.Errors(value)) }
    const errors: FieldError[] = []
    const v = value as Item
    const now = d.clock()
    const ts = v.timestamp ? new Date(v.timestamp) : now
    const late = timestampProblem(ts, now, retentionDays)
    if (late) errors.push({ field: 'timestamp', message: late })
    const metadata = v.metadata === undefined ? null : JSON.stringify(v.metadata)
    // UTF-8 takes at most 3 bytes per UTF-16 unit: only long text is encoded to be measured.
    if (metadata && metadata.length * 3 > MAX_METADATA_BYTES && enc.encode(metadata).byteLength > MAX_METADATA_BYTES) errors.push({ field: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` })
    for (const k of ['price', 'quantity'] as const) {
      const x = v.metadata?.[k]
      if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x) || x < 0)) errors.push({ field: `metadata.${k}`, message: 'must be a number ≥ 0' })
    }
    const traits = v.metadata?.traits
    if (traits !== undefined && !traitsCheck.Check(traits)) errors.push(...fieldErrors(traitsCheck.Errors(traits)).map((e) => ({ field: e.field ? `metadata.traits.${e.field}` : 'metadata.traits', message: e.message })))
    if (allowed && !allowed.includes(v.eventType)) errors.push({ field: 'eventType', message: `${v.eventType} events cannot be sent from a browser: send them from your backend with a write key` })
    if (errors.length) return { errors }
    return { row: { tenantId: tenant.id, attributionWindowHours: tenant.attributionWindowHours, eventType: v.eventType, userId: v.userId, productId: v.productId, ts, sessionId: v.sessionId ?? null, metadata: v.metadata ?? null, metadataJson: metadata, placement: v.placement ?? null, strategy: v.strategy ?? null, eventId: v.eventId ?? null, idempotencyKey: v.eventId === undefined ? null : allowed ? `${BROWSER_KEYS}${v.eventId}` : v.eventId } }
  }

  async function many(tenant: Tenant, items: unknown[], allowed?: readonly string[]) {
    const rejected: { index: number; errors: FieldError[] }[] = []
    const rows: Submitted[] = []
    const indexOf: number[] = []
    items.forEach((item, index) => {
      const r = check(tenant, item, allowed)
      if ('errors' in r) rejected.push({ index, errors: r.errors }); else { rows.push(r.row); indexOf.push(index) }
    })
    const outcomes = rows.length ? await d.committer.submit(rows) : []
    let accepted = 0
    let duplicates = 0
    const failures: StoreFailure[] = []
    outcomes.forEach((o, i) => {
      if (o.status === 'accepted') accepted++
      else if (o.status === 'duplicate') duplicates++
      else if (o.failure.kind === 'refused') rejected.push({ index: indexOf[i], errors: [refusal(o.failure)] })
      else failures.push(o.failure)
    })
    d.onOutcomes?.(accepted, duplicates, rejected.length)
    // The stored rows stay stored: a retry of the whole batch finds them as duplicates.
    if (failures.length) throw unstored(failures)
    rejected.sort((a, b) => a.index - b.index)
    return { accepted, duplicates, rejected }
  }

  async function one(tenant: Tenant, item: unknown, allowed?: readonly string[]): Promise<Exclude<Outcome, { status: 'failed' }>> {
    const r = check(tenant, item, allowed)
    if ('errors' in r) {
      d.onOutcomes?.(0, 0, 1)
      throw new ValidationFailed(`The event is invalid: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, r.errors)
    }
    const [o] = await d.committer.submit([r.row])
    d.onOutcomes?.(o.status === 'accepted' ? 1 : 0, o.status === 'duplicate' ? 1 : 0, o.status === 'failed' ? 1 : 0)
    if (o.status !== 'failed') return o
    if (o.failure.kind === 'refused') {
      const e = refusal(o.failure)
      throw new ValidationFailed(`The event was not stored: ${e.message}`, [e])
    }
    throw unstored([o.failure])
  }

  return {
    ingest: (tenant: Tenant, item: unknown) => one(tenant, item),

    /** One event checked as the API checks it, for a bulk import: field errors, or the row to store. `retentionDays`: how old it may be. */
    validate: (tenant: Tenant, item: unknown, retentionDays?: number) => check(tenant, item, undefined, retentionDays),

    /**
     * Stores checked events of one tenant in one transaction, as a group commit does (the same statement keeps the
     * idempotency rule and folds them into profiles, purchases and clicks; the same rollups follow), apart from the
     * shared committer so a bulk import neither waits behind live traffic nor delays it. Throws when the write fails.
     */
    async storeImported(rows: Submitted[], job?: ImportChunkCommit): Promise<{ accepted: number; duplicates: number; direct: boolean }> {
      if (!rows.length && !job) return { accepted: 0, duplicates: 0, direct: false }
      const months = new Map<number, Date>()
      for (const r of rows) {
        const m = r.ts.getUTCFullYear() * 12 + r.ts.getUTCMonth()
        if (!job?.months?.has(m)) months.set(m, r.ts)
      }
      if (months.size) {
        await ensureEventMonths(d.raw, [...months.values()])
        for (const m of months.keys()) job?.months?.add(m)
        await nextTurn()
      }
      const write = (tryDirect: boolean) => d.raw.transaction(async (tx) => {
        // A chunk's commit need not wait for its WAL flush: a crash loses the chunk and its record together
        // (import_chunks), so the resumed job writes it again.
        if (tx.copyFrom) await tx.query('set local synchronous_commit = off')
        // The probe's and the merge's estimates put them over the JIT threshold: compiling cost more than they ran.
        if (tx.copyFrom) await tx.query('set local jit = off')
        const barred = job?.withheld ? await job.withheld(tx, [...new Set(rows.map((r) => r.userId))]) : undefined
        const kept = barred?.size ? rows.filter((r) => !barred.has(r.userId)) : rows
        const direct = tryDirect && job ? await copyEventsDirect(tx, kept, job.jobId) : null
        const out: Submitted[] = direct ? direct.stored : []
        const merged = direct ? direct.rest : kept
        if (merged.length) {
          const inserted = await insertEventsByCopy(tx, merged, job?.jobId)
          const fresh = new Set(inserted.map((r) => `${r.user_id}\u0000${r.event_type}\u0000${r.product_id}\u0000${Math.round(Number(r.ts_ms))}`))
          for (const r of merged) {
            const k = `${r.userId}\u0000${r.eventType}\u0000${r.productId}\u0000${r.ts.getTime()}`
            if (fresh.delete(k)) out.push(r) // the first of equal rows is the stored one
          }
        }
        await applyIngestEffects(tx, out, true)
        await job?.commit(tx, { accepted: out.length, duplicates: kept.length - out.length })
        return { out, direct: direct !== null, withheld: rows.length - kept.length }
      })
      let stored: { out: Submitted[]; direct: boolean; withheld: number }
      try {
        stored = await write(true)
      } catch (error) {
        // The direct COPY met an event stored meanwhile (live ingestion): the chunk is rolled back and merged.
        const state = sqlstateOf(error)
        if (state !== '23505' && state !== '40P01') throw error
        stored = await write(false)
      }
      try { d.onImported?.(stored.out) } catch { /* a listener's failure must not un-store committed rows */ }
      return { accepted: stored.out.length, duplicates: rows.length - stored.withheld - stored.out.length, direct: stored.direct }
    },

    /**
     * Folds what an import job's chunks stored (the bulk path leaves their profiles for this) into the shoppers'
     * profiles, `batchRows` stored rows a transaction (PGlite: small, since requests that read wait behind each); their cached
     * profiles are then dropped. How many shoppers were folded (one folded in two batches counts twice).
     */
    async foldImported(jobId: string, batchRows = FOLD_BATCH_ROWS): Promise<number> {
      let folded = 0
      for (;;) {
        const users = await foldImportedProfiles(d.raw, jobId, batchRows)
        if (!users.length) return folded
        folded += users.length
        try { d.onProfilesFolded?.(users) } catch { /* the fold is committed */ }
      }
    },
    ingestBatch: (tenant: Tenant, items: unknown[]) => many(tenant, items),

    /** The browser endpoint: one event or a small array, browser-safe types only. */
    async track(tenant: Tenant, body: unknown) {
      if (Array.isArray(body)) {
        if (body.length > MAX_TRACK_BATCH) throw new PayloadTooLarge(`At most ${MAX_TRACK_BATCH} events per /track call`)
        return { batch: await many(tenant, body, BROWSER_EVENT_TYPES) }
      }
      if (typeof body !== 'object' || body === null) throw new BadRequest('Send one event object or an array of events as JSON')
      return { single: await one(tenant, body, BROWSER_EVENT_TYPES) }
    },

    /**
     * Daily upkeep: partitions for the coming months exist before events need
     * them, and raw events older than their tenant's history window (historyDays)
     * are folded into daily summaries.
     */
    async maintain() {
      const now = d.clock().getTime()
      await ensureEventPartitions(d.raw, new Date(now - 31 * DAY), new Date(now + 92 * DAY))
      const days = d.history?.days ?? RETENTION_DAYS
      const overrides = (await d.history?.overrides()) ?? []
      const folded = await foldOldEvents(d.raw, new Date(now), days, overrides)
      // An eventId is remembered as long as any tenant may keep its event.
      const longest = Math.max(days, ...overrides.map((o) => o.days))
      return { folded, prunedEventIds: await pruneEventIds(d.raw, new Date(now - longest * DAY)) }
    },

    /** The event store's partitions, oldest first: a shopper's erasure goes through them one by one. */
    eventPartitions: () => eventPartitions(d.raw),
    /** One bounded batch of a shopper's erasure in one partition: up to `limit` of their raw events and event ids; how many went. */
    eraseShopperEvents: (partition: string, tenantId: string, userId: string, limit: number) => eraseShopperEvents(d.raw, partition, tenantId, userId, limit),
    /** The rest of a shopper's erasure, once their events are gone: clicks, purchases, then the profile (true if there was one). */
    eraseShopperState: (tenantId: string, userId: string) => eraseShopperState(d.raw, tenantId, userId),

    /**
     * The tenant's events in [from, to], oldest first, `pageSize` per read: what GET /events/export
     * streams. The range is checked before anything is read (a bad one is a 400, not a cut download).
     */
    exportPages(tenantId: string, q: { from?: string; to?: string }, pageSize = EXPORT_PAGE): AsyncGenerator<ExportedEvent[]> {
      const range = dateRange(q.from, q.to)
      return keysetPages(pageSize, (after: EventPosition | undefined, n) => exportEventsPage(exportReads, tenantId, range, after, n),
        (r) => ({ tsUs: Number(r.ts_us), receivedUs: Number(r.received_us), id: r.id }))
    },

    /**
     * A page of the tenant's events, newest first: from `offset`, or after
     * `cursor` (a nextCursor this list gave out). `nextCursor` is given on
     * every page that has a next one, so an offset reader can switch to it.
     */
    async list(tenantId: string, f: Omit<EventFilter, 'from' | 'to'> & { from?: string; to?: string; cursor?: string }) {
      let after
      if (f.cursor !== undefined) {
        const [tsUs, receivedUs, id] = decodeCursor(f.cursor, ['number', 'number', 'string']) as [number, number, string]
        if (!Number.isSafeInteger(tsUs) || !Number.isSafeInteger(receivedUs) || !UUID.test(id)) throw new ValidationFailed('The query string is invalid: cursor: is not a cursor this list gave out', [{ field: 'cursor', message: 'is not a cursor this list gave out' }])
        after = { tsUs, receivedUs, id }
      }
      const { rows, total, next } = await listEvents(d.db, tenantId, { ...f, from: f.from ? new Date(f.from) : undefined, to: f.to ? new Date(f.to) : undefined }, after)
      return { rows: rows.map(eventDto), total, nextCursor: next ? encodeCursor([next.tsUs, next.receivedUs, next.id]) : null }
    },
  }
}
export type EventService = ReturnType<typeof createEventService>
