// Serving recommendations: the tenant's model (memory, shared via the
// database), the user's profile (kept at ingestion, so events from seconds ago
// count), the pure engine, and a result cache. The cache key carries the
// user's event count and the model version, so a new event or a new model
// invalidates it on every instance at once. When the database is unreachable,
// the last answer for the same request is served (stale beats empty).
import type { RawSql } from '../../../db/client.ts'
import { modelStatus, requestBuild } from '../../../db/queries/models.ts'
import { recordExposures, runningExperiments, type RunningExperiment } from '../../../db/queries/experiments.ts'
import { assign, type Arm } from '../experiments/assignment.ts'
import type { Cache } from '../../cache/index.ts'
import type { ProfileCache } from '../events/profile-cache.ts'
import { ServiceUnavailable } from '../../errors.ts'
import type { Kernels } from '../../kernels/load.ts'
import type { Logger } from '../../logger.ts'
import type { TenantConfig } from '../tenants/config.ts'
import { recommend } from './recommend.ts'
import type { ModelStore } from './store.ts'
import type { EventType, Recommendation, RecommendRequest, StrategyName, UserState } from './types.ts'

const RESULT_TTL_MS = 5 * 60_000
export const EXPERIMENTS_CHANNEL = 'experiments:changed'
const EXPERIMENTS_TTL_MS = 5000
const LAST_ANSWER_TTL_MS = 24 * 3600_000

export interface RecommendQuery { userId: string; productId?: string; context?: RecommendRequest['context']; placement?: string; limit: number; strategy?: StrategyName }
export interface Served {
  items: Recommendation[]; strategy: string; padded: number; modelVersion: string | null; cached: boolean; stale?: boolean; experiment?: { id: string; variant: Arm }
  /** `items` already serialised, when it is exactly the cached list: the route writes it as is. */
  itemsJson?: string
}
interface CachedAnswer { served: Served; itemsJson: string }

export interface RecommendationDeps { raw: RawSql; store: ModelStore; profiles: ProfileCache; cache: Cache; kernels: Kernels; clock: () => Date; log: Logger; onBuildRequested: () => void }

