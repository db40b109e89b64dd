import { t } from 'elysia'
import { QueryEnum, T, Uuid } from '../../http/schemas.ts'

const Day = T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD' })
const Count = T.Number({ minimum: 0 })
const Money = T.Number({ description: 'attributed revenue, in `currency`' })
const Ctr = T.Number({ minimum: 0, description: 'clicks / impressions (0 when there were no impressions)' })
const Currency = T.Union([T.String(), T.Null()], { description: "ISO 4217 code most of the tenant's catalog is priced in; null when the catalog names none" })

const Kpis = { impressions: Count, clicks: Count, ctr: Ctr, conversions: Count, revenue: Money }

const rangeQuery = {
  range: t.Optional(QueryEnum(['7d', '30d', '90d'], { description: 'the last 7, 30 or 90 UTC days including today (default 30d); not with from/to' })),
  from: t.Optional(t.String({ description: 'first UTC day, YYYY-MM-DD (inclusive)' })),
  to: t.Optional(t.String({ description: 'last UTC day, YYYY-MM-DD (inclusive; default today); at most 366 days after from' })),
  placement: t.Optional(t.String({ minLength: 1, maxLength: 100, description: 'only this placement' })),
  strategy: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'only this strategy' })),
}

/** Placements are free strings a tenant sends: the table and the CSV export list the ones with most impressions. */
export const MAX_PLACEMENTS = 100

export const RangeMeta = T.Object({
  from: Day, to: Day, range: T.Union([T.Literal('7d'), T.Literal('30d'), T.Literal('90d'), T.Literal('custom')]),
})

export const AnalyticsModel = {
  query: t.Object(rangeQuery),
  topQuery: t.Object({
    ...rangeQuery,
    by: t.Optional(QueryEnum(['recommended', 'clicked'], { description: 'recommended: most impressions (default); clicked: most recommendation clicks' })),
  }),
  summary: T.Object({ data: T.Object({ ...Kpis, currency: Currency }), meta: RangeMeta }),
  timeseries: T.Object({
    data: T.Array(T.Object({ date: Day, impressions: Count, clicks: Count, conversions: Count, revenue: Money }), { description: 'one point per day of the range, oldest first, zeros included' }),
    meta: RangeMeta,
  }),
  topProducts: T.Object({
    data: T.Array(T.Object({ productId: T.String(), name: T.Union([T.String(), T.Null()], { description: 'null when the product is not in the catalog' }), ...Kpis }), { maxItems: 10 }),
    meta: T.Object({ ...RangeMeta.properties, by: T.Union([T.Literal('recommended'), T.Literal('clicked')]) }),
  }),
  placements: T.Object({
    data: T.Array(T.Object({ placement: T.Union([T.String(), T.Null()], { description: 'null: events sent without a placement' }), ...Kpis }), { description: `most impressions first; at most ${MAX_PLACEMENTS}` }),
    meta: RangeMeta,
  }),
  segments: T.Object({
    data: T.Array(T.Object({
      segment: T.String(), shoppers: Count, impressions: Count, clicks: Count, ctr: Ctr,
    }), { description: 'every segment of the tenant (built-ins first); a shopper in several segments counts in each' }),
    meta: T.Object({
      ...RangeMeta.properties,
      shoppers: T.Integer({ description: 'shoppers with recommendation impressions or clicks in the range that were counted' }),
      complete: T.Boolean({ description: 'false when more shoppers had traffic than are counted (the ones with most impressions are)' }),
      membership: T.Literal('now', { description: "segments are the shoppers' segments at the time of the request, not of each impression" }),
    }),
  }),
  overview: T.Object({
    data: T.Array(T.Object({ tenantId: Uuid, name: T.String(), status: T.String(), ...Kpis, currency: Currency }), { description: "each of the admin's tenants (deleted ones left out), oldest first" }),
    meta: RangeMeta,
  }),
} as const
