import { t } from 'elysia'
import { DateTime, PaginationQuery, Strict, T, Uuid } from '../../http/schemas.ts'

const Permissions = T.Union([T.Literal('read'), T.Literal('write')], { description: 'read: GET endpoints and browser tracking; write: everything' })

export const ApiKeyModel = {
  create: Strict({ name: T.String({ minLength: 1, maxLength: 100 }), permissions: Permissions }),
  params: t.Object({ id: t.String({ format: 'uuid' }) }),
  keyParams: t.Object({ id: t.String({ format: 'uuid' }), keyId: t.String({ format: 'uuid' }) }),
  listQuery: t.Object({ ...PaginationQuery, includeRevoked: t.Boolean({ default: false }) }),
  key: T.Object({
    id: Uuid, name: T.String(), prefix: T.String(), permissions: Permissions, createdAt: DateTime,
    lastUsedAt: T.Union([DateTime, T.Null()]), requestCount: T.Integer(), revokedAt: T.Union([DateTime, T.Null()]),
  }),
  introspection: T.Object({ tenantId: Uuid, keyId: Uuid, name: T.String(), permissions: Permissions }),
} as const

export const CreatedKey = T.Composite([ApiKeyModel.key, T.Object({ key: T.String({ description: 'The full key. Shown only once.' }) })])
