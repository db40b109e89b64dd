// Serving: one request against one built model, pure (no I/O, no clock).
// Runs the asked-for strategy, or its fallback on cold start; pads a short list from the
// fallback; and applies the rules every answer keeps: never an unavailable item, the
// context product, the cart or (if asked) a purchased one, no duplicates, at most `limit`, scores
// in [0, 1] non-increasing, a reason for each.
import type { Kernels } from '../kernels/load.ts'
import { blockedMask } from './memo.ts'
import { cartFromProfile, type PageRequest, pageOf } from './page-context.ts'
import { COLD_START_EVENTS, type PlanContext, planFor } from './plan.ts'
import { modelSignals, type Signals } from './signals.ts'
import { cartOf } from './strategies/cart.ts'
import { fallbackCandidates } from './strategies/fallback.ts'
import { boughtAnyOf, purchasedIndexes } from './strategies/history.ts'
import { modelIndex, unavailableOf } from './strategies/model-index.ts'
import { type Candidate, chainScores } from './strategies/ranking.ts'
import type { RecommendRequest, RecommendResult, Recommendation, StrategyName, TenantModel, UserState } from './types.ts'
import { applyRules, type Entry, type TraceStep } from './rules/apply.ts'
import { requestParams } from './rules/rule.ts'
import type { RulesTrace } from './rules/trace.ts'

/**
 * Whether an answer is worked out from the shopper's history (the expensive kind: a
 * walk over their recent items); the others read per-model lists (trending, a
 * product's partners or memoised neighbours) and cost a few microseconds.
 */
export const drawsOnHistory = (strategy: StrategyName, req: PageRequest): boolean =>
  cartFromProfile(req) || planFor(strategy, pageOf(req)).drawsOnHistory(req.productId)

/**
 * Whether the answer is the same for every shopper but for the purchases it leaves out:
 * strategies that read per-model lists, and a history strategy that falls back on cold
 * start. Each list is ranked first and filtered after, so an answer worked out for nobody
 * in particular (no purchases) is exactly this shopper's answer when it holds nothing they
 * bought (`fitsShopper`); product pages then share one answer among all their visitors.
 * (Pinned by the tests. One rare exception: above 10,000 items, when more than 256 − limit
 * of a product's 256 nearest neighbours are unavailable, content search probes the
 * approximate index with the shopper's exclusions and may reach further clusters; the
 * shared answer is then the approximate one without them, equally valid.)
 */
export const sameForEveryShopper = (strategy: StrategyName, req: PageRequest, user: UserState): boolean =>
  !drawsOnHistory(strategy, req) || (user.eventCount < COLD_START_EVENTS && !cartFromProfile(req)) // a cold shopper's cart is theirs still

/** Whether an answer worked out for nobody in particular is this shopper's too (see sameForEveryShopper); `positions`: its items' catalog indexes. */
export function fitsShopper(model: TenantModel, user: UserState, excludePurchased: boolean, positions: ArrayLike<number>): boolean {
  return !excludePurchased || !boughtAnyOf(modelIndex(model).byId, user, positions)
}

/** What serving knows of the last seconds: trending and popularity as of now, and the context product's latest co-purchases by product id. */
export interface Live { signals: Signals; partners?: ReadonlyMap<string, number> }


export function recommend(model: TenantModel, user: UserState, req: RecommendRequest, kernels?: Kernels, live?: Live): RecommendResult {
  const limit = Number.isFinite(req.limit) ? Math.max(0, Math.floor(req.limit)) : 0
  const context = pageOf(req)
  if (limit === 0) return { items: [], strategy: req.strategy, padded: 0, context }
  const index = modelIndex(model)
  const product = req.productId === undefined ? undefined : index.byId.get(req.productId)
  // Availability is kept per model (a caller that changes it in place calls availabilityChanged).
  const blocked = blockedMask(unavailableOf(model))
  if (product !== undefined) blocked[product] = 1
  if (req.excludePurchased) for (const i of purchasedIndexes(index.byId, user)) blocked[i] = 1
  const cart = context === 'cart_page' ? cartIndexes(index.byId, req.cartProductIds ?? cartOf(user), product) : []
  for (const i of cart) blocked[i] = 1
  const signals = live?.signals ?? modelSignals(model, index)
  const partners = live?.partners?.size && product !== undefined ? byIndex(index.byId, live.partners) : undefined
  const rules = req.rules ?? []
  // Rules that remove or reorder items rank from a deeper list than they show.
  const depth = rules.some((r) => r.action !== 'pin') ? poolDepth(limit) : limit
  const c: PlanContext = { model, index, user, req, product, cart, blocked, limit: depth, kernels, signals, partners }
  const plan = planFor(req.strategy, context)

  const found = plan.candidates(c)
  if (found === 'fallback' || found.length === 0) {
    const fallback = fallbackCandidates(model, index, signals, product, blocked, depth)
    const ranked = chainScores(fallback.segments)
    if (rules.length === 0) return { items: ranked.map((x) => toRecommendation(model, x)), strategy: fallback.name, padded: 0, context }
    const served = withRules(model, user, req, product, cart, blocked, signals, limit, ranked.map((x) => ({ ...x, source: 'fallback' as const })))
    return { items: served.items, strategy: fallback.name, padded: 0, context, ...(served.trace ? { trace: served.trace } : {}) }
  }
  for (const x of found) blocked[x.index] = 1
  const pads = found.length < depth ? fallbackCandidates(model, index, signals, product, blocked, depth - found.length).segments : []
  const ranked = chainScores([found, ...pads])
  const why = ranked.length > found.length ? plan.shortfall(c) : ''
  const withWhy = (x: Candidate, k: number): Candidate => k < found.length ? x : { ...x, reason: `${x.reason} (added because ${why})` }
  if (rules.length === 0) {
    return { items: ranked.map((x, k) => toRecommendation(model, withWhy(x, k))), strategy: req.strategy, padded: ranked.length - found.length, context }
  }
  const pool = ranked.map((x, k) => ({ ...withWhy(x, k), source: k < found.length ? 'strategy' as const : 'fallback' as const }))
  const served = withRules(model, user, req, product, cart, blocked, signals, limit, pool)
  return { items: served.items, strategy: req.strategy, padded: served.padded, context, ...(served.trace ? { trace: served.trace } : {}) }
}

