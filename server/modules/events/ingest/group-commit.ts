// Group commit (durable before acknowledgement). Concurrent requests hand
// their events to one committer, which writes each group in one transaction:
// a multi-row INSERT … ON CONFLICT DO NOTHING (that also folds the events into
// user profiles) and the analytics rollups. Every caller then gets its own
// outcome: accepted (with the row id), duplicate, or failed. Nothing is
// acknowledged before the transaction has committed. A group is shared by
// tenants, so one tenant's row must not fail the others: when a write fails
// for any reason but an unreachable or busy database, the group is split in
// halves and each retried, until the refused row fails alone (≈ 2·log2(n)
// extra writes, only on that rare path). Groups form by themselves: while
// `maxInFlight` groups are being written, new events queue up and become the
// next group.
import { ensureEventMonths, insertEvents, type NewEvent } from '../../../../db/queries/events.ts'
import { applyIngestEffects } from './effects.ts'
import { isUnreachable, type RawSql } from '../../../../db/client.ts'

/**
 * Why a row was not stored. refused: the database rejected it (a SQLSTATE, a
 * client error); busy: contention or a timeout, worth a retry soon;
 * unreachable: the database is down; unknown: no SQLSTATE, a bug.
 */
export type StoreFailure =
  | { kind: 'refused'; sqlstate: string; message: string }
  | { kind: 'busy' | 'unreachable' | 'unknown'; error: unknown }
export type Outcome = { status: 'accepted'; id: string } | { status: 'duplicate' } | { status: 'failed'; failure: StoreFailure }

// Deadlock, serialization failure, statement timeout, lock not available: the
// same rows may well go through a moment later, so these are not split (a
// split would only add load to a database that is already struggling).
const BUSY = new Set(['40P01', '40001', '57014', '55P03'])

/** The SQLSTATE of a database error (drizzle keeps the driver's error as `cause`). */
function sqlstateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
}

function storeFailureOf(error: unknown): StoreFailure {
  if (isUnreachable(error)) return { kind: 'unreachable', error }
  const sqlstate = sqlstateOf(error)
  if (!sqlstate) return { kind: 'unknown', error }
  if (BUSY.has(sqlstate)) return { kind: 'busy', error }
  return { kind: 'refused', sqlstate, message: error instanceof Error ? error.message : String(error) }
}

/** An event with the tenant setting its effects need. */
export interface Submitted extends NewEvent { attributionWindowHours: number }
interface Waiter { row: Submitted; resolve: (o: Outcome) => void }

const keyOf = (tenantId: string, userId: string, eventType: string, productId: string, tsMs: number) =>
  `${tenantId}\u0000${userId}\u0000${eventType}\u0000${productId}\u0000${Math.round(tsMs)}`

const monthOf = (d: Date) => `${d.getUTCFullYear()}-${d.getUTCMonth()}`

/** When a queued group is cut, and the clock its wait is measured on: a parameter so tests step them. */
export interface CommitTiming {
  /** Runs `cut` later; returns what cancels it. */
  defer(cut: () => void): () => void
  now(): number
}
// Next macrotask: every request that arrived in this tick joins the group.
const NEXT_MACROTASK: CommitTiming = {
  defer: (cut) => { const t = setTimeout(cut, 0); return () => clearTimeout(t) },
  now: () => performance.now(),
}

export class GroupCommitter {
  private queue: Waiter[] = []
  private cancelCut: (() => void) | undefined
  private firstQueuedAt = 0
  private inFlight = new Set<Promise<void>>()
  private knownMonths = new Set<string>()

  /**
   * maxInFlight: groups written concurrently. While that many are being
   * written, new events wait and join the next group, so groups grow with load
   * and an idle server writes a lone event at once.
   */
  constructor(private raw: RawSql, private maxInFlight = 4, private maxGroup = 1000,
    /** Told which events were stored, after commit and before anyone is answered. */
    private onStored: (events: Submitted[]) => void = () => {},
    /** Told each group's size and how long its first event waited. */
    private onGroup: (size: number, waitMs: number) => void = () => {},
    private timing: CommitTiming = NEXT_MACROTASK) {}

