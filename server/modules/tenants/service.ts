// Tenants belong to an account; another account's tenant is reported as
// not found, so its existence is not revealed. Creating one may also make
// its API keys in the same transaction, idempotently (provisioning).
import type { Db } from '../../../db/client.ts'
import { insertKeyWithinLimit } from '../../../db/queries/api-keys.ts'
import { claimIdempotencyKey, purgeIdempotencyKeys, storeIdempotentAnswer } from '../../../db/queries/idempotency.ts'
import { findTenant, insertTenant, listTenants, purgeDeletedTenants, setTenantConfig, tenantForKey, updateTenant, type TenantStatus } from '../../../db/queries/tenants.ts'
import type { Tenant } from '../../../db/schema.ts'
import { enqueueWebhookEvent } from '../../../db/queries/webhooks.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import { sha256Hex, type Sealer } from '../../infra/crypto.ts'
import { keyDto, MAX_ACTIVE_KEYS, mintKey } from '../api-keys/keys.ts'
import { mergeConfig } from '../../http/partial.ts'
import { effectiveConfig, type TenantConfig, type TenantConfigPatch } from './config.ts'

const PURGE_AFTER_MS = 30 * 24 * 3600 * 1000

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000

const tenantDto = (t: Tenant) => ({
  id: t.id, name: t.name, externalId: t.externalId, status: t.status, config: effectiveConfig(t.config),
  createdAt: t.createdAt.toISOString(), updatedAt: t.updatedAt.toISOString(), deletedAt: t.deletedAt?.toISOString() ?? null,
})

export interface TenantDeps {
  db: Db
  clock: () => Date
  /** Called after any change that affects how keys of this tenant authenticate. */
  onChange: (tenantId: string) => void
  /** Called when the tenant's model settings (config.recommendations) changed: its model is to be rebuilt with them. */
  /** Asks for a rebuild; awaited, so the model status read after the update already says `building`. */
  onModelSettingsChange?: (tenantId: string) => Promise<void> | void
  /** The operator's ceiling on a tenant's own rate limits (MAX_TENANT_RATE_LIMIT), per minute. */
  maxRateLimit?: number
  /** Keys are stored as their HMAC (api-keys). */
  hashKey?: (key: string) => Promise<string>
  /** Encrypts stored idempotent answers: they hold the new keys' secrets. */
  answers?: Sealer
}

export interface CreateTenant { name: string; config?: TenantConfigPatch; externalId?: string; apiKeys?: { name: string; permissions: 'read' | 'write' }[] }
type Created = ReturnType<typeof tenantDto> & { apiKeys?: (ReturnType<typeof keyDto> & { key: string })[] }

