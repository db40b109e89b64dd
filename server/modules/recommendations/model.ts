import { t } from 'elysia'
import { DateTime, QueryEnum, T } from '../../http/schemas.ts'
import { CONTEXTS, STRATEGIES } from '../../vocabulary.ts'

export const RecommendationModel = {
  query: t.Object({
    userId: t.String({ minLength: 1, maxLength: 256, description: 'Your id for the shopper (any stable string; anonymous ids work)' }),
    productId: t.Optional(t.String({ minLength: 1, maxLength: 256, description: 'The product in view (product or cart page)' })),
    context: t.Optional(QueryEnum(CONTEXTS)),
    placement: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
    limit: t.Integer({ minimum: 1, maximum: 50, default: 8 }),
    strategy: t.Optional(QueryEnum(STRATEGIES, { description: "Overrides the tenant's defaultStrategy" })),
  }),
  item: T.Object({
    productId: T.String(), name: T.String(), imageUrl: T.Union([T.String(), T.Null()]), price: T.Union([T.Number(), T.Null()]),
    url: T.Union([T.String(), T.Null()]), score: T.Number({ minimum: 0, maximum: 1 }), reason: T.String(),
  }),
  meta: T.Object({
    strategy: T.String({ description: 'What actually ran, e.g. trending_fallback on cold start' }),
    requestId: T.String(), modelVersion: T.Union([T.String(), T.Null()]), cached: T.Boolean(), padded: T.Integer(),
    stale: T.Optional(T.Boolean({ description: 'Served from the last known answer because the database was unreachable' })),
    experiment: T.Optional(T.Object({ id: T.String(), variant: T.Union([T.Literal('control'), T.Literal('variant')]) })),
  }),
  status: T.Object({
    status: T.Union([T.Literal('building'), T.Literal('ready'), T.Literal('empty'), T.Literal('failed')]),
    version: T.Union([T.String(), T.Null()]), builtAt: T.Union([DateTime, T.Null()]), stats: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    lastError: T.Union([T.String(), T.Null()]),
  }),
} as const