export function createRecommendationService(d: RecommendationDeps) {
  const emptyUser: UserState = { recent: [], purchased: [], eventCount: 0 }
  // In-process first level in front of the shared cache. Safe to keep: keys
  // carry the shopper's event count and the model version, so they never go
  // stale; availability is re-checked on every hit.
  // It keeps answers parsed, with their items serialised once: a hit costs
  // neither a JSON.parse nor a JSON.stringify of the list.
  const l1 = new Map<string, { answer: CachedAnswer; until: number }>()
  const L1_MAX = 50_000
  const getCached = async (key: string): Promise<CachedAnswer | undefined> => {
    const hit = l1.get(key)
    if (hit && hit.until > Date.now()) return hit.answer
    const json = await d.cache.get(key)
    if (!json) return undefined
    const served = JSON.parse(json) as Served
    const answer = { served, itemsJson: JSON.stringify(served.items) }
    remember(key, answer)
    return answer
  }
  // Running experiments per tenant, briefly cached; changes anywhere are broadcast.
  const running = new Map<string, { list: RunningExperiment[]; until: number }>()
  d.cache.subscribe(EXPERIMENTS_CHANNEL, (tenantId) => running.delete(tenantId))
  async function experimentFor(tenantId: string, placement: string | undefined): Promise<RunningExperiment | undefined> {
    let hit = running.get(tenantId)
    if (!hit || hit.until < Date.now()) {
      hit = { list: await runningExperiments(d.raw, tenantId), until: Date.now() + EXPERIMENTS_TTL_MS }
      running.set(tenantId, hit)
    }
    // One runs per placement; a placement-less experiment covers every placement.
    return hit.list.find((e) => placement !== undefined && e.placement === placement) ?? hit.list.find((e) => e.placement === null)
  }
  // First exposures, written in the background (the answer does not wait); remembered per instance.
  const exposed = new Set<string>()
  function expose(tenantId: string, experimentId: string, userId: string, arm: Arm) {
    const k = `${experimentId}\u0000${userId}`
    if (exposed.has(k)) return
    if (exposed.size > 200_000) exposed.clear()
    exposed.add(k)
    void recordExposures(d.raw, [{ tenantId, experimentId, userId, arm, at: d.clock() }]).catch(() => exposed.delete(k))
  }

  const remember = (key: string, answer: CachedAnswer) => {
    if (l1.size >= L1_MAX) l1.delete(l1.keys().next().value!)
    l1.set(key, { answer, until: Date.now() + RESULT_TTL_MS })
  }

  /** Drops items that became unavailable since the answer was cached. */
  function stillAvailable(tenantId: string, items: Recommendation[], model: { items: { available: boolean }[] } | undefined) {
    if (!model) return items
    return items.filter((r) => { const i = d.store.indexOf(tenantId, r.productId); return i === undefined || model.items[i].available })
  }

  return {
    /** An experiment of this tenant changed: forget it here at once, and on every other instance by broadcast. */
    experimentsChanged(tenantId: string) {
      running.delete(tenantId)
      void d.cache.publish(EXPERIMENTS_CHANNEL, tenantId).catch(() => {})
    },

    async recommend(tenantId: string, config: TenantConfig, q: RecommendQuery): Promise<Served> {
      // An explicit strategy wins; otherwise a running experiment for this placement picks the arm's strategy.
      let experiment: Served['experiment']
      let strategy: StrategyName = q.strategy ?? (q.placement ? config.placementStrategies[q.placement] : undefined) ?? config.defaultStrategy
      if (!q.strategy) {
        const e = await experimentFor(tenantId, q.placement).catch(() => undefined)
        if (e) {
          const arm = assign(d.kernels, e.id, q.userId, e.traffic_split)
          experiment = { id: e.id, variant: arm }
          strategy = (arm === 'variant' ? e.variant : e.control) as StrategyName
          expose(tenantId, e.id, q.userId, arm)
        }
      }
      const params = [strategy, q.productId ?? '', q.context ?? '', q.limit, config.excludePurchased ? 1 : 0, experiment ? `${experiment.id}:${experiment.variant}` : ''].join('|')
      const lastKey = `rec-last:${tenantId}:${q.userId}:${params}`
      let user: UserState = emptyUser
      let stale = false
      let model
      try {
        model = await d.store.get(tenantId) // the model in memory when the database fails
      } catch (error) {
        d.log.warn('recommendations: no model in memory and the database is unreachable', { tenantId, error })
      }
      try {
        const profile = await d.profiles.get(tenantId, q.userId)
        if (profile) user = { recent: profile.recent.map((x) => ({ productId: x.p, eventType: x.e as EventType, ts: x.t })), purchased: profile.purchased, eventCount: profile.eventCount }
      } catch (error) {
        // Stale beats empty: the last answer to this request, else the model in memory for an unknown shopper.
        d.log.warn('recommendations: profile unreadable, serving degraded', { tenantId, error })
        const last = await d.cache.get(lastKey)
        if (last) return { ...(JSON.parse(last) as Served), cached: true, stale: true, experiment }
        if (!model) throw new ServiceUnavailable('Recommendations are temporarily unavailable; retry shortly', 5)
        stale = true
      }
      if (!model) {
        // No model yet (a new tenant), or none reachable: ask for one and answer honestly with nothing.
        await requestBuild(d.raw, tenantId).catch(() => {})
        d.onBuildRequested()
        return { items: [], strategy: 'trending_fallback', padded: 0, modelVersion: null, cached: false, experiment }
      }
      const key = `rec:${tenantId}:${q.userId}:${user.eventCount}:${model.version}:${params}`
      const hit = stale ? undefined : await getCached(key)
      if (hit) {
        const items = stillAvailable(tenantId, hit.served.items, model)
        return { ...hit.served, items, itemsJson: items.length === hit.served.items.length ? hit.itemsJson : undefined, cached: true, experiment }
      }
      const result = recommend(model, user, { strategy, limit: q.limit, productId: q.productId, context: q.context, excludePurchased: config.excludePurchased, now: d.clock().getTime() }, d.kernels)
      const served: Served = { items: result.items, strategy: result.strategy, padded: result.padded, modelVersion: model.version, cached: false, experiment }
      if (stale) return { ...served, stale: true }
      const json = JSON.stringify(served)
      remember(key, { served, itemsJson: JSON.stringify(served.items) })
      // The answer does not wait for the cache writes (the cache falls back by itself on errors).
      void Promise.all([d.cache.set(key, json, RESULT_TTL_MS), d.cache.set(lastKey, json, LAST_ANSWER_TTL_MS)]).catch(() => {})
      return served
    },

    async requestRebuild(tenantId: string) {
      await requestBuild(d.raw, tenantId)
      d.onBuildRequested()
      return this.status(tenantId)
    },

    async status(tenantId: string) {
      const row = await modelStatus(d.raw, tenantId)
      const builtAt = row?.built_at ? new Date(row.built_at) : null
      const pending = !!row && (row.status === 'building' || (row.requested_at !== null && (!builtAt || new Date(row.requested_at) > builtAt)))
      const status = pending ? 'building' as const : row?.version ? 'ready' as const : row?.status === 'failed' ? 'failed' as const : 'empty' as const
      return { status, version: row?.version ?? null, builtAt: builtAt?.toISOString() ?? null, stats: (row?.stats as Record<string, unknown> | null) ?? null, lastError: row?.last_error ?? null }
    },
  }
}
export type RecommendationService = ReturnType<typeof createRecommendationService>
