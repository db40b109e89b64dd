// Event ingestion (F-003): validation beyond the schema (future timestamps,
// metadata size), then the group committer; and the stream viewer's list.
import type { Db } from '../../../db/client.ts'
import { ensureEventPartitions, foldOldEvents, listEvents, type EventFilter } from '../../../db/queries/events.ts'
import type { RawSql } from '../../../db/client.ts'
import type { EventRow } from '../../../db/schema.ts'
import { BadRequest, fieldErrors, PayloadTooLarge, ServiceUnavailable, ValidationFailed, type FieldError } from '../../errors.ts'
import type { GroupCommitter, Outcome, Submitted } from './group-commit.ts'
import { BROWSER_EVENT_TYPES, EventItem, MAX_TRACK_BATCH } from './model.ts'
import { getSchemaValidator, type Static } from 'elysia'

type Item = Static<typeof EventItem>
/** The tenant an event belongs to, with the settings ingestion needs. */
export interface Tenant { id: string; attributionWindowHours: number }
const FUTURE_SLACK_MS = 5 * 60_000
const MAX_METADATA_BYTES = 4096
const enc = new TextEncoder()
// Compiled once: the per-item check is on the hot path of every batch.
const itemCheck = getSchemaValidator(EventItem)

export const eventDto = (e: EventRow) => ({
  id: e.id, eventType: e.eventType, userId: e.userId, productId: e.productId, timestamp: e.ts.toISOString(),
  sessionId: e.sessionId, metadata: (e.metadata as Record<string, unknown> | null) ?? null, placement: e.placement,
  strategy: e.strategy, receivedAt: e.receivedAt.toISOString(),
})

export interface EventDeps { db: Db; raw: RawSql; committer: GroupCommitter; clock: () => Date; onOutcomes?: (accepted: number, duplicates: number, rejected: number) => void }

export const RETENTION_DAYS = 90
const DAY = 86400_000

export function createEventService(d: EventDeps) {
  /** Field errors for one event, or a row ready to insert. */
  function check(tenant: Tenant, value: unknown, allowed?: readonly string[]): { errors: FieldError[] } | { row: Submitted } {
    if (!itemCheck.Check(value)) return { errors: fieldErrors(itemCheck.Errors(value)) }
    const errors: FieldError[] = []
    const v = value as Item
    const now = d.clock()
    const ts = v.timestamp ? new Date(v.timestamp) : now
    if (ts.getTime() > now.getTime() + FUTURE_SLACK_MS) errors.push({ field: 'timestamp', message: 'must not be more than 5 minutes in the future' })
    const metadata = v.metadata === undefined ? null : JSON.stringify(v.metadata)
    if (metadata && enc.encode(metadata).byteLength > MAX_METADATA_BYTES) errors.push({ field: 'metadata', message: `must be at most ${MAX_METADATA_BYTES} bytes as JSON` })
    for (const k of ['price', 'quantity'] as const) {
      const x = v.metadata?.[k]
      if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x) || x < 0)) errors.push({ field: `metadata.${k}`, message: 'must be a number ≥ 0' })
    }
    if (allowed && !allowed.includes(v.eventType)) errors.push({ field: 'eventType', message: `${v.eventType} events cannot be sent from a browser: send them from your backend with a write key` })
    if (errors.length) return { errors }
    return { row: { tenantId: tenant.id, attributionWindowHours: tenant.attributionWindowHours, eventType: v.eventType, userId: v.userId, productId: v.productId, ts, sessionId: v.sessionId ?? null, metadata: v.metadata ?? null, placement: v.placement ?? null, strategy: v.strategy ?? null } }
  }

  async function commit(rows: Submitted[]): Promise<Outcome[]> {
    try {
      return await d.committer.submit(rows)
    } catch {
      throw new ServiceUnavailable('The event store is unavailable; nothing was stored. Retry later.', 5)
    }
  }

  async function many(tenant: Tenant, items: unknown[], allowed?: readonly string[]) {
    const rejected: { index: number; errors: FieldError[] }[] = []
    const rows: Submitted[] = []
    items.forEach((item, index) => {
      const r = check(tenant, item, allowed)
      if ('errors' in r) rejected.push({ index, errors: r.errors }); else rows.push(r.row)
    })
    const outcomes = rows.length ? await commit(rows) : []
    const accepted = outcomes.filter((o) => o.status === 'accepted').length
    d.onOutcomes?.(accepted, outcomes.length - accepted, rejected.length)
    return { accepted, duplicates: outcomes.length - accepted, rejected }
  }

  async function one(tenant: Tenant, item: unknown, allowed?: readonly string[]): Promise<Outcome> {
    const r = check(tenant, item, allowed)
    if ('errors' in r) {
      d.onOutcomes?.(0, 0, 1)
      throw new ValidationFailed(`The event is invalid: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, r.errors)
    }
    const [o] = await commit([r.row])
    d.onOutcomes?.(o.status === 'accepted' ? 1 : 0, o.status === 'duplicate' ? 1 : 0, 0)
    return o
  }

  return {
    ingest: (tenant: Tenant, item: unknown) => one(tenant, item),
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
     * them, and raw events older than 90 days are folded into daily summaries.
     */
    async maintain() {
      const now = d.clock().getTime()
      await ensureEventPartitions(d.raw, new Date(now - 31 * DAY), new Date(now + 92 * DAY))
      return { folded: await foldOldEvents(d.raw, new Date(now - RETENTION_DAYS * DAY)) }
    },

    async list(tenantId: string, f: Omit<EventFilter, 'from' | 'to'> & { from?: string; to?: string }) {
      const { rows, total } = await listEvents(d.db, tenantId, { ...f, from: f.from ? new Date(f.from) : undefined, to: f.to ? new Date(f.to) : undefined })
      return { rows: rows.map(eventDto), total }
    },
  }
}
export type EventService = ReturnType<typeof createEventService>