/** How deep a list rules rank from: enough that a few filtered or capped items are replaced without a refill. */
export const poolDepth = (limit: number) => Math.min(limit * 3, limit + 40)

/**
 * The rules' part of serving (rules/apply.ts): the request's rules over the ranked pool,
 * refilled from the fallback chain (which ends in the whole catalog, newest first) when
 * filters leave it short. `blocked` holds every hard exclusion and every item already in the pool.
 */
function withRules(model: TenantModel, user: UserState, req: RecommendRequest, product: number | undefined, cart: readonly number[], blocked: Uint8Array,
  signals: Signals, limit: number, pool: Entry[]): { items: Recommendation[]; padded: number; trace?: RulesTrace } {
  const index = modelIndex(model)
  // Asked of pinned items only: the shopper's purchases as the memoised set, not a new one per answer.
  const hardExcluded = (i: number) => !model.items[i]!.available || i === product || cart.includes(i) || (req.excludePurchased && boughtAnyOf(index.byId, user, [i]))
  const considered: Entry[] | undefined = req.explain ? pool.map((e) => ({ ...e })) : undefined
  let floor = pool.length ? pool[pool.length - 1]!.score : 1
  const more = (n: number): Entry[] => {
    const segments = fallbackCandidates(model, index, signals, product, blocked, n).segments
    const out: Entry[] = []
    // Ranked below everything before it, each fallback segment under the last.
    for (const segment of segments) {
      const top = segment[0]!.score
      const ceiling = floor / 2
      for (const x of segment) out.push({ index: x.index, score: top > 0 ? (ceiling * x.score) / top : 0, reason: `${x.reason} (added because too few items passed the merchandising rules)`, source: 'refill' })
      floor = out[out.length - 1]!.score
    }
    if (considered) considered.push(...out.map((e) => ({ ...e })))
    return out
  }
  const trace: TraceStep[] | undefined = req.explain ? [] : undefined
  const productItem = product === undefined ? undefined : model.items[product]
  const out = applyRules({
    rules: req.rules!, pool, limit, items: model.items, byId: index.byId,
    hardExcluded,
    more, params: requestParams(req.productId, productItem, req.segments), trace,
  })
  const items = out.items.map((e) => {
    const r = toRecommendation(model, e)
    return e.rules ? { ...r, rules: e.rules } : r
  })
  const padded = out.items.filter((e) => e.source !== 'strategy').length
  if (!considered) return { items, padded }
  let unavailable = 0
  for (const item of model.items) if (!item.available) unavailable++
  return {
    items, padded,
    trace: {
      rules: [],
      hardExclusions: { contextProduct: req.productId ?? null, cart: cart.filter((i) => i !== product).length, purchased: req.excludePurchased ? purchasedIndexes(index.byId, user).length : 0, unavailable },
      candidates: considered.map((e) => ({ productId: model.items[e.index]!.productId, score: Math.round(e.score * 1e4) / 1e4, reason: e.reason, source: e.source })),
      before: considered.slice(0, limit).map((e) => model.items[e.index]!.productId),
      steps: trace!,
    },
  }
}

function byIndex(byId: ReadonlyMap<string, number>, counts: ReadonlyMap<string, number>): Map<number, number> {
  const out = new Map<number, number>()
  for (const [productId, n] of counts) { const i = byId.get(productId); if (i !== undefined) out.set(i, n) }
  return out
}

/** The cart's items the model knows, with the product in view (on a cart page, one of them), ascending and distinct. */
function cartIndexes(byId: ReadonlyMap<string, number>, ids: readonly string[], product: number | undefined): number[] {
  const out = new Set<number>()
  for (const id of ids) { const i = byId.get(id); if (i !== undefined) out.add(i) }
  if (product !== undefined) out.add(product)
  return [...out].sort((a, b) => a - b)
}

function toRecommendation(model: TenantModel, c: Candidate): Recommendation {
  const item = model.items[c.index]!
  return {
    productId: item.productId,
    name: item.name,
    imageUrl: item.imageUrl,
    price: item.price,
    url: item.url,
    // Four decimals: rounding is monotone, so the order's scores stay non-increasing.
    score: Math.round(c.score * 1e4) / 1e4,
    reason: c.reason,
  }
}