  /** Events waiting for a group (the ingestion backlog). */
  get backlog() { return this.queue.length }

  /** Queues events; resolves, one outcome per event, once each is in the database, a known duplicate or failed. Never rejects. */
  submit(rows: Submitted[]): Promise<Outcome[]> {
    const outcomes = rows.map((row) => new Promise<Outcome>((resolve) => {
      if (!this.queue.length) this.firstQueuedAt = this.timing.now()
      this.queue.push({ row, resolve })
    }))
    this.schedule()
    return Promise.all(outcomes)
  }

  /** Waits for everything queued or being written. */
  async drain(): Promise<void> {
    while (this.queue.length || this.inFlight.size) {
      if (this.queue.length) this.flush()
      await Promise.all([...this.inFlight])
    }
  }

  private schedule() {
    if (this.cancelCut || !this.queue.length) return
    if (this.inFlight.size >= this.maxInFlight) return // the next write to finish reschedules
    this.cancelCut = this.timing.defer(() => { this.cancelCut = undefined; this.flush() })
  }

  private flush() {
    if (this.cancelCut) { this.cancelCut(); this.cancelCut = undefined }
    const group = this.queue.splice(0, this.maxGroup)
    if (!group.length) return
    const wait = this.timing.now() - this.firstQueuedAt
    this.firstQueuedAt = this.timing.now()
    const p = this.write(group).finally(() => { this.inFlight.delete(p); this.schedule() })
    this.inFlight.add(p)
    this.onGroup(group.length, wait)
    this.schedule()
  }

  private async write(group: Waiter[]): Promise<void> {
    let outcomes: Awaited<ReturnType<GroupCommitter['store']>>
    try {
      outcomes = await this.store(group)
    } catch (error) {
      this.knownMonths.clear() // a failed partition check must be retried
      const failure = storeFailureOf(error)
      if (group.length > 1 && (failure.kind === 'refused' || failure.kind === 'unknown')) {
        const half = Math.ceil(group.length / 2)
        await this.write(group.slice(0, half))
        await this.write(group.slice(half))
        return
      }
      for (const w of group) w.resolve({ status: 'failed', failure })
      return
    }
    try { this.onStored(outcomes.stored) } catch { /* a listener's failure must not un-acknowledge stored rows */ }
    // Answered only now: the transaction has committed.
    group.forEach((w, i) => w.resolve(outcomes.result[i]))
  }

  /** Writes one group in one transaction; throws when anything in it fails. */
  private async store(group: Waiter[]) {
    // Only the months these rows fall in (validation keeps them within the
    // retention window, so at most 4): never a range of years under the lock.
    const unknown = new Map<string, Date>()
    for (const w of group) if (!this.knownMonths.has(monthOf(w.row.ts))) unknown.set(monthOf(w.row.ts), w.row.ts)
    if (unknown.size) {
      await ensureEventMonths(this.raw, [...unknown.values()])
      for (const m of unknown.keys()) this.knownMonths.add(m)
    }
    return this.raw.transaction(async (tx) => {
      const inserted = await insertEvents(tx, group.map((w) => w.row))
      const ids = new Map<string, string>()
      for (const r of inserted) ids.set(keyOf(r.tenant_id, r.user_id, r.event_type, r.product_id, Number(r.ts_ms)), r.id)
      // The first waiter for an inserted key owns it; later ones in the same
      // group, and all waiters for keys not inserted, are duplicates.
      const result: Outcome[] = []
      const stored: Submitted[] = []
      for (const w of group) {
        const k = keyOf(w.row.tenantId, w.row.userId, w.row.eventType, w.row.productId, w.row.ts.getTime())
        const id = ids.get(k)
        if (id) { ids.delete(k); result.push({ status: 'accepted', id }); stored.push(w.row) } else result.push({ status: 'duplicate' })
      }
      await applyIngestEffects(tx, stored)
      return { result, stored }
    })
  }
}
