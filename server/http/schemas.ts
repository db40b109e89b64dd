// Shapes shared by every module: the success envelope, pagination and the
// problem document. Every schema is built from Elysia's `t` (so Bun, tsc and
// Deno see one TypeBox type identity). Bodies use `T`: like `t`, but its
// Integer is strict, where Elysia's also accepts numeric strings. Query
// strings use `t`, whose coercion turns "20" into 20.
import { Kind } from '@sinclair/typebox'
import { t, type TSchema } from 'elysia'
import { STRATEGIES } from '../vocabulary.ts'

const strictInteger = (opts: Parameters<typeof t.Number>[0] = {}) => ({ ...t.Number(opts), [Kind]: 'Integer', type: 'integer' }) as unknown as ReturnType<typeof t.Number>
export const T = { ...t, Integer: strictInteger }

/** Request bodies reject unknown fields: a typo is a 400, not silently ignored. */
export const Strict = <P extends Record<string, TSchema>>(props: P, opts: object = {}) => T.Object(props, { additionalProperties: false, ...opts })

const ProblemSchema = T.Object({
  type: T.String(), title: T.String(), status: T.Integer(), detail: T.String(), instance: T.String(),
  errors: T.Optional(T.Array(T.Object({ field: T.String(), message: T.String() }))),
}, { description: 'RFC 7807 problem document (application/problem+json)' })

/** A body enum from a vocabulary list (server/vocabulary.ts): a union of its literals. */
export function Literals<const V extends readonly [string, ...string[]]>(values: V) {
  // A union of literals (validation messages name the allowed values); typed as Elysia's enum of the same values.
  return T.Union(values.map((v) => T.Literal(v))) as unknown as ReturnType<typeof t.UnionEnum<V>>
}

/** A recommendation strategy's name, in a body. */
export const Strategy = Literals(STRATEGIES)

/** A query-string enum. Elysia's t.UnionEnum silently defaults to its first value, which turns an absent filter into a filter. */
export function QueryEnum<const V extends readonly [string, ...string[]]>(values: V, opts: { description?: string } = {}) {
  const schema = t.UnionEnum([...values] as unknown as V, opts)
  delete (schema as { default?: unknown }).default
  return schema
}

/** Deepest `offset` a list accepts: a deeper OFFSET scans every skipped row, so deep pages take `cursor`. */
const MAX_OFFSET = 10_000

export const PaginationQuery = {
  limit: t.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size (max 100)' }),
  offset: t.Integer({
    minimum: 0, maximum: MAX_OFFSET, default: 0,
    description: `Rows to skip (at most ${MAX_OFFSET.toLocaleString('en')}); page deeper with \`cursor\``,
    errorMessage: `must be at most ${MAX_OFFSET}: page deeper with \`cursor\` (meta.pagination.nextCursor of the previous page)`,
  }),
}

/** Keyset paging for lists that can be long (events, catalog): stable under inserts and as fast on page 1,000 as on page 1. */
export const CursorQuery = {
  cursor: t.Optional(t.String({ minLength: 1, maxLength: 512, description: 'Opaque position from `meta.pagination.nextCursor`; replaces `offset`' })),
}

const PaginationMeta = T.Object({
  pagination: T.Object({
    total: T.Integer(), limit: T.Integer(), offset: T.Integer(), hasMore: T.Boolean(),
    nextCursor: T.Optional(T.Union([T.String(), T.Null()], { description: 'Pass as `cursor` for the next page; null on the last page' })),
  }),
})

export const Envelope = <S extends TSchema>(data: S) => T.Object({ data, meta: T.Optional(T.Record(T.String(), T.Unknown())) })
export const ListEnvelope = <S extends TSchema>(item: S) => T.Object({ data: T.Array(item), meta: PaginationMeta })

export const page = <D>(data: D[], total: number, limit: number, offset: number) =>
  ({ data, meta: { pagination: { total, limit, offset, hasMore: offset + data.length < total } } })

/** A keyset page: `nextCursor` names the position after the last row, or null when there is no more. */
export const cursorPage = <D>(data: D[], total: number, limit: number, offset: number, nextCursor: string | null) =>
  ({ data, meta: { pagination: { total, limit, offset, hasMore: nextCursor !== null, nextCursor } } })

/** Problem responses for the given statuses, so OpenAPI lists every failure a route can give. */
/** Said in the description of every route whose reads may go to the DATABASE_READ_URL replica (db/lag-tolerant.ts). */
export const MAY_LAG = ' Read from the read replica when the server has one (DATABASE_READ_URL), so it can trail the latest writes by a few seconds.'

export const problems = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ProblemSchema]))

export const Uuid = T.String({ format: 'uuid' })
export const DateTime = T.String({ format: 'date-time' })
export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)
