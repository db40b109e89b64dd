// Serving recommendations: the tenant's model (memory, shared via the
// database), the shopper's profile (kept at ingestion, so events from seconds
// ago count), a running experiment's arm, the pure engine, and the answer
// cache. When the database is unreachable, the last answer for the same
// request is served (stale beats empty).
import type { RawSql } from '../../../db/client.ts'
import { modelStatus, requestBuild } from '../../../db/queries/models.ts'
import type { UserProfile } from '../../../db/queries/profiles.ts'
import type { Cache } from '../../infra/cache/index.ts'
import { BadRequest, ServiceUnavailable } from '../../errors.ts'
import { sha256Hex } from '../../infra/crypto.ts'
import type { Kernels } from '../../kernels/load.ts'
import type { Logger } from '../../logger.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'
import { pageOf } from '../../engine/page-context.ts'
import { drawsOnHistory, fitsShopper, recommend, sameForEveryShopper } from '../../engine/recommend.ts'
import type { RecommendRequest, RecommendResult, StrategyName, TenantModel, UserState } from '../../engine/types.ts'
import { EMPTY_RULE_BOOK, rulesFor, rulesKey, skipReason, type RuleBook } from '../../engine/rules/select.ts'
import type { ServingRule } from '../../engine/rules/rule.ts'
import type { RulesTrace } from '../../engine/rules/trace.ts'
import { LOADING, type ModelStore } from '../../models/store.ts'
import type { ModelEvaluation } from '../../engine/tune.ts'
import { createExperimentServing } from '../experiments/serving.ts'
import type { ProfileCache } from '../profiles/cache.ts'
import type { TenantConfig } from '../tenants/config.ts'
import { createAnswerCache, type Served, type ServedMeta } from './answer-cache.ts'
import { createLiveSignals } from './live-signals.ts'
import type { SegmentService } from '../segments/service.ts'
import { newArrivalsBeforeModel } from './new-arrivals.ts'

export type { Served } from './answer-cache.ts'
export interface RecommendQuery {
  userId: string; productId?: string; context?: RecommendRequest['context']; placement?: string; limit: number; strategy?: StrategyName
  /** Comma-separated, as the query carries it (the route's schema bounds it). */
  cartProductIds?: string
}
export interface RecommendationDeps {
  raw: RawSql; store: ModelStore; profiles: ProfileCache; cache: Cache; kernels: Kernels; clock: () => Date; log: Logger; onBuildRequested: () => void
  /** The tenant's merchandising rules (modules/rules). */
  rules: { bookFor(tenantId: string): InMemoryFirst<RuleBook> }
  /** Which segments a shopper is in, from the profile and model serving holds already. */
  segments: Pick<SegmentService, 'membership'>
}
/** An explained answer: the list as served, and what the rules saw and did. */
export type Explained = Served & { trace: RulesTrace }

const emptyUser: UserState = { recent: [], purchased: [], eventCount: 0 }

/** The tenant's own intent half-life, or, left to "auto", the one its model chose (the engine's default before any did). */
const intentHalfLifeOf = (config: TenantConfig, model: TenantModel): number | undefined => {
  const set = config.recommendations.intentHalfLifeDays
  return typeof set === 'number' ? set : model.settings?.intentHalfLifeDays
}

/** Shoppers erased: every instance forgets what it holds of them in memory. */
const FORGET_CHANNEL = 'shoppers:forget'

