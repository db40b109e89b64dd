import { type Static, t } from 'elysia'
import type { ModelEvaluation } from '../../engine/tune.ts'
import { DateTime, QueryEnum, T } from '../../http/schemas.ts'
import { CONTEXTS, STRATEGIES } from '../../vocabulary.ts'

const Quality = T.Object({
  precisionAt10: T.Number({ minimum: 0, maximum: 1, description: 'Share of the 10 listed items the shopper went on to find' }),
  recallAt10: T.Number({ minimum: 0, maximum: 1, description: 'Share of what the shopper went on to find that the 10 listed' }),
  ndcgAt10: T.Number({ minimum: 0, maximum: 1, description: 'The same, counting hits near the top more' }),
})

/** A build's grade of itself (engine/tune.ts ModelEvaluation, checked against this below). */
const Evaluation = T.Object({
  holdoutUsers: T.Integer({ minimum: 0, description: 'Shoppers whose newest interactions were held out and predicted' }),
  protocol: T.String({ description: 'How the grade was made, in words' }),
  chosenSettings: T.Object({
    halfLifeDays: T.Number(), itemsPerShopper: T.Number(), intentHalfLifeDays: T.Number(), regularisation: T.Number(),
  }, { description: 'The settings the model was built with: chosen where the tenant left them "auto", as set otherwise' }),
  strategies: T.Object({ collaborative: Quality, content_based: Quality, popularity: Quality }, { description: 'popularity: the best-sellers, the baseline' }),
  evaluatedAt: DateTime,
})

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
  evaluation: Evaluation,
  status: T.Object({
    status: T.Union([T.Literal('building'), T.Literal('ready'), T.Literal('empty'), T.Literal('failed')]),
    version: T.Union([T.String(), T.Null()]), builtAt: T.Union([DateTime, T.Null()]), stats: T.Union([T.Record(T.String(), T.Unknown()), T.Null()]),
    lastError: T.Union([T.String(), T.Null()]),
    evaluation: T.Union([Evaluation, T.Null()], { description: "The model's grade of itself at its last full rebuild; null until it had enough shoppers to hold out" }),
  }),
} as const

// The engine's interface and this schema describe one shape: a drift fails the type check.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const _sameEvaluation: Same<Static<typeof Evaluation>, ModelEvaluation> = true
void _sameEvaluation
