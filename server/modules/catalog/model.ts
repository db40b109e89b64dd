import { t } from 'elysia'
import { EXPORT_FORMATS } from '../../http/export-stream.ts'
import { QueryEnum, CursorQuery, DateTime, PaginationQuery, Strict, T } from '../../http/schemas.ts'

export const MAX_BATCH = 500
/** Shortest `q`: one character matches nearly everything and no index can narrow it. */
const MIN_SEARCH = 2
/** A search's `meta.pagination.total` stops counting here (paging by cursor still reaches every match). */
export const SEARCH_TOTAL_CAP = 1000
/** Serialised size limit of `attributes`, checked by the service (JSON Schema cannot measure it). */
export const MAX_ATTRIBUTES_BYTES = 16 * 1024

const ProductId = T.String({ minLength: 1, maxLength: 256, pattern: '^[^\\x00-\\x1F\\x7F]+$', description: '1–256 characters, no control characters' })
const HttpUrl = T.String({ maxLength: 2048, pattern: '^https?://\\S+$', description: 'http(s) URL, ≤ 2048 characters' })

const Name = T.String({ minLength: 1, maxLength: 500 })
/** The optional fields of every write: left out, they are empty after POST and PUT, unchanged after PATCH. */
const details = {
  description: T.Optional(T.String({ maxLength: 10_000 })),
  category: T.Optional(T.String({ maxLength: 200 })),
  price: T.Optional(T.Number({ minimum: 0 })),
  currency: T.Optional(T.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' })),
  imageUrl: T.Optional(HttpUrl),
  url: T.Optional(HttpUrl),
  attributes: T.Optional(T.Record(T.String(), T.Unknown(), { description: `JSON object, ≤ ${MAX_ATTRIBUTES_BYTES / 1024} KB serialised` })),
}
const Available = T.Optional(T.Boolean({ default: true }))

/** One item as POSTed (also each element of a batch). */
export const CatalogItemInput = Strict({ productId: ProductId, name: Name, ...details, available: Available })

export const CatalogModel = {
  item: CatalogItemInput,
  /** PUT replaces the whole item; its productId comes from the path (may be repeated in the body). */
  replace: Strict({ productId: T.Optional(ProductId), name: Name, ...details, available: Available }),
  /** PATCH changes only the fields sent; `available: true` also revives a deleted item. */
  patch: Strict({ productId: T.Optional(ProductId), name: T.Optional(Name), ...details, available: T.Optional(T.Boolean()) }),
  batch: Strict({ items: T.Array(T.Unknown(), { description: `up to ${MAX_BATCH} items, each validated on its own; more → 413` }) }),
  exportQuery: t.Object({
    format: QueryEnum(EXPORT_FORMATS, { description: 'ndjson: one item per line, as POST /catalog takes it; csv: a header row, RFC 4180 quoting, attributes as JSON text' }),
  }),
  params: t.Object({ productId: t.String({ minLength: 1, maxLength: 256 }) }),
  listQuery: t.Object({
    ...PaginationQuery,
    ...CursorQuery,
    category: t.Optional(t.String({ maxLength: 200, description: 'exact category' })),
    available: t.Optional(t.Boolean({ description: 'false also lists deleted items' })),
    q: t.Optional(t.String({
      minLength: MIN_SEARCH, maxLength: 200, pattern: '^[^\\x00-\\x1F\\x7F]+$',
      description: `case-insensitive substring of name or description, ${MIN_SEARCH}–200 characters, no control characters; \`total\` counts at most ${SEARCH_TOTAL_CAP.toLocaleString('en')} matches (exact on a page that reaches the end); at most one search per tenant runs at a time (a few more wait, beyond that 429)`,
    })),
  }),
  dto: T.Object({
    productId: T.String(), name: T.String(),
    description: T.Union([T.String(), T.Null()]), category: T.Union([T.String(), T.Null()]),
    price: T.Union([T.Number(), T.Null()]), currency: T.Union([T.String(), T.Null()]),
    imageUrl: T.Union([T.String(), T.Null()]), url: T.Union([T.String(), T.Null()]),
    attributes: T.Record(T.String(), T.Unknown()), available: T.Boolean(),
    createdAt: DateTime, updatedAt: DateTime, deletedAt: T.Union([DateTime, T.Null()]),
  }),
  batchResult: T.Object({
    created: T.Integer(), updated: T.Integer(),
    rejected: T.Array(T.Object({
      index: T.Integer(), productId: T.Union([T.String(), T.Null()]),
      errors: T.Array(T.Object({ field: T.String(), message: T.String() })),
    })),
  }),
} as const
