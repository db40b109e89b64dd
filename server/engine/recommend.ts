// Serving: one request against one built model, pure (no I/O, no clock).
// Runs the asked-for strategy, or its fallback on cold start; pads a short list from the
// fallback; and applies the rules every answer keeps: never an unavailable item, the
// context product or (if asked) a purchased one, no duplicates, at most `limit`, scores
// in [0, 1] non-increasing, a reason for each.
import type { Kernels } from '../kernels/load.ts'
import { collaborativeCandidates } from './strategies/collaborative.ts'
import { similarToHistory, similarToItem } from './strategies/content-based.ts'
import { fallbackCandidates } from './strategies/fallback.ts'
import { boughtWithCandidates } from './strategies/frequently-bought-together.ts'
import { boughtAnyOf, historyOf, purchasedIndexes } from './strategies/history.ts'
import { type ModelIndex, modelIndex, unavailableOf } from './strategies/model-index.ts'
import { type Candidate, chainScores } from './strategies/ranking.ts'
import { trendingCandidates } from './strategies/trending.ts'
import type { RecommendRequest, RecommendResult, Recommendation, StrategyName, TenantModel, UserState } from './types.ts'

/** Fewer events than this and a shopper has no history worth personalising on (FR-032). */
const COLD_START_EVENTS = 5

/**
 * Whether an answer is worked out from the shopper's history (the expensive kind: a
 * walk over their recent items); the others read per-model lists (trending, a
 * product's partners or memoised neighbours) and cost a few microseconds.
 */
export const drawsOnHistory = (strategy: StrategyName, productId: string | undefined): boolean =>
  strategy === 'collaborative' || (strategy === 'content_based' && productId === undefined)

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
export const sameForEveryShopper = (strategy: StrategyName, productId: string | undefined, user: UserState): boolean =>
  !drawsOnHistory(strategy, productId) || user.eventCount < COLD_START_EVENTS

/** Whether an answer worked out for nobody in particular is this shopper's too (see sameForEveryShopper); `positions`: its items' catalog indexes. */
export function fitsShopper(model: TenantModel, user: UserState, excludePurchased: boolean, positions: ArrayLike<number>): boolean {
  return !excludePurchased || !boughtAnyOf(modelIndex(model).byId, user, positions)
}

interface Context {
  model: TenantModel
  index: ModelIndex
  user: UserState
  req: RecommendRequest
  /** The context product's index, when the model knows it. */
  product: number | undefined
  /** Items no list may hold (unavailable, the context product, purchased, already chosen). */
  blocked: Uint8Array
  limit: number
  kernels: Kernels | undefined
}

/** 'fallback': the strategy cannot run for this request (cold start, or FBT without a product). */
function strategyCandidates(c: Context): Candidate[] | 'fallback' {
  const { model, index, user, req, product, blocked, limit, kernels } = c
  const cold = user.eventCount < COLD_START_EVENTS
  switch (req.strategy) {
    case 'collaborative':
      return cold ? 'fallback' : collaborativeCandidates(model, index.neighbors, historyOf(model, index.byId, user, req.eventWeights, req.intentHalfLifeDays), blocked, limit)
    case 'content_based':
      if (req.productId !== undefined) return product === undefined ? [] : similarToItem(model, index, product, blocked, limit, kernels)
      return cold ? 'fallback' : similarToHistory(model, index, historyOf(model, index.byId, user, req.eventWeights, req.intentHalfLifeDays), blocked, limit, kernels)
    case 'trending':
      return trendingCandidates(model, index.trending, blocked, limit)
    case 'frequently_bought_together':
      if (req.productId === undefined) return 'fallback'
      return product === undefined ? [] : boughtWithCandidates(model, index.boughtWith, product, blocked, limit)
  }
}

/** Why a padded item is there, completing "(added because …)". */
function shortfall(c: Context): string {
  switch (c.req.strategy) {
    case 'collaborative': return 'too few items matched your history'
    case 'content_based': return 'too few similar items were found'
    case 'trending': return 'too few items are trending'
    case 'frequently_bought_together': return `too few items are often bought with ${c.model.items[c.product!]!.name}`
  }
}

// Serving is synchronous and nothing keeps the mask past an answer, so one scratch array
// serves every request: no catalog-sized allocation per computed answer (at thousands a
// second, the collector's share is much of what a computed answer costs).
let scratch = new Uint8Array(0)
function blockedMask(unavailable: Uint8Array): Uint8Array {
  if (scratch.length !== unavailable.length) scratch = new Uint8Array(unavailable.length)
  scratch.set(unavailable)
  return scratch
}

export function recommend(model: TenantModel, user: UserState, req: RecommendRequest, kernels?: Kernels): RecommendResult {
  const limit = Number.isFinite(req.limit) ? Math.max(0, Math.floor(req.limit)) : 0
  if (limit === 0) return { items: [], strategy: req.strategy, padded: 0 }
  const index = modelIndex(model)
  const product = req.productId === undefined ? undefined : index.byId.get(req.productId)
  // Availability is kept per model (a caller that changes it in place calls availabilityChanged).
  const blocked = blockedMask(unavailableOf(model))
  if (product !== undefined) blocked[product] = 1
  if (req.excludePurchased) for (const i of purchasedIndexes(index.byId, user)) blocked[i] = 1
  const c: Context = { model, index, user, req, product, blocked, limit, kernels }

  const found = strategyCandidates(c)
  if (found === 'fallback' || found.length === 0) {
    const fallback = fallbackCandidates(model, index, product, blocked, limit)
    return { items: chainScores(fallback.segments).map((x) => toRecommendation(model, x)), strategy: fallback.name, padded: 0 }
  }
  for (const x of found) blocked[x.index] = 1
  const pads = found.length < limit ? fallbackCandidates(model, index, product, blocked, limit - found.length).segments : []
  const ranked = chainScores([found, ...pads])
  const why = ranked.length > found.length ? shortfall(c) : ''
  return {
    items: ranked.map((x, k) => toRecommendation(model, k < found.length ? x : { ...x, reason: `${x.reason} (added because ${why})` })),
    strategy: req.strategy,
    padded: ranked.length - found.length,
  }
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