export function createRecommendationService(d: RecommendationDeps) {
  const answers = createAnswerCache(d)
  const experiments = createExperimentServing(d)
  d.cache.subscribe(FORGET_CHANNEL, (msg) => {
    try {
      const { tenantId, userId } = JSON.parse(msg) as { tenantId: string; userId: string }
      answers.forgetShopperHere(tenantId, userId)
      experiments.forgetShopperHere(tenantId, userId)
    } catch { /* not ours */ }
  })
  const beforeFirstModel = newArrivalsBeforeModel({
    raw: d.raw, clock: d.clock,
    onRead: (tenantId) => requestBuild(d.raw, tenantId).then(d.onBuildRequested, () => {}),
  })
  // A tenant whose model is loading into this process has one already: no build is asked for.
  const whileLoading = newArrivalsBeforeModel({ raw: d.raw, clock: d.clock })
  const live = createLiveSignals({ live: d.cache.live, clock: d.clock, log: d.log })
  d.store.onEvicted((tenantId) => live.forget(tenantId))
  const engineRequest = (config: TenantConfig, q: RecommendQuery, strategy: StrategyName, cart: readonly string[] | undefined, model: TenantModel,
    segments?: readonly string[], rules?: readonly ServingRule[]): RecommendRequest => ({
    strategy, limit: q.limit, productId: q.productId, context: q.context, cartProductIds: cart, excludePurchased: config.excludePurchased,
    eventWeights: config.recommendations.eventWeights, intentHalfLifeDays: intentHalfLifeOf(config, model),
    ...(segments ? { segments } : {}), ...(rules?.length ? { rules } : {}),
  })
  /** The tenant's rule book; unreadable (the database down, nothing cached), no rules: an answer beats none. */
  const bookOf = (tenantId: string): InMemoryFirst<RuleBook> => {
    const book = d.rules.bookFor(tenantId)
    return book instanceof Promise ? book.catch((error) => { d.log.warn('recommendations: rules unreadable, serving without them', { tenantId, error }); return EMPTY_RULE_BOOK }) : book
  }
  /**
   * The shopper's segments, worked out only for a tenant whose segment strategies (or a segment-scoped experiment)
   * read them: from the profile and model serving reads anyway (both cached, so asking for them first costs no
   * second read). Undefined when they cannot be read: no segment strategy applies then.
   */
  const shopperSegments = async (tenantId: string, userId: string): Promise<string[] | undefined> => {
    try {
      let model = d.store.get(tenantId)
      if (model instanceof Promise) model = await model
      let profile = d.profiles.get(tenantId, userId)
      if (profile instanceof Promise) profile = await profile
      const found = d.segments.membership(tenantId, profile, model)
      return found instanceof Promise ? await found : found
    } catch {
      return undefined
    }
  }

  return {
    /** An experiment of this tenant changed: forget it on every instance. */
    experimentsChanged: experiments.changed,

    /** The tenant's rules and running experiments read into memory ahead of its first request (the start-up warm-up). */
    async prime(tenantId: string): Promise<void> { await Promise.all([bookOf(tenantId), experiments.prime(tenantId)]) },

    async recommend(tenantId: string, config: TenantConfig, q: RecommendQuery): Promise<Served> {
      const cart = cartIdsOf(q)
      const page = { productId: q.productId, context: q.context, cartProductIds: cart }
      const context = pageOf(page)
      // What this request reads of the tenant and the shopper, asked for at once: each is a map read when in memory,
      // and a cold tenant's reads then go to the database together instead of one after another.
      const earlyBook = bookOf(tenantId), earlyModel = d.store.serving(tenantId), earlyProfile = d.profiles.get(tenantId, q.userId)
      for (const p of [earlyBook, earlyModel, earlyProfile]) if (p instanceof Promise) p.catch(() => {}) // awaited, and handled, below
      // An explicit strategy wins; otherwise a running experiment for this placement picks the arm's strategy
      // (a segment-scoped one enrols only the segment's shoppers); then the first segment strategy that matches.
      let segments: string[] | undefined
      const segmentsOnce = async () => (segments ??= await shopperSegments(tenantId, q.userId))
      let strategy: StrategyName = q.strategy ?? (q.placement ? config.placementStrategies[q.placement] : undefined) ?? config.defaultStrategy
      const arm = q.strategy ? undefined : await experiments.arm(tenantId, q.placement, q.userId, async (segment) => (await segmentsOnce())?.includes(segment) ?? false)
      const experiment = arm?.experiment
      if (arm) strategy = arm.strategy
      let segment: string | undefined
      if (!q.strategy && !arm && config.segmentStrategies.length) {
        const mine = await segmentsOnce()
        const chosen = mine && config.segmentStrategies.find((s) => (s.placement === undefined || s.placement === q.placement) && mine.includes(s.segment))
        if (chosen) { strategy = chosen.strategy; segment = chosen.segment }
      }
      let cartPart = cartKey(cart)
      if (cartPart instanceof Promise) cartPart = await cartPart
      let book = earlyBook
      if (book instanceof Promise) book = await book
      // A rule that reads segments (its scope, or $user.segment) needs the shopper's.
      if (book.readsUserSegment || book.segments.size > 0) await segmentsOnce()
      // Answers key on the rules too: their version, the schedule window now is in, the segments they read (rules/select.ts).
      const now = d.clock().getTime()
      const rules = book.rules.length ? rulesFor(book, now, { placement: q.placement, segments, strategy, context }) : undefined
      const rulesPart = book.rules.length ? `|${rulesKey(book, now, segments)}|${q.placement ?? ''}` : ''
      const params = [strategy, q.productId ?? '', context, cartPart, q.limit, config.excludePurchased ? 1 : 0, experiment ? `${experiment.id}:${experiment.variant}` : '', segment ?? ''].join('|') + rulesPart
      // One shared entry per shopper and request: the latest answer and the exact key it answers.
      const slot = `rec:${tenantId}:${q.userId}:${params}`
      let profile: UserProfile | undefined
      let stale = false
      let model: TenantModel | undefined
      let modelLoading = false
      try {
        // The model in memory when the database fails; one not in memory yet is waited for briefly, then served from the fallbacks while it loads.
        const found = await earlyModel
        if (found === LOADING) modelLoading = true
        else model = found
      } catch (error) {
        d.log.warn('recommendations: no model in memory and the database is unreachable', { tenantId, error })
      }
      try {
        profile = await earlyProfile
      } catch (error) {
        // Stale beats empty: the last answer to this request, else the model in memory for an unknown shopper.
        d.log.warn('recommendations: profile unreadable, serving degraded', { tenantId, error })
        const last = await answers.last(slot) ?? await answers.last(answers.commonSlot(tenantId, params))
        if (last) return { ...last.served, cached: true, stale: true, experiment, segment }
        if (!model) throw new ServiceUnavailable('Recommendations are temporarily unavailable; retry shortly', 5)
        stale = true
      }
      // A profile is in the engine's shape already, and the same object while cached:
      // what the engine memoises per shopper lasts as long as it does.
      const user: UserState = profile ? (profile as UserState) : emptyUser
      if (!model) {
        // No model yet (a new tenant), or none reachable: the newest products of the catalog (a build is asked for
        // as they are read), or honestly nothing when there is no catalog either. A model still loading here: the same list, no build.
        const arrivals = await (modelLoading ? whileLoading : beforeFirstModel).model(tenantId).catch(() => undefined)
        const result = arrivals && recommend(arrivals, user, engineRequest(config, q, 'trending', cart, arrivals), d.kernels)
        return { items: result?.items ?? [], strategy: result?.strategy ?? 'trending_fallback', padded: 0, context, modelVersion: null, cached: false, experiment, segment, ...(modelLoading ? { modelLoading } : {}) }
      }
      // Trending and popularity as of now; a product's co-purchases since the build.
      let view = live.view(tenantId, model, config)
      if (view instanceof Promise) view = await view
      let partners = strategy === 'frequently_bought_together' && q.productId !== undefined ? live.partners(tenantId, model, view, q.productId) : undefined
      if (partners instanceof Promise) partners = await partners
      const signals = { signals: view.signals, partners }
      // The live signals' version, for answers that read them: they hold only while it does.
      const usedLive = (r: RecommendResult) =>
        r.strategy !== strategy || r.padded > 0 || strategy === 'trending' || strategy === 'frequently_bought_together' ? view.version : undefined
      if (!stale && sameForEveryShopper(strategy, page, user)) {
        const commonSlot = answers.commonSlot(tenantId, params)
        let shared = answers.common(commonSlot, model, view.version)
        if (!shared) {
          const result = recommend(model, emptyUser, engineRequest(config, q, strategy, cart, model, segments, rules), d.kernels, signals)
          shared = answers.keepCommon(tenantId, commonSlot, model, usedLive(result), { strategy: result.strategy, padded: result.padded, context: result.context, modelVersion: model.version, cached: false, experiment, segment }, result.items)
        }
        if (fitsShopper(model, user, config.excludePurchased, shared.positions)) return shared.served
        // This shopper bought one of its items: their own answer, worked out and cached below.
      }
      const key = `${profile?.eventCount ?? 0}:${model.version}`
      const hit = stale ? undefined : await answers.get(tenantId, key, slot, drawsOnHistory(strategy, page), model, view.version)
      if (hit) return hit
      const result = recommend(model, user, engineRequest(config, q, strategy, cart, model, segments, rules), d.kernels, signals)
      const meta: ServedMeta = { strategy: result.strategy, padded: result.padded, context: result.context, modelVersion: model.version, cached: false, experiment, segment }
      if (stale) return { ...meta, items: result.items, stale: true }
      return answers.keep(tenantId, slot, key, usedLive(result), meta, result.items)
    },

    /**
     * An answer with the rules' trace (explain=true): worked out afresh, never from or into the answer
     * cache, and outside experiments (no exposure is recorded): the placement's or tenant's strategy.
     */
    async explain(tenantId: string, config: TenantConfig, q: RecommendQuery): Promise<Explained> {
      const cart = cartIdsOf(q)
      const context = pageOf({ productId: q.productId, context: q.context, cartProductIds: cart })
      const strategy: StrategyName = q.strategy ?? (q.placement ? config.placementStrategies[q.placement] : undefined) ?? config.defaultStrategy
      const [model, profile, book] = await Promise.all([d.store.get(tenantId), d.profiles.get(tenantId, q.userId), bookOf(tenantId)])
      const user: UserState = profile ? (profile as UserState) : emptyUser
      const now = d.clock().getTime()
      const segments = book.readsUserSegment || book.segments.size > 0 ? await shopperSegments(tenantId, q.userId) : undefined
      const ruleRequest = { placement: q.placement, segments, strategy, context }
      const rules = rulesFor(book, now, ruleRequest)
      const listed = book.rules.map((r) => {
        const skipped = skipReason(r, now, ruleRequest)
        return { id: r.id, name: r.name, action: r.action, applied: skipped === undefined, ...(skipped ? { skipped } : {}) }
      })
      const emptyTrace = (items: { productId: string }[]): RulesTrace => ({
        rules: listed, hardExclusions: { contextProduct: q.productId ?? null, cart: cart?.length ?? 0, purchased: 0, unavailable: 0 },
        candidates: [], before: items.map((x) => x.productId), steps: [],
      })
      if (!model) {
        const served = await this.recommend(tenantId, config, { ...q, strategy })
        return { ...served, cached: false, trace: emptyTrace(served.items ?? []) }
      }
      let view = live.view(tenantId, model, config)
      if (view instanceof Promise) view = await view
      let partners = strategy === 'frequently_bought_together' && q.productId !== undefined ? live.partners(tenantId, model, view, q.productId) : undefined
      if (partners instanceof Promise) partners = await partners
      const result = recommend(model, user, { ...engineRequest(config, q, strategy, cart, model, segments, rules), explain: true }, d.kernels, { signals: view.signals, partners })
      const trace = result.trace ? { ...result.trace, rules: listed } : emptyTrace(result.items)
      return { items: result.items, strategy: result.strategy, padded: result.padded, context: result.context, modelVersion: model.version, cached: false, trace }
    },

    /** Reads these shoppers' profiles ahead of their requests, a few queries for all (a campaign batch's shoppers). */
    warmShoppers: (tenantId: string, userIds: readonly string[]) => d.profiles.warm(tenantId, userIds),

    /** Writes the shared entries still waiting (at shutdown). */
    flush: answers.flush,

    /**
     * Forgets an erased shopper: their answers and exposures in memory here and (by broadcast) on every
     * instance, and their answers in the shared cache. Call once their stored profile is gone, so that
     * what is worked out next for them is a cold start.
     */
    async forgetShopper(tenantId: string, userId: string) {
      answers.forgetShopperHere(tenantId, userId)
      experiments.forgetShopperHere(tenantId, userId)
      await d.cache.publish(FORGET_CHANNEL, JSON.stringify({ tenantId, userId })).catch(() => {})
      await answers.forgetShopperShared(tenantId, userId)
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
      const { evaluation = null, ...stats } = (row?.stats as ({ evaluation?: ModelEvaluation | null } & Record<string, unknown>) | null) ?? {}
      return { status, version: row?.version ?? null, builtAt: builtAt?.toISOString() ?? null, stats: row?.stats ? stats : null, lastError: row?.last_error ?? null, evaluation }
    },
  }
}
export type RecommendationService = ReturnType<typeof createRecommendationService>

/**
 * The cart in the answer cache's keys, so two carts never share an answer: its ids as they
 * are (sorted: the answer does not depend on their order), or their digest when long. Up
 * to 12.8 KB of ids in each of the 70,000 keys in memory would be a tenant's way to
 * spend gigabytes; a digest is 64 characters.
 */
/** A promise only for a long cart (its digest): most requests name no cart and take no extra turn. */
function cartKey(cart: readonly string[] | undefined): InMemoryFirst<string> {
  if (cart === undefined) return ''
  const ids = cart.join(',')
  return ids.length <= CART_KEY_INLINE ? `=${ids}` : sha256Hex(ids).then((digest) => `#${digest}`)
}
const CART_KEY_INLINE = 256

/**
 * The cart's ids, distinct and sorted, or undefined when the request names none. They
 * belong to a cart page only: with another context they are a contradiction, refused.
 */
function cartIdsOf(q: RecommendQuery): string[] | undefined {
  if (q.cartProductIds === undefined) return undefined
  if (q.context !== undefined && q.context !== 'cart_page') throw new BadRequest(`cartProductIds describe a cart page; context is ${q.context}`)
  return [...new Set(q.cartProductIds.split(','))].sort()
}
