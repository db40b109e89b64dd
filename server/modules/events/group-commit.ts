// Group commit (durable before acknowledgement). Concurrent requests hand
// their events to one committer, which writes each group in one transaction:
// a multi-row INSERT … ON CONFLICT DO NOTHING (that also folds the events into
// user profiles) and the analytics rollups. Every caller then gets its own
// outcome: accepted (with the row id) or duplicate. Nothing is acknowledged
// before the transaction has committed; when it fails, every caller in the
// group gets the error (the route turns it into 503 + Retry-After). Groups
// form by themselves: while `maxInFlight` groups are being written, new
// events queue up and become the next group.
import { ensureEventPartitions, insertEvents, type NewEvent } from '../../../db/queries/events.ts'
import { applyIngestEffects } from './effects.ts'
import type { RawSql } from '../../../db/client.ts'

export type Outcome = { status: 'accepted'; id: string } | { status: 'duplicate' }

/** An event with the tenant setting its effects need. */
export interface Submitted extends NewEvent { attributionWindowHours: number }
interface Waiter { row: Submitted; resolve: (o: Outcome) => void; reject: (e: unknown) => void }

const keyOf = (tenantId: string, userId: string, eventType: string, productId: string, tsMs: number) =>
  `${tenantId}\u0000${userId}\u0000${eventType}\u0000${productId}\u0000${Math.round(tsMs)}`

const monthOf = (d: Date) => `${d.getUTCFullYear()}-${d.getUTCMonth()}`

export class GroupCommitter {
  private queue: Waiter[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
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
    private onGroup: (size: number, waitMs: number) => void = () => {}) {}

  /** Events waiting for a group (the ingestion backlog). */
  get backlog() { return this.queue.length }

  /** Queues events; resolves once they are in the database (or known duplicates). */
  submit(rows: Submitted[]): Promise<Outcome[]> {
    const outcomes = rows.map((row) => new Promise<Outcome>((resolve, reject) => {
      if (!this.queue.length) this.firstQueuedAt = performance.now()
      this.queue.push({ row, resolve, reject })
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
    if (this.timer || !this.queue.length) return
    if (this.inFlight.size >= this.maxInFlight) return // the next write to finish reschedules
    // Next macrotask: every request that arrived in this tick joins the group.
    this.timer = setTimeout(() => { this.timer = undefined; this.flush() }, 0)
  }

  private flush() {
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined }
    const group = this.queue.splice(0, this.maxGroup)
    if (!group.length) return
    const wait = performance.now() - this.firstQueuedAt
    this.firstQueuedAt = performance.now()
    const p = this.write(group).finally(() => { this.inFlight.delete(p); this.schedule() })
    this.inFlight.add(p)
    this.onGroup(group.length, wait)
    this.schedule()
  }

  private async write(group: Waiter[]) {
    try {
      const months = group.map((w) => w.row.ts).filter((ts) => !this.knownMonths.has(monthOf(ts)))
      if (months.length) {
        const times = months.map((d) => d.getTime())
        await ensureEventPartitions(this.raw, new Date(Math.min(...times)), new Date(Math.max(...times)))
        for (const d of months) this.knownMonths.add(monthOf(d))
      }
      const outcomes = await this.raw.transaction(async (tx) => {
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
      this.onStored(outcomes.stored)
      // Answered only now: the transaction has committed.
      group.forEach((w, i) => w.resolve(outcomes.result[i]))
    } catch (error) {
      this.knownMonths.clear() // a failed partition check must be retried
      for (const w of group) w.reject(error)
    }
  }
}
