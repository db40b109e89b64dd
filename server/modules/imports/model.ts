import { t } from 'elysia'
import { DateTime, Literals, PaginationQuery, QueryEnum, T, Uuid } from '../../http/schemas.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

export const IMPORT_TYPES = ['events', 'catalog'] as const
export const IMPORT_FORMATS = ['csv', 'ndjson', 'json'] as const
export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const

/** Jobs of one tenant queued or running at once; one more is a 409. */
export const MAX_ACTIVE_IMPORTS = 2
/** How many refused rows a job's error report keeps (the count goes on). */
export const MAX_REPORTED_ERRORS = 10_000
/** The largest mapping accepted (characters of JSON). */
const MAX_MAPPING = 16_384

/** What a file's Content-Type says its format is. */
export const FORMAT_OF_CONTENT_TYPE: Record<string, (typeof IMPORT_FORMATS)[number]> = {
  'text/csv': 'csv', 'application/csv': 'csv', 'application/x-ndjson': 'ndjson', 'application/ndjson': 'ndjson', 'application/jsonl': 'ndjson', 'application/json': 'json',
}

export const ImportModel = {
  createQuery: t.Object({
    type: QueryEnum(IMPORT_TYPES, { description: 'What the file holds: events (like POST /events/batch) or catalog items (like POST /catalog/batch)' }),
    format: t.Optional(QueryEnum(IMPORT_FORMATS, { description: 'csv (a header row first), ndjson (one object a line) or json (one array of objects); defaults to what Content-Type says' })),
    mapping: t.Optional(t.String({
      minLength: 2, maxLength: MAX_MAPPING,
      description: 'JSON object: source column (or key) → our field, e.g. {"InvoiceDate":"timestamp","CustomerID":"userId","StockCode":"productId","UnitPrice":"metadata.price"}. '
        + 'Without it our field names and their snake_case forms are recognised; other CSV columns are ignored. Also accepted as a form field of a multipart upload.',
    })),
    replace: t.Optional(t.Boolean({ description: 'Catalog imports: mark every item absent from the file unavailable once the file is in' })),
    eventType: t.Optional(QueryEnum(EVENT_TYPES, { description: 'Events imports: the type of rows that name none (e.g. purchase, for an orders export)' })),
  }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  listQuery: t.Object({ ...PaginationQuery }),
  created: T.Object({ id: Uuid, status: T.Literal('queued'), type: Literals(IMPORT_TYPES), format: Literals(IMPORT_FORMATS) }),
  job: T.Object({
    id: Uuid,
    type: Literals(IMPORT_TYPES),
    format: Literals(IMPORT_FORMATS),
    status: Literals(IMPORT_STATUSES),
    rowsRead: T.Integer({ description: 'Data rows read so far (a CSV header is not one)' }),
    accepted: T.Integer({ description: 'Rows stored (events: new; catalog: created or updated)' }),
    duplicates: T.Integer({ description: 'Events already stored (same eventId, or same userId, eventType, productId and timestamp): not stored again' }),
    rejected: T.Integer({ description: 'Rows refused; the first 10,000 are in errors.csv. Events imports: rows of a shopper erased (DELETE /users/:userId) after the job was created are refused too, not stored (errors.csv: "shopper erased during the import")' }),
    bytesRead: T.Integer(),
    bytesTotal: T.Optional(T.Integer({ description: 'The file\'s size, once it is known' })),
    createdAt: DateTime,
    startedAt: T.Union([DateTime, T.Null()]),
    finishedAt: T.Union([DateTime, T.Null()]),
    error: T.Optional(T.String({ description: 'Why a failed job stopped (or that it was cancelled)' })),
  }),
} as const
