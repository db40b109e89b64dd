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
import type { Cache } from '../../infra/cache/index.ts'
import { BoundedMap } from '../../infra/cache/bounded-map.ts'
import type { ProfileCache } from '../profiles/cache.ts'
import type { UserProfile } from '../../../db/queries/profiles.ts'
import { ServiceUnavailable } from '../../errors.ts'
import type { Kernels } from '../../kernels/load.ts'
import type { Logger } from '../../logger.ts'
import type { TenantConfig } from '../tenants/config.ts'
import { drawsOnHistory, fitsShopper, recommend, sameForEveryShopper } from '../../engine/recommend.ts'
import { SHARED_ANSWER_TTL_MS, slotKey } from './answer-slots.ts'
import type { ModelStore } from '../../models/store.ts'
import type { Recommendation, RecommendRequest, StrategyName, TenantModel, UserState } from '../../engine/types.ts'

const RESULT_TTL_MS = 5 * 60_000
export const EXPERIMENTS_CHANNEL = 'experiments:changed'
const EXPERIMENTS_TTL_MS = 5000
const WRITE_BEHIND_MS = 5
const WRITE_BATCH_MAX = 256

export interface RecommendQuery { userId: string; productId?: string; context?: RecommendRequest['context']; placement?: string; limit: number; strategy?: StrategyName }
interface ServedMeta { strategy: string; padded: number; modelVersion: string | null; cached: boolean; stale?: boolean; experiment?: { id: string; variant: Arm } }
/** An answer: its list as values, serialised (written as is by the route), or both when just worked out. */
export type Served = ServedMeta & ({ items: Recommendation[]; itemsJson?: string } | { items?: undefined; itemsJson: string })
/**
 * An answer held in memory, itself the view a hit serves (the route keeps its body per
 * object): the list only serialised (a cache of tens of thousands of answers as parsed
 * objects is heap the collector walks on every miss's allocations; it is parsed again in
 * the rare case an item went unavailable since), each item's position in the model version
 * that produced it (-1: not in it), and the key it answers and until when. One object per
 * answer, not four: the collector walks every one of them, every cycle.
 */
interface CachedAnswer extends ServedMeta { cached: true; itemsJson: string; items?: undefined; positions: Int32Array; key: string; until: number }
/**
 * The shared cache's entry for one shopper and request: the latest answer,
 * the key it answers (event count and model version) and until when it is
 * fresh. A different key or a past date is a miss; while the database is
 * unreachable any entry is served as stale. One write per computed answer.
 * Entries share a bounded table of keys per tenant (answer-slots.ts); `slot`
 * says whose answer an entry is.
 */
interface SharedEntry { slot: string; key: string; until: number; served: ServedMeta & { items: Recommendation[] } }

export interface RecommendationDeps { raw: RawSql; store: ModelStore; profiles: ProfileCache; cache: Cache; kernels: Kernels; clock: () => Date; log: Logger; onBuildRequested: () => void }