/** Same body, same hash, whatever the order of its fields. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(v)
}

export function createTenantService(d: TenantDeps) {
  // A tenant sets its own limits, but not past the operator's ceiling: a limit is what protects the others.
  // Only limits being set are checked (a stored one above a since-lowered ceiling is clamped where it is used).
  function withinCeiling(patch: TenantConfigPatch | undefined) {
    const max = d.maxRateLimit ?? Infinity
    const over = (['read', 'write'] as const).filter((b) => (patch?.rateLimits?.[b] ?? 0) > max)
    if (over.length) {
      throw new ValidationFailed(`Rate limits may be at most ${max} requests per minute on this server (MAX_TENANT_RATE_LIMIT)`,
        over.map((b) => ({ field: `config.rateLimits.${b}`, message: `must be at most ${max}` })))
    }
  }

  async function owned(accountId: string, id: string) {
    const t = await findTenant(d.db, accountId, id)
    if (!t || t.status === 'deleted') throw new NotFound('Tenant not found')
    return t
  }

  /** The tenant and its keys, in the caller's transaction: all or nothing. */
  async function insertWithKeys(tx: Db, accountId: string, createdBy: string | null, v: CreateTenant): Promise<Created> {
    const t = await insertTenant(tx, accountId, { name: v.name.trim(), externalId: v.externalId ?? null, ownerId: createdBy, config: effectiveConfig(v.config ?? {}) })
    if (!t) {
      throw new Conflict(v.externalId !== undefined
        ? `This account already has a tenant named "${v.name.trim()}" or with externalId "${v.externalId}"`
        : `This account already has a tenant named "${v.name.trim()}"`)
    }
    if (!v.apiKeys?.length) return tenantDto(t)
    if (!d.hashKey) throw new Error('tenant service: hashKey is needed to create keys')
    const apiKeys = []
    for (const spec of v.apiKeys) {
      const m = await mintKey(d.hashKey)
      const k = await insertKeyWithinLimit(tx, t.id, { name: spec.name.trim(), permissions: spec.permissions, prefix: m.prefix, keyHash: m.keyHash }, MAX_ACTIVE_KEYS)
      if (k === 'limit') throw new ValidationFailed(`A tenant can have at most ${MAX_ACTIVE_KEYS} active API keys`, [{ field: 'apiKeys', message: `at most ${MAX_ACTIVE_KEYS}` }])
      apiKeys.push({ ...keyDto(k), key: m.key })
    }
    return { ...tenantDto(t), apiKeys }
  }

  return {
    /**
     * Creates a tenant (and its keys, answered once). With an idempotency key the answer is stored,
     * encrypted, for 24 hours: the same key and body answer it again (`replayed`), a different body is a 409.
     */
    async create(accountId: string, createdBy: string | null, v: CreateTenant, idempotencyKey?: string): Promise<{ data: Created; replayed: boolean }> {
      withinCeiling(v.config)
      if (v.apiKeys && v.apiKeys.length > MAX_ACTIVE_KEYS) throw new ValidationFailed(`A tenant can have at most ${MAX_ACTIVE_KEYS} active API keys`, [{ field: 'apiKeys', message: `at most ${MAX_ACTIVE_KEYS}` }])
      if (idempotencyKey === undefined) return { data: await d.db.transaction((tx) => insertWithKeys(tx as unknown as Db, accountId, createdBy, v)), replayed: false }
      if (!d.answers) throw new Error('tenant service: answers (a sealer) is needed for idempotent creation')
      const answers = d.answers
      const requestHash = await sha256Hex(canonical(v))
      const now = d.clock()
      return d.db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as Db
        const claim = await claimIdempotencyKey(tx, accountId, idempotencyKey, requestHash, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS))
        if (!claim.claimed) {
          if (!claim.row || claim.row.requestHash !== requestHash) throw new Conflict('This Idempotency-Key was already used with a different request body')
          if (!claim.row.response) throw new Conflict('A request with this Idempotency-Key is still in progress; retry shortly')
          return { data: JSON.parse(await answers.open(claim.row.response)) as Created, replayed: true }
        }
        const data = await insertWithKeys(tx, accountId, createdBy, v)
        await storeIdempotentAnswer(tx, accountId, idempotencyKey, 201, await answers.seal(JSON.stringify(data)))
        return { data, replayed: false }
      })
    },

    async list(accountId: string, f: { status?: TenantStatus; externalId?: string; limit: number; offset: number }) {
      const { rows, total } = await listTenants(d.db, accountId, f)
      return { rows: rows.map(tenantDto), total }
    },

    async get(accountId: string, id: string) {
      return tenantDto(await owned(accountId, id))
    },

    /** Updates name, status and/or config; config is merged over the stored one. */
    async update(accountId: string, id: string, v: { name?: string; config?: TenantConfigPatch; status?: 'active' | 'suspended' }) {
      const cur = await owned(accountId, id)
      const before = effectiveConfig(cur.config)
      withinCeiling(v.config)
      const config = v.config ? mergeConfig(before, v.config) : undefined
      const res = await updateTenant(d.db, accountId, id, { name: v.name?.trim(), status: v.status, config }, async (tx, t, from) => {
        const type = t.status === 'suspended' ? 'tenant.suspended' : t.status === 'active' && from === 'suspended' ? 'tenant.reactivated' : null
        if (type) await enqueueWebhookEvent(tx, t.id, type, { tenant: { id: t.id, name: t.name, status: t.status } }, d.clock())
      })
      if (res === 'name-taken') throw new Conflict(`This account already has a tenant named "${v.name?.trim()}"`)
      if (!res) throw new NotFound('Tenant not found')
      d.onChange(id)
      if (config && JSON.stringify(config.recommendations) !== JSON.stringify(before.recommendations)) await d.onModelSettingsChange?.(id)
      return tenantDto(res)
    },

    /** Marks deleted; the purge job removes it and its data after 30 days. */
    async remove(accountId: string, id: string) {
      await owned(accountId, id)
      const now = d.clock()
      const res = await updateTenant(d.db, accountId, id, { status: 'deleted', deletedAt: now })
      d.onChange(id)
      return tenantDto(res as Tenant)
    },

    /** A winning experiment arm promoted: the strategy of a placement, or the default (placement null). */
    async setStrategy(tenantId: string, placement: string | null, strategy: TenantConfig['defaultStrategy']) {
      const config = effectiveConfig((await tenantForKey(d.db, tenantId))?.config)
      if (placement === null) config.defaultStrategy = strategy
      else config.placementStrategies = { ...config.placementStrategies, [placement]: strategy }
      await setTenantConfig(d.db, tenantId, config)
      d.onChange(tenantId) // principals carry the config
    },

    purge: () => purgeDeletedTenants(d.db, new Date(d.clock().getTime() - PURGE_AFTER_MS)),
    /** Idempotent answers past their 24 hours (they hold key secrets: kept no longer than needed). */
    purgeIdempotentAnswers: () => purgeIdempotencyKeys(d.db, d.clock()),
    owned,
  }
}
export type TenantService = ReturnType<typeof createTenantService>
