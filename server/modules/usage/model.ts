import { t } from 'elysia'
import { QueryEnum, T, Uuid } from '../../http/schemas.ts'

const Figures = {
  eventsIngested: T.Integer({ description: 'Events stored (duplicates and rejected events are not counted)' }),
  recommendationRequests: T.Integer({ description: 'Recommendation lists served (GET /recommendations, /recommendations/email; one per shopper of a batch)' }),
  apiCalls: T.Integer({ description: "Authenticated requests to the tenant's API, by any of its keys, its members' tokens or an account key" }),
}

export const UsageModel = {
  query: t.Object({
    from: t.Optional(t.String({ description: 'First UTC day, YYYY-MM-DD (inclusive); default 29 days before `to`' })),
    to: t.Optional(t.String({ description: 'Last UTC day, YYYY-MM-DD (inclusive); default today. At most 366 days in all' })),
  }),
  accountQuery: t.Object({
    from: t.Optional(t.String({ description: 'First UTC day, YYYY-MM-DD (inclusive); default 29 days before `to`' })),
    to: t.Optional(t.String({ description: 'Last UTC day, YYYY-MM-DD (inclusive); default today. At most 366 days in all' })),
    format: t.Optional(QueryEnum(['json', 'csv'], { description: 'csv: one row per day and tenant, for billing' })),
  }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  tenantUsage: T.Object({
    from: T.String(), to: T.String(),
    days: T.Array(T.Object({
      date: T.String(), ...Figures,
      byKey: T.Array(T.Object({ keyId: T.Union([Uuid, T.Null()], { description: "null: members' tokens and account keys" }), name: T.Union([T.String(), T.Null()]), ...Figures })),
    }), { description: 'Every day of the range, oldest first, zeros included' }),
  }),
  accountUsage: T.Object({
    from: T.String(), to: T.String(),
    tenants: T.Array(T.Object({
      tenantId: Uuid, name: T.String(), externalId: T.Union([T.String(), T.Null()]), ...Figures,
      days: T.Array(T.Object({ date: T.String(), ...Figures }), { description: 'Days with any usage' }),
    })),
  }),
} as const
