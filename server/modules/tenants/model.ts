import { t } from 'elysia'
import { DateTime, PaginationQuery, QueryEnum, Strict, T, Uuid } from '../../http/schemas.ts'
import { TenantConfig, TenantConfigPatch } from './config.ts'
import { ApiKeyModel, CreatedKey } from '../api-keys/model.ts'

const Status = T.Union([T.Literal('active'), T.Literal('suspended'), T.Literal('deleted')])
const Name = T.String({ minLength: 1, maxLength: 120, pattern: '\\S' })
const ExternalId = T.String({ minLength: 1, maxLength: 200, description: "The platform's own id for this store: unique per account (GET /tenants?externalId= finds it)" })

export const TenantModel = {
  create: Strict({
    name: Name, config: T.Optional(TenantConfigPatch),
    externalId: T.Optional(ExternalId),
    apiKeys: T.Optional(T.Array(ApiKeyModel.create, { maxItems: 10, description: 'Keys made with the tenant, in the same transaction; their secrets are in the answer only' })),
  }),
  idempotencyHeaders: t.Object({ 'idempotency-key': t.Optional(t.String({ minLength: 1, maxLength: 255, description: 'Same key and same body within 24 hours: the same answer (keys included), no second tenant. Same key, another body: 409.' })) }),
  update: Strict({
    name: T.Optional(Name),
    config: T.Optional(TenantConfigPatch),
    status: T.Optional(T.Union([T.Literal('active'), T.Literal('suspended')], { description: 'use DELETE to delete' })),
  }),
  listQuery: t.Object({ ...PaginationQuery, status: t.Optional(QueryEnum(['active', 'suspended', 'deleted'])), externalId: t.Optional(t.String({ minLength: 1, maxLength: 200, description: "The platform's own store id" })) }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  tenant: T.Object({
    id: Uuid, name: T.String(), externalId: T.Union([T.String(), T.Null()]), status: Status, config: TenantConfig,
    createdAt: DateTime, updatedAt: DateTime, deletedAt: T.Union([DateTime, T.Null()]),
  }),
} as const

export const CreatedTenant = T.Composite([TenantModel.tenant, T.Object({ apiKeys: T.Optional(T.Array(CreatedKey, { description: 'The keys asked for, each with its secret: shown in this answer only (and its idempotent replays)' })) })])
