// API keys (F-002): `rk_live_` + 40 random base62 characters, shown once,
// stored only as HMAC-SHA256 under the server's pepper (NFR-009).
import type { Db } from '../../../db/client.ts'
import { insertKeyWithinLimit, listKeys, revokeKey } from '../../../db/queries/api-keys.ts'
import type { ApiKey } from '../../../db/schema.ts'
import { enqueueWebhookEvent } from '../../../db/queries/webhooks.ts'
import { randomToken } from '../../infra/crypto.ts'
import { Conflict, NotFound } from '../../errors.ts'
import type { TenantService } from '../tenants/service.ts'
import type { UsageRecorder } from './usage.ts'

const MAX_ACTIVE_KEYS = 10
const PREFIX_LENGTH = 12 // "rk_live_" + 4 characters: enough to tell keys apart in a list

const keyDto = (k: ApiKey) => ({
  id: k.id, name: k.name, prefix: k.prefix, permissions: k.permissions, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, requestCount: Number(k.requestCount), revokedAt: k.revokedAt?.toISOString() ?? null,
})

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
    async create(ownerId: string, tenantId: string, v: { name: string; permissions: 'read' | 'write' }) {
      await d.tenants.owned(ownerId, tenantId)
      const key = `rk_live_${randomToken(40)}`
      const res = await insertKeyWithinLimit(d.db, tenantId, { name: v.name.trim(), permissions: v.permissions, prefix: key.slice(0, PREFIX_LENGTH), keyHash: await d.hashKey(key) }, MAX_ACTIVE_KEYS,
        (tx, k) => enqueueWebhookEvent(tx, tenantId, 'api_key.created', { apiKey: keyDto(k) }, d.clock()))
      if (res === 'limit') throw new Conflict(`A tenant can have at most ${MAX_ACTIVE_KEYS} active API keys; revoke one first`)
      return { ...keyDto(res), key }
    },

    async list(ownerId: string, tenantId: string, f: { limit: number; offset: number; includeRevoked: boolean }) {
      await d.tenants.owned(ownerId, tenantId)
      await d.usage.flush() // so the counts include this instance's latest requests
      const { rows, total } = await listKeys(d.db, tenantId, f)
      return { rows: rows.map(keyDto), total }
    },

    async revoke(ownerId: string, tenantId: string, keyId: string) {
      await d.tenants.owned(ownerId, tenantId)
      const k = await revokeKey(d.db, tenantId, keyId, d.clock(), (tx, r) => enqueueWebhookEvent(tx, tenantId, 'api_key.revoked', { apiKey: keyDto(r) }, d.clock()))
      if (!k) throw new NotFound('API key not found or already revoked')
      d.onRevoke(tenantId)
      return keyDto(k)
    },
  }
}
export type ApiKeyService = ReturnType<typeof createApiKeyService>
