import { t } from 'elysia'
import { DateTime, Literals, PaginationQuery, QueryEnum, Strict, T, Uuid } from '../../http/schemas.ts'
import { WEBHOOK_EVENT_TYPES } from '../../vocabulary.ts'

/** Endpoints per tenant. */
export const MAX_ENDPOINTS = 20
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const

const Url = T.String({ minLength: 8, maxLength: 2048, description: 'Where events are POSTed: https (http only with WEBHOOK_ALLOW_PRIVATE=true); must not resolve to a loopback, private, link-local or metadata address' })
const Events = T.Array(Literals(WEBHOOK_EVENT_TYPES), { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true, description: 'The event types sent to this endpoint' })
const Description = T.String({ maxLength: 500 })

export const WebhookModel = {
  create: Strict({ url: Url, events: Events, description: T.Optional(Description), active: T.Optional(T.Boolean({ default: true, description: 'false: events are not recorded for it (default true)' })) }),
  update: Strict({ url: T.Optional(Url), events: T.Optional(Events), description: T.Optional(T.Union([Description, T.Null()])), active: T.Optional(T.Boolean({ description: 'true re-enables an endpoint disabled after failed events (and resets its count)' })) }, { minProperties: 1 }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  deliveryParams: t.Object({ id: t.String({ format: 'uuid' }), deliveryId: t.String({ format: 'uuid' }) }),
  listQuery: t.Object({ ...PaginationQuery }),
  deliveriesQuery: t.Object({ ...PaginationQuery, status: t.Optional(QueryEnum(DELIVERY_STATUSES, { description: 'Only deliveries in this state' })) }),
  endpoint: T.Object({
    id: Uuid, url: T.String(), events: T.Array(T.String()), description: T.Union([T.String(), T.Null()]), active: T.Boolean(),
    disabledAt: T.Union([DateTime, T.Null()], { description: 'When it was disabled after failed events' }),
    consecutiveFailures: T.Integer({ description: 'Events in a row that failed for good; at 5 the endpoint is disabled' }),
    previousSecretExpiresAt: T.Union([DateTime, T.Null()], { description: 'Until then the secret before the last rotation signs too' }),
    createdAt: DateTime, updatedAt: DateTime,
  }),
  delivery: T.Object({
    id: Uuid,
    eventId: T.String({ description: 'The webhook-id header: the same on every attempt' }),
    eventType: T.String(),
    status: Literals(DELIVERY_STATUSES),
    attempts: T.Integer(),
    lastResponseCode: T.Union([T.Integer(), T.Null()]),
    lastResponseBody: T.Union([T.String({ description: 'The first 1 KB of the last answer' }), T.Null()]),
    lastError: T.Union([T.String(), T.Null()], { description: 'Why the last attempt failed without an answer (timeout, refused address, redirect)' }),
    nextAttemptAt: T.Union([DateTime, T.Null()]),
    lastAttemptAt: T.Union([DateTime, T.Null()]),
    createdAt: DateTime,
    completedAt: T.Union([DateTime, T.Null()]),
  }),
} as const

export const WithSecret = T.Composite([WebhookModel.endpoint, T.Object({ secret: T.String({ description: 'The signing secret (whsec_…). Shown only here.' }) })])
