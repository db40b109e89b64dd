// API keys (F-002) of a tenant: made (keys.ts), listed, revoked by the tenant's account.
import type { Db } from '../../../db/client.ts'
import { insertKeyWithinLimit, listKeys, revokeKey } from '../../../db/queries/api-keys.ts'
import type { ApiKey } from '../../../db/schema.ts'
import { enqueueWebhookEvent } from '../../../db/queries/webhooks.ts'
import { Conflict, NotFound } from '../../errors.ts'
import type { TenantService } from '../tenants/service.ts'
import { keyDto, MAX_ACTIVE_KEYS, mintKey } from './keys.ts'
import type { UsageRecorder } from './usage.ts'

export interface ApiKeyDeps {
  db: Db
  tenants: TenantService
  usage: UsageRecorder
  hashKey: (key: string) => Promise<string>
  clock: () => Date
  onRevoke: (tenantId: string) => void
}

export function createApiKeyService(d: ApiKeyDeps) {
  return {
    async create(accountId: string, tenantId: string, v: { name: string; permissions: 'read' | 'write' }) {
      await d.tenants.owned(accountId, tenantId)
      const { key, prefix, keyHash } = await mintKey(d.hashKey)
      const res = await insertKeyWithinLimit(d.db, tenantId, { name: v.name.trim(), permissions: v.permissions, prefix, keyHash }, MAX_ACTIVE_KEYS,
        (tx, k) => enqueueWebhookEvent(tx, tenantId, 'api_key.created', { apiKey: keyDto(k) }, d.clock()))
      if (res === 'limit') throw new Conflict(`A tenant can have at most ${MAX_ACTIVE_KEYS} active API keys; revoke one first`)
      return { ...keyDto(res), key }
    },

    async list(accountId: string, tenantId: string, f: { limit: number; offset: number; includeRevoked: boolean }) {
      await d.tenants.owned(accountId, tenantId)
      await d.usage.flush() // so the counts include this instance's latest requests
      const { rows, total } = await listKeys(d.db, tenantId, f)
      return { rows: rows.map(keyDto), total }
    },

    async revoke(accountId: string, tenantId: string, keyId: string) {
      await d.tenants.owned(accountId, tenantId)
      const k = await revokeKey(d.db, tenantId, keyId, d.clock(), (tx, r) => enqueueWebhookEvent(tx, tenantId, 'api_key.revoked', { apiKey: keyDto(r) }, d.clock()))
      if (!k) throw new NotFound('API key not found or already revoked')
      d.onRevoke(tenantId)
      return keyDto(k)
    },
  }
}
export type ApiKeyService = ReturnType<typeof createApiKeyService>
