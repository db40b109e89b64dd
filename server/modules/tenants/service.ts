// Tenants belong to the admin who made them; another admin's tenant is
// reported as not found, so its existence is not revealed.
import type { Db } from '../../../db/client.ts'
import { findTenant, insertTenant, listTenants, purgeDeletedTenants, setTenantConfig, tenantForKey, updateTenant, type TenantStatus } from '../../../db/queries/tenants.ts'
import type { Tenant } from '../../../db/schema.ts'
import { enqueueWebhookEvent } from '../../../db/queries/webhooks.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import { mergeConfig } from '../../http/partial.ts'
import { effectiveConfig, type TenantConfig, type TenantConfigPatch } from './config.ts'

const PURGE_AFTER_MS = 30 * 24 * 3600 * 1000

const tenantDto = (t: Tenant) => ({
  id: t.id, name: t.name, status: t.status, config: effectiveConfig(t.config),
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

  async function owned(ownerId: string, id: string) {
    const t = await findTenant(d.db, ownerId, id)
    if (!t || t.status === 'deleted') throw new NotFound('Tenant not found')
    return t
  }

  return {
    async create(ownerId: string, v: { name: string; config?: TenantConfigPatch }) {
      withinCeiling(v.config)
      const t = await insertTenant(d.db, ownerId, { name: v.name.trim(), config: effectiveConfig(v.config ?? {}) })
      if (!t) throw new Conflict(`You already have a tenant named "${v.name.trim()}"`)
      return tenantDto(t)
    },

    async list(ownerId: string, f: { status?: TenantStatus; limit: number; offset: number }) {
      const { rows, total } = await listTenants(d.db, ownerId, f)
      return { rows: rows.map(tenantDto), total }
    },

    async get(ownerId: string, id: string) {
      return tenantDto(await owned(ownerId, id))
    },

    /** Updates name, status and/or config; config is merged over the stored one. */
    async update(ownerId: string, id: string, v: { name?: string; config?: TenantConfigPatch; status?: 'active' | 'suspended' }) {
      const cur = await owned(ownerId, id)
      const before = effectiveConfig(cur.config)
      withinCeiling(v.config)
      const config = v.config ? mergeConfig(before, v.config) : undefined
      const res = await updateTenant(d.db, ownerId, id, { name: v.name?.trim(), status: v.status, config }, async (tx, t, from) => {
        const type = t.status === 'suspended' ? 'tenant.suspended' : t.status === 'active' && from === 'suspended' ? 'tenant.reactivated' : null
        if (type) await enqueueWebhookEvent(tx, t.id, type, { tenant: { id: t.id, name: t.name, status: t.status } }, d.clock())
      })
      if (res === 'name-taken') throw new Conflict(`You already have a tenant named "${v.name?.trim()}"`)
      if (!res) throw new NotFound('Tenant not found')
      d.onChange(id)
      if (config && JSON.stringify(config.recommendations) !== JSON.stringify(before.recommendations)) await d.onModelSettingsChange?.(id)
      return tenantDto(res)
    },

    /** Marks deleted; the purge job removes it and its data after 30 days. */
    async remove(ownerId: string, id: string) {
      await owned(ownerId, id)
      const now = d.clock()
      const res = await updateTenant(d.db, ownerId, id, { status: 'deleted', deletedAt: now })
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
    owned,
  }
}
export type TenantService = ReturnType<typeof createTenantService>
