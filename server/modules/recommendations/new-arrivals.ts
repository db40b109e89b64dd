// What a tenant is served before its first model exists (signup, catalog upload, the first
// build still running): the newest products of its catalog, read from the database, so no
// widget is empty while the catalog has items. The list is the same for every shopper, so one
// read serves an instance for a few seconds (bounded: at most one query per tenant per
// `ttlMs`, of the 51 newest rows); that is also how often a build is asked for meanwhile.
import type { RawSql } from '../../../db/client.ts'
import { newestCatalogItems } from '../../../db/queries/models.ts'
import { buildModel } from '../../engine/build.ts'
import type { TenantModel } from '../../engine/types.ts'
import { itemOf } from '../../models/store.ts'

/** The largest `limit` a request may ask for, and one more for the context product it leaves out. */
const ROWS = 51

export function newArrivalsBeforeModel(d: { raw: RawSql; clock: () => Date; ttlMs?: number; onRead?: (tenantId: string) => Promise<void> }) {
  const ttlMs = d.ttlMs ?? 5000
  const kept = new Map<string, { until: number; model: Promise<TenantModel> }>()
  return {
    /** A model of the newest products alone (no events: every strategy falls back to new arrivals); memoised per tenant for `ttlMs`. */
    model(tenantId: string): Promise<TenantModel> {
      const now = d.clock().getTime()
      const k = kept.get(tenantId)
      if (k && k.until > now) return k.model
      // The first model arrives within seconds: a tenant's entry is not kept past it.
      for (const [t, e] of kept) if (e.until <= now) kept.delete(t)
      const model = Promise.all([newestCatalogItems(d.raw, tenantId, ROWS), d.onRead?.(tenantId)]).then(([rows]) =>
        // Served as 'trending' only (falling back to new arrivals): content vectors would be worked out on this thread for nothing.
        buildModel({ items: rows.map(itemOf), interactions: [], now, weights: {}, halfLifeDays: 0 }, undefined, { content: false }))
      kept.set(tenantId, { until: now + ttlMs, model })
      model.catch(() => kept.delete(tenantId))
      return model
    },
  }
}
