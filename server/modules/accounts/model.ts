import { t } from 'elysia'
import { DateTime, Literals, Strict, T, Uuid } from '../../http/schemas.ts'
import { ROLES } from '../../http/roles.ts'

const Role = Literals(ROLES)

export const AccountModel = {
  account: T.Object({
    id: Uuid, name: T.String(), role: Role,
    accounts: T.Array(T.Object({ id: Uuid, name: T.String(), role: Role }), { description: "Every account the signed-in user belongs to (send one's id as X-Account-ID to act in it)" }),
  }),
  member: T.Object({
    id: Uuid, email: T.String(), name: T.Union([T.String(), T.Null()]), role: Role,
    status: T.Union([T.Literal('invited'), T.Literal('active')]),
    createdAt: DateTime, joinedAt: T.Union([DateTime, T.Null()]), expiresAt: T.Union([DateTime, T.Null()], { description: 'When a pending invitation lapses' }),
  }),
  invite: Strict({ email: T.String({ format: 'email', maxLength: 254 }), role: Role }),
  patch: Strict({ role: Role }),
  accept: Strict({ invitationToken: T.String({ minLength: 1, maxLength: 200 }) }),
  // Not format-checked here: an id that is no uuid is simply not found (404), like another account's.
  params: t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) }),
  createKey: Strict({ name: T.String({ minLength: 1, maxLength: 100 }) }),
  key: T.Object({ id: Uuid, name: T.String(), prefix: T.String(), createdAt: DateTime, lastUsedAt: T.Union([DateTime, T.Null()]), revokedAt: T.Union([DateTime, T.Null()]) }),
  keysQuery: t.Object({ includeRevoked: t.Boolean({ default: false }) }),
} as const

export const Invited = T.Composite([AccountModel.member, T.Object({ invitationToken: T.String({ description: 'Also sent by mail; valid 7 days. Shown once.' }) })])
export const CreatedAccountKey = T.Composite([AccountModel.key, T.Object({ key: T.String({ description: 'The full account key (ak_live_…). Shown only once.' }) })])
