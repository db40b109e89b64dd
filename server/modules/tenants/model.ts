import { t } from 'elysia'
import { DateTime, PaginationQuery, QueryEnum, Strict, T, Uuid } from '../../http/schemas.ts'
import { TenantConfig, TenantConfigPatch } from './config.ts'

const Status = T.Union([T.Literal('active'), T.Literal('suspended'), T.Literal('deleted')])
const Name = T.String({ minLength: 1, maxLength: 120, pattern: '\\S' })

export const TenantModel = {
  create: Strict({ name: Name, config: T.Optional(TenantConfigPatch) }),
  update: Strict({
    name: T.Optional(Name),
    config: T.Optional(TenantConfigPatch),
    status: T.Optional(T.Union([T.Literal('active'), T.Literal('suspended')], { description: 'use DELETE to delete' })),
  }),
  listQuery: t.Object({ ...PaginationQuery, status: t.Optional(QueryEnum(['active', 'suspended', 'deleted'])) }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  tenant: T.Object({
    id: Uuid, name: T.String(), status: Status, config: TenantConfig,
    createdAt: DateTime, updatedAt: DateTime, deletedAt: T.Union([DateTime, T.Null()]),
  }),
} as const