export function createRecommendationService(d: RecommendationDeps) {
  const emptyUser: UserState = { recent: [], purchased: [], eventCount: 0 }
  // In-process first level in front of the shared cache. Safe to keep: keys
  // carry the shopper's event count and the model version, so they never go
  // stale; availability is re-checked on every hit.
  // It keeps each list serialised once, with its items' positions in that
  // model version: a hit costs neither a JSON.stringify of the list nor a
  // lookup per item to check availability (see CachedAnswer).
  // Like the shared cache, one entry per slot (shopper and request): the latest answer and the key it answers.
  const l1 = new BoundedMap<string, CachedAnswer>(50_000)
  // Answers that are the same for every shopper (a product's partners, its similar
  // items, trending, a cold shopper's fallback): one per request and model version (its
  // key), served to each shopper who bought none of its items (see sameForEveryShopper).
  const common = new BoundedMap<string, CachedAnswer>(20_000)
  /**
   * The answer to exactly `key`, from this instance (without a promise) or, when
   * `shared`, from the entry another instance wrote. Answers that do not draw on
   * the shopper's history are not worth a round trip: working them out again costs
   * less than reading them (and gives the same list from the same model and profile).
   */
  const getCached = (tenantId: string, key: string, slot: string, shared: boolean): CachedAnswer | undefined | Promise<CachedAnswer | undefined> => {
    const hit = l1.get(slot)
    if (hit && hit.key === key && hit.until > Date.now()) return hit
    return shared ? sharedAnswer(tenantId, key, slot) : undefined
  }
  const sharedAnswer = async (tenantId: string, key: string, slot: string): Promise<CachedAnswer | undefined> => {
    const json = await d.cache.get(slotKey(slot))
    if (!json) return undefined
    const entry = JSON.parse(json) as SharedEntry
    if (entry.slot !== slot || entry.key !== key || entry.until <= Date.now()) return undefined
    const { items, ...meta } = entry.served
    const answer = answerOf(tenantId, meta, items, JSON.stringify(items), key, entry.until)
    l1.set(slot, answer)
    return answer
  }
  const answerOf = (tenantId: string, meta: ServedMeta, items: Recommendation[], itemsJson: string, key: string, until: number): CachedAnswer => ({
    // Every answer kept was worked out fresh (a stale one is never kept): one shape for all.
    strategy: meta.strategy, padded: meta.padded, modelVersion: meta.modelVersion, cached: true, experiment: meta.experiment,
    itemsJson, positions: Int32Array.from(items, (r) => d.store.indexOf(tenantId, r.productId) ?? -1), key, until,
  })
  // Running experiments per tenant, briefly cached; changes anywhere are broadcast.
  const running = new Map<string, { list: RunningExperiment[]; until: number }>()
  d.cache.subscribe(EXPERIMENTS_CHANNEL, (tenantId) => running.delete(tenantId))
  // One runs per placement; a placement-less experiment covers every placement.
  const pick = (list: RunningExperiment[], placement: string | undefined) =>
    list.find((e) => placement !== undefined && e.placement === placement) ?? list.find((e) => e.placement === null)
  /** Without a promise while the tenant's list is cached. */
  function experimentFor(tenantId: string, placement: string | undefined): RunningExperiment | undefined | Promise<RunningExperiment | undefined> {
    const hit = running.get(tenantId)
    if (hit && hit.until >= Date.now()) return pick(hit.list, placement)
    return runningExperiments(d.raw, tenantId).then((list) => {
      running.set(tenantId, { list, until: Date.now() + EXPERIMENTS_TTL_MS })
      return pick(list, placement)
    })
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

  // Shared entries are written behind, a batch at a time: one pipelined write per
  // batch instead of one per computed answer (under load, the socket write costs
  // more than working out the answer). What is still waiting is read from here.
  const unwritten = new Map<string, string>()
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (flushTimer) { clearTimeout(flushTimer); flushTimer = undefined }
    if (!unwritten.size) return Promise.resolve()
    const batch = [...unwritten].map(([slot, entry]) => [slotKey(slot), entry] as const)
    unwritten.clear()
    // The cache falls back by itself on errors; a lost entry is a later miss, nothing more.
    return d.cache.setMany(batch, SHARED_ANSWER_TTL_MS).catch(() => {})
  }
  const writeShared = (slot: string, entry: string) => {
    unwritten.set(slot, entry)
    if (unwritten.size >= WRITE_BATCH_MAX) void flush()
    else flushTimer ??= setTimeout(flush, WRITE_BEHIND_MS)
  }
  /** The last answer kept for this slot, if the shared table still holds that one (not another slot's). */
  const lastShared = async (slot: string): Promise<SharedEntry | undefined> => {
    const json = unwritten.get(slot) ?? await d.cache.get(slotKey(slot))
    const entry = json ? JSON.parse(json) as SharedEntry : undefined
    return entry?.slot === slot ? entry : undefined
  }

  const commonSlot = (tenantId: string, params: string) => `recp:${tenantId}:${params}`
  /**
   * The answer every shopper shares for this request and model (worked out for
   * nobody in particular on a miss), as served: a hit is the same view each time.
   * Its positions say whether a shopper's purchases rule it out for them.
   */
  function commonAnswer(tenantId: string, config: TenantConfig, q: RecommendQuery, strategy: StrategyName, params: string, model: TenantModel, experiment: Served['experiment']): { served: Served; positions: Int32Array } {
    const slot = commonSlot(tenantId, params)
    const hit = common.get(slot)
    if (hit && hit.key === model.version && hit.until > Date.now()) return { served: servedFrom(hit, model), positions: hit.positions }
    const result = recommend(model, emptyUser, engineRequest(config, q, strategy), d.kernels)
    // In the shared cache for the stale path only (an instance restarted while the database is down).
    return keep(common, tenantId, slot, model.version, { strategy: result.strategy, padded: result.padded, modelVersion: model.version, cached: false, experiment }, result.items)
  }

  /**
   * A fresh answer kept in `level` (and written behind to the shared cache) under `key`,
   * its list serialised once for both and for the route; returned as served.
   */
  function keep(level: BoundedMap<string, CachedAnswer>, tenantId: string, slot: string, key: string, meta: ServedMeta, items: Recommendation[]): { served: Served; positions: Int32Array } {
    const itemsJson = JSON.stringify(items)
    const until = Date.now() + RESULT_TTL_MS
    const answer = answerOf(tenantId, meta, items, itemsJson, key, until)
    level.set(slot, answer)
    writeShared(slot, sharedEntry(slot, key, until, itemsJson, meta)) // the answer does not wait for the write
    return { served: { ...meta, items, itemsJson }, positions: answer.positions }
  }

  /** The list without items that became unavailable since the answer was cached (positions are in the model the key names); undefined when none did. */
  function withoutGone(answer: CachedAnswer, model: { items: { available: boolean }[] }): Recommendation[] | undefined {
    const gone = (i: number) => i >= 0 && !model.items[i]!.available
    let any = false
    for (let k = 0; k < answer.positions.length && !any; k++) any = gone(answer.positions[k]!)
    if (!any) return undefined
    return (JSON.parse(answer.itemsJson) as Recommendation[]).filter((_, k) => !gone(answer.positions[k]!))
  }

  /**
   * A cached answer as served: the answer itself (its slot fixes the experiment arm too),
   * so the route can keep its serialised body; a new list if items went unavailable.
   */
  function servedFrom(answer: CachedAnswer, model: TenantModel): Served {
    const items = withoutGone(answer, model)
    if (!items) return answer
    const { strategy, padded, modelVersion, experiment } = answer
    return { strategy, padded, modelVersion, cached: true, experiment, items }
  }

  const engineRequest = (config: TenantConfig, q: RecommendQuery, strategy: StrategyName): RecommendRequest => ({
    strategy, limit: q.limit, productId: q.productId, context: q.context, excludePurchased: config.excludePurchased,
    eventWeights: config.recommendations.eventWeights, intentHalfLifeDays: config.recommendations.intentHalfLifeDays,
  })

  /** A SharedEntry's text, assembled around the list's JSON (serialised once, for the route too). */
  const sharedEntry = (slot: string, key: string, until: number, itemsJson: string, meta: ServedMeta) =>
    `{"slot":${JSON.stringify(slot)},"key":${JSON.stringify(key)},"until":${until},"served":{"items":${itemsJson},${JSON.stringify(meta).slice(1)}}`

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
        const found = experimentFor(tenantId, q.placement)
        const e = found instanceof Promise ? await found.catch(() => undefined) : found
        if (e) {
          const arm = assign(d.kernels, e.id, q.userId, e.traffic_split)
          experiment = { id: e.id, variant: arm }
          strategy = (arm === 'variant' ? e.variant : e.control) as StrategyName
          expose(tenantId, e.id, q.userId, arm)
        }
      }
      const params = [strategy, q.productId ?? '', q.context ?? '', q.limit, config.excludePurchased ? 1 : 0, experiment ? `${experiment.id}:${experiment.variant}` : ''].join('|')
      // One shared entry per shopper and request: the latest answer and the exact key it answers.
      const slot = `rec:${tenantId}:${q.userId}:${params}`
      let profile: UserProfile | undefined
      let stale = false
      let model
      try {
        const m = d.store.get(tenantId) // the model in memory when the database fails
        model = m instanceof Promise ? await m : m
      } catch (error) {
        d.log.warn('recommendations: no model in memory and the database is unreachable', { tenantId, error })
      }
      try {
        const p = d.profiles.get(tenantId, q.userId)
        profile = p instanceof Promise ? await p : p
      } catch (error) {
        // Stale beats empty: the last answer to this request, else the model in memory for an unknown shopper.
        d.log.warn('recommendations: profile unreadable, serving degraded', { tenantId, error })
        const last = await lastShared(slot) ?? await lastShared(commonSlot(tenantId, params))
        if (last) return { ...last.served, cached: true, stale: true, experiment }
        if (!model) throw new ServiceUnavailable('Recommendations are temporarily unavailable; retry shortly', 5)
        stale = true
      }
      if (!model) {
        // No model yet (a new tenant), or none reachable: ask for one and answer honestly with nothing.
        await requestBuild(d.raw, tenantId).catch(() => {})
        d.onBuildRequested()
        return { items: [], strategy: 'trending_fallback', padded: 0, modelVersion: null, cached: false, experiment }
      }
      // A profile is in the engine's shape already (its event types checked when stored), and the
      // same object while cached: what the engine memoises per shopper lasts as long as it does.
      const user: UserState = profile ? (profile as UserState) : emptyUser
      if (!stale && sameForEveryShopper(strategy, q.productId, user)) {
        const served = commonAnswer(tenantId, config, q, strategy, params, model, experiment)
        if (fitsShopper(model, user, config.excludePurchased, served.positions)) return served.served
        // This shopper bought one of its items: their own answer, worked out and cached below.
      }
      const key = `${profile?.eventCount ?? 0}:${model.version}`
      const cached = stale ? undefined : getCached(tenantId, key, slot, drawsOnHistory(strategy, q.productId))
      const hit = cached instanceof Promise ? await cached : cached
      if (hit) return servedFrom(hit, model)
      const result = recommend(model, user, engineRequest(config, q, strategy), d.kernels)
      const meta: ServedMeta = { strategy: result.strategy, padded: result.padded, modelVersion: model.version, cached: false, experiment }
      if (stale) return { ...meta, items: result.items, stale: true }
      return keep(l1, tenantId, slot, key, meta, result.items).served
    },

    /** Writes the shared entries still waiting (at shutdown). */
    flush,

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
