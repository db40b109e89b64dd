// The live side of serving, per instance: each tenant's trending and popularity as of
// now (the model's lists joined with the live counters' hours since its build), and a
// product's latest co-purchases. A snapshot is trusted for REFRESH_MS; after that the
// next request asks the store whether the tenant's counts moved (one small read) and
// re-reads only then — the hour in progress every time, earlier hours at most once a
// minute (only late events change them). So an event counts within REFRESH_MS plus a
// read of its 202, on every instance sharing the store.
import type { LiveCounterStore, HourCounts } from '../../infra/live-counters/types.ts'
import { BoundedMap } from '../../infra/cache/bounded-map.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'
import type { Logger } from '../../logger.ts'

import { liveFromHour, liveSignals, modelSignals, type Signals } from '../../engine/signals.ts'
import { modelIndex } from '../../engine/strategies/model-index.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'
import { HOUR_MS, resolveWeights } from '../../engine/strategies/weights.ts'
import type { TenantModel } from '../../engine/types.ts'
import { UNTUNED_SETTINGS } from '../../engine/tune.ts'
import type { TenantConfig } from '../tenants/config.ts'

/** How long a snapshot is served before the store is asked whether the counts moved. */
export const REFRESH_MS = 250
const PURCHASE = EVENT_TYPES.indexOf('purchase')
/** How long an earlier hour's counts are reused: only late events change them. */
const PAST_HOUR_MS = 60_000

/** The signals an answer was worked out from, and their version: an answer that used them is valid while it stands. */
export interface LiveView {
  signals: Signals
  version: string
  /** Whether the counters hold purchases the model does not: only then can a product have new partners. */
  purchases: boolean
}

interface Snapshot extends LiveView {
  model: TenantModel
  tick: number
  hour: number
  settings: TenantConfig['recommendations']
  checkedAt: number
  read: Map<number, { counts: HourCounts; at: number }>
}

export function createLiveSignals(d: { live: LiveCounterStore; clock: () => Date; log: Logger }) {
  const snapshots = new BoundedMap<string, Snapshot>(10_000)
  const refreshing = new Map<string, Promise<LiveView>>()
  // Weakly: an entry must not keep a model the store evicted in memory.
  const partnerReads = new BoundedMap<string, { version: string; model: WeakRef<TenantModel>; counts: Map<string, number> | Promise<Map<string, number>> }>(20_000)
  const none: ReadonlyMap<string, number> = new Map()
  let warned = 0

  const fallback = (model: TenantModel): LiveView => ({ signals: modelSignals(model, modelIndex(model)), version: 'model', purchases: false })
  const warn = (tenantId: string, error: unknown) => {
    const now = d.clock().getTime()
    if (now - warned > 60_000) { warned = now; d.log.warn('live counters unreadable: serving the model\'s own trending and popularity', { tenantId, error }) }
  }

  async function refresh(tenantId: string, model: TenantModel, settings: TenantConfig['recommendations'], last: Snapshot | undefined): Promise<LiveView> {
    const now = d.clock().getTime()
    const hour = Math.floor(now / HOUR_MS)
    const tick = await d.live.tick(tenantId)
    if (last && last.model === model && last.tick === tick && last.hour === hour && last.settings === settings) {
      last.checkedAt = now
      return last
    }
    const first = Math.max(Math.floor(model.builtAt / HOUR_MS), hour - 23)
    const read = new Map<number, { counts: HourCounts; at: number }>()
    const missing: number[] = []
    for (let h = first; h <= hour; h++) {
      const kept = last?.read.get(h)
      // An earlier hour read after it ended holds all but late events.
      if (kept && h < hour && kept.at >= (h + 1) * HOUR_MS && now - kept.at < PAST_HOUR_MS) read.set(h, kept)
      else missing.push(h)
    }
    const counts = await d.live.hours(tenantId, missing)
    missing.forEach((h, k) => read.set(h, { counts: counts[k]!, at: now }))
    const hours = new Map([...read].map(([h, r]) => [h, r.counts]))
    // The half-life the model's popularity decayed by: the tenant's, or the one its build chose.
    const halfLifeDays = typeof settings.halfLifeDays === 'number' ? settings.halfLifeDays : model.settings?.halfLifeDays ?? UNTUNED_SETTINGS.halfLifeDays
    const signals = liveSignals(model, modelIndex(model), { now, hours, weights: resolveWeights(settings.eventWeights), halfLifeDays })
    const fromHour = liveFromHour(model)
    const purchases = [...hours].some(([h, counts]) => h >= fromHour && [...counts.values()].some((c) => c[PURCHASE]! > 0))
    const snapshot: Snapshot = { signals, version: `${tick}.${hour}`, purchases, model, tick, hour, settings, checkedAt: now, read }
    snapshots.set(tenantId, snapshot)
    return snapshot
  }

  return {
    /** The tenant's model was evicted from this process: its snapshot (per-item signals, and the model itself) goes too. */
    forget(tenantId: string) { snapshots.delete(tenantId) },

    /** The tenant's signals for this model: the snapshot itself while fresh (no promise), else after a refresh. */
    view(tenantId: string, model: TenantModel, config: TenantConfig): InMemoryFirst<LiveView> {
      const last = snapshots.get(tenantId)
      if (last && last.model === model && d.clock().getTime() - last.checkedAt < REFRESH_MS) return last
      let pending = refreshing.get(tenantId)
      if (!pending) {
        pending = refresh(tenantId, model, config.recommendations, last)
          .catch((error) => { warn(tenantId, error); return last?.model === model ? last : fallback(model) })
          .finally(() => refreshing.delete(tenantId))
        refreshing.set(tenantId, pending)
      }
      return pending
    },

    /**
     * A product's co-purchases the model does not hold (product id → baskets), as of `view`:
     * none to read while the counters hold no purchases since the build, and read once per
     * product while the tenant's counts stand.
     */
    partners(tenantId: string, model: TenantModel, view: LiveView, productId: string): InMemoryFirst<ReadonlyMap<string, number>> {
      if (!view.purchases) return none
      const key = `${tenantId}\u0000${productId}`
      const hit = partnerReads.get(key)
      if (hit && hit.model.deref() === model && hit.version === view.version) return hit.counts
      const hour = Math.floor(d.clock().getTime() / HOUR_MS)
      const hours: number[] = []
      for (let h = Math.max(liveFromHour(model), hour - 23); h <= hour; h++) hours.push(h)
      const entry = { version: view.version, model: new WeakRef(model), counts: d.live.partners(tenantId, productId, hours) as Map<string, number> | Promise<Map<string, number>> }
      entry.counts = (entry.counts as Promise<Map<string, number>>).then((c) => (entry.counts = c), (error) => { warn(tenantId, error); return (entry.counts = new Map()) })
      partnerReads.set(key, entry)
      return entry.counts
    },
  }
}
export type LiveSignalsReader = ReturnType<typeof createLiveSignals>
