import type { UsageRecorder } from '../api-keys/usage.ts'
import { Elysia } from 'elysia'
import { ACCESS, type authGuards, type Principal } from '../../http/auth.ts'
import { refuseOffsetBesideCursor } from '../../cursor.ts'
import { cursorPage, Envelope, ListEnvelope, MAY_LAG, problems, T } from '../../http/schemas.ts'
import { EventModel, MAX_TRACK_BATCH } from './model.ts'
import type { EventService } from './service.ts'
import type { ExportedEvent } from '../../../db/queries/events.ts'
import { exportResponse, type ExportSlots, type ExportSource } from '../../http/export-stream.ts'
import type { Logger } from '../../logger.ts'

/** The export's columns: the events API's own field names, which an import of the file recognises. */
const EXPORT_COLUMNS = ['eventType', 'userId', 'productId', 'timestamp', 'sessionId', 'metadata', 'placement', 'strategy', 'eventId'] as const
const exported = (pages: AsyncGenerator<ExportedEvent[]>): ExportSource<ExportedEvent> => ({
  columns: EXPORT_COLUMNS, pages,
  json: (e) => {
    const o: Record<string, unknown> = { eventType: e.event_type, userId: e.user_id, productId: e.product_id, timestamp: e.timestamp }
    if (e.session_id !== null) o.sessionId = e.session_id
    if (e.metadata !== null) o.metadata = e.metadata
    if (e.placement !== null) o.placement = e.placement
    if (e.strategy !== null) o.strategy = e.strategy
    if (e.event_id !== null) o.eventId = e.event_id
    return o
  },
  cells: (e) => [e.event_type, e.user_id, e.product_id, e.timestamp, e.session_id, e.metadata === null ? null : JSON.stringify(e.metadata), e.placement, e.strategy, e.event_id],
})

const tenantOf = (p: Principal) => ({ id: p.tenantId, attributionWindowHours: p.config.attributionWindowHours })
const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

export function eventRoutes(events: EventService, guards: ReturnType<typeof authGuards>, exports: { log: Logger; slots: ExportSlots }, usage?: Pick<UsageRecorder, 'tally'>) {
  // Stored events count towards the tenant's usage (GET /tenants/:id/usage); duplicates and rejections do not.
  const ingested = (p: Principal, n: number) => usage?.tally(p.tenantId, p.keyId, 'eventsIngested', n)
  return new Elysia({ tags: ['Events'] })
    .use(guards)
    .post('/events', async ({ principal, body, status }) => {
      const o = await events.ingest(tenantOf(principal), body)
      if (o.status === 'accepted') ingested(principal, 1)
      return o.status === 'accepted' ? status(202, { data: o }) : status(200, { data: o })
    }, {
      tenant: 'write', body: EventModel.item,
      response: { 202: Envelope(EventModel.accepted), 200: Envelope(EventModel.duplicate), ...problems(400, 401, 403, 413, 429, 503) },
      detail: { summary: 'Ingest one event (202 once durably stored; 200 for a duplicate)', description: ACCESS.write, security },
    })
    .post('/events/batch', async ({ principal, body, set }) => {
      set.status = 202
      const data = await events.ingestBatch(tenantOf(principal), body.events)
      ingested(principal, data.accepted)
      return { data }
    }, {
      tenant: 'write', body: EventModel.batch,
      response: { 202: Envelope(EventModel.batchResult), ...problems(400, 401, 403, 413, 429, 503) },
      detail: { summary: 'Ingest up to 100 events; valid ones are stored even when others are rejected', description: ACCESS.write, security },
    })
    .post('/track', async ({ principal, body, status }) => {
      const r = await events.track(tenantOf(principal), body)
      ingested(principal, r.batch ? r.batch.accepted : r.single!.status === 'accepted' ? 1 : 0)
      if (r.batch) return status(202, { data: r.batch })
      return r.single!.status === 'accepted' ? status(202, { data: r.single! }) : status(200, { data: r.single! })
    }, {
      tenant: 'read', body: T.Unknown({ description: `One event or an array of up to ${MAX_TRACK_BATCH}; JSON, also as text/plain (navigator.sendBeacon). Browser-safe event types only.`, examples: [{ eventType: 'product_viewed', userId: 'shopper-42', productId: 'sku-1042' }] }),
      response: { 202: T.Union([Envelope(EventModel.accepted), Envelope(EventModel.batchResult)]), 200: Envelope(EventModel.duplicate), ...problems(400, 401, 403, 413, 429, 503) },
      detail: { summary: 'Browser tracking endpoint (read keys allowed; no purchases)', description: ACCESS.read, security: [{ apiKey: [] }] },
    })
    .get('/events/export', ({ principal, query }) => {
      const pages = events.exportPages(principal.tenantId, query)
      const release = exports.slots.take(principal.tenantId)
      return exportResponse(query.format, `events-${principal.tenantId}`, exported(pages),
        (error) => exports.log.error('events export failed midway', { tenantId: principal.tenantId, error }), release)
    }, {
      tenant: 'write', query: EventModel.exportQuery,
      response: {
        200: T.String({ description: `The events as a download, oldest first: application/x-ndjson (one event per line, null fields left out) or text/csv (header ${EXPORT_COLUMNS.join(',')}; CRLF; empty = none; metadata as JSON text). Fields as POST /events takes them, so the file imports again.` }),
        ...problems(400, 401, 403, 429),
      },
      detail: {
        summary: 'Export the tenant\'s events as NDJSON or CSV (streamed; two at once per tenant, then 429)',
        description: ACCESS.write + ' Streamed: read from the database 1,000 events at a time as the client takes them, so any size exports in bounded memory. '
          + '`from`/`to` bound the event timestamps (inclusive); a bad date, or `from` after `to`, is a 400.' + MAY_LAG,
        security,
      },
    })
    .get('/events', async ({ principal, query, request }) => {
      refuseOffsetBesideCursor(request.url, query.cursor)
      const { rows, total, nextCursor } = await events.list(principal.tenantId, query)
      return cursorPage(rows, total, query.limit, query.cursor === undefined ? query.offset : 0, nextCursor)
    }, {
      tenant: 'write', query: EventModel.listQuery,
      response: { 200: ListEnvelope(EventModel.event), ...problems(400, 401, 403, 429) },
      detail: {
        summary: 'Recent events, newest first (stream viewer)',
        description: ACCESS.write + ' Ordered by (timestamp, received, id), newest first, so pages are exact. Page with `offset` (up to 10,000) or, deeper and cheaper, '
          + 'with `cursor` = the previous page\'s `meta.pagination.nextCursor` (not together with `offset`). `total` counts at most 10,001 rows: 10,001 means more than 10,000.',
        security,
      },
    })
}
