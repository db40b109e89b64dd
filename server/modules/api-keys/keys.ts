// What a tenant API key is: `rk_live_` + 40 random base62 characters, shown once,
// stored only as HMAC-SHA256 under the server's pepper (NFR-009). Shared by the
// api-keys service and tenant provisioning, which makes keys with the tenant.
import type { ApiKey } from '../../../db/schema.ts'
import { randomToken } from '../../infra/crypto.ts'

export const MAX_ACTIVE_KEYS = 10
const PREFIX_LENGTH = 12 // "rk_live_" + 4 characters: enough to tell keys apart in a list

export async function mintKey(hashKey: (key: string) => Promise<string>) {
  const key = `rk_live_${randomToken(40)}`
  return { key, prefix: key.slice(0, PREFIX_LENGTH), keyHash: await hashKey(key) }
}

export const keyDto = (k: ApiKey) => ({
  id: k.id, name: k.name, prefix: k.prefix, permissions: k.permissions, createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null, requestCount: Number(k.requestCount), revokedAt: k.revokedAt?.toISOString() ?? null,
})
