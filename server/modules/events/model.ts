import { t } from 'elysia'
import { CursorQuery, DateTime, Literals, PaginationQuery, QueryEnum, Strict, T, Uuid } from '../../http/schemas.ts'

import { EXPORT_FORMATS } from '../../http/export-stream.ts'
import { BROWSER_EVENT_TYPES, EVENT_TYPES, type EventType } from '../../vocabulary.ts'

export { BROWSER_EVENT_TYPES, EVENT_TYPES, type EventType }

/** How long raw events are kept, and so how old an incoming event may be (a tenant setting in a later issue). */
export const RETENTION_DAYS = 90

const EventTypeSchema = Literals(EVENT_TYPES)
const Id = T.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$' })

export const EventItem = Strict({
  eventType: EventTypeSchema,
  userId: Id,
  productId: Id,
  timestamp: T.Optional(T.String({ format: 'date-time', description: `ISO 8601; defaults to now; within the retention window: at most ${RETENTION_DAYS} days old, at most 5 minutes in the future` })),
  eventId: T.Optional(T.String({
    minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$',
    description: 'Idempotency key (recommended): a retry with the same eventId is acknowledged as a duplicate and not stored again, even when its timestamp differs. Unique per tenant; e.g. a UUID.',
  })),
  sessionId: T.Optional(Id),
  metadata: T.Optional(T.Record(T.String(), T.Unknown(), { description: 'JSON object ≤ 4 KB; purchases use price, quantity, orderId' })),
  placement: T.Optional(T.String({ minLength: 1, maxLength: 100 })),
  strategy: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
})

export const MAX_BATCH = 100
export const MAX_TRACK_BATCH = 50

export const EventModel = {
  item: EventItem,
  batch: T.Object({ events: T.Array(T.Unknown(), { maxItems: MAX_BATCH, description: `up to ${MAX_BATCH} events, each validated on its own` }) }),
  accepted: T.Object({ id: Uuid, status: T.Literal('accepted') }),
  duplicate: T.Object({ status: T.Literal('duplicate') }),
  batchResult: T.Object({
    accepted: T.Integer(), duplicates: T.Integer(),
    rejected: T.Array(T.Object({ index: T.Integer(), errors: T.Array(T.Object({ field: T.String(), message: T.String() })) })),
  }),
  listQuery: t.Object({
    ...PaginationQuery, ...CursorQuery,
    userId: t.Optional(t.String()), productId: t.Optional(t.String()),
    eventType: t.Optional(QueryEnum(EVENT_TYPES)),
    from: t.Optional(t.String({ format: 'date-time' })), to: t.Optional(t.String({ format: 'date-time' })),
  }),
  exportQuery: t.Object({
    format: QueryEnum(EXPORT_FORMATS, { description: 'ndjson: one event per line, as POST /events takes it; csv: a header row, RFC 4180 quoting, metadata as JSON text' }),
    from: t.Optional(t.String({ format: 'date-time', description: 'events at or after this instant' })),
    to: t.Optional(t.String({ format: 'date-time', description: 'events at or before this instant (not before `from`)' })),
  }),
  event: T.Object({
    id: Uuid, eventType: T.String(), userId: T.String(), productId: T.String(), timestamp: DateTime,
    sessionId: T.Union([T.String(), T.Null()]), metadata: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    placement: T.Union([T.String(), T.Null()]), strategy: T.Union([T.String(), T.Null()]), receivedAt: DateTime,
    eventId: T.Union([T.String(), T.Null()]),
  }),
} as const
