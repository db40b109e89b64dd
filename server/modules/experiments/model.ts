import { t } from 'elysia'
import { DateTime, PaginationQuery, QueryEnum, Strategy, Strict, T, Uuid } from '../../http/schemas.ts'

const Metric = T.Union([T.Literal('ctr'), T.Literal('conversion_rate'), T.Literal('revenue_per_visitor')])
const Name = T.String({ minLength: 1, maxLength: 200, pattern: '\\S' })
const Placement = T.Union([T.String({ minLength: 1, maxLength: 100 }), T.Null()], { description: 'null: every placement' })
const Split = T.Integer({ minimum: 1, maximum: 99, description: 'percent of users in the variant' })

export const ExperimentModel = {
  create: Strict({
    name: Name, control: Strategy, variant: Strategy, trafficSplit: Split, metric: Metric,
    placement: T.Optional(Placement),
    status: T.Optional(T.Union([T.Literal('running'), T.Literal('draft')], { default: 'running' })),
  }),
  patch: Strict({
    name: T.Optional(Name), control: T.Optional(Strategy), variant: T.Optional(Strategy), trafficSplit: T.Optional(Split),
    metric: T.Optional(Metric), placement: T.Optional(Placement),
  }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  listQuery: t.Object({ ...PaginationQuery, status: t.Optional(QueryEnum(['draft', 'running', 'paused', 'completed'])) }),
  experiment: T.Object({
    id: Uuid, name: T.String(), control: T.String(), variant: T.String(), trafficSplit: T.Integer(), metric: T.String(),
    placement: T.Union([T.String(), T.Null()]), status: T.Union([T.Literal('draft'), T.Literal('running'), T.Literal('paused'), T.Literal('completed')]),
    createdAt: DateTime, updatedAt: DateTime, startedAt: T.Union([DateTime, T.Null()]), completedAt: T.Union([DateTime, T.Null()]),
  }),
} as const
