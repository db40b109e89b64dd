// What each strategy does for one request, as data: the candidates it finds (or
// 'fallback' when it cannot run: cold start, a product-less FBT request), why a short list
// of it was padded, and whether it reads the shopper's history. recommend.ts runs every
// plan the same way: strategy → fallback → pad from the fallback → the rules every answer keeps.
// A new strategy is an entry here (the record's type asks for one per name in vocabulary.ts).
import type { Kernels } from '../kernels/load.ts'
import { collaborativeCandidates } from './strategies/collaborative.ts'
import { similarToHistory, similarToItem } from './strategies/content-based.ts'
import { boughtWithCandidates } from './strategies/frequently-bought-together.ts'
import { historyOf } from './strategies/history.ts'
import type { ModelIndex } from './strategies/model-index.ts'
import type { Candidate } from './strategies/ranking.ts'
import { trendingCandidates } from './strategies/trending.ts'
import type { Signals } from './signals.ts'
import type { RecommendRequest, StrategyName, TenantModel, UserState } from './types.ts'

/** Fewer events than this and a shopper has no history worth personalising on (FR-032). */
export const COLD_START_EVENTS = 5

export interface PlanContext {
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
  /** Trending and popularity, live or as built. */
  signals: Signals
  /** The context product's co-purchases since the model was built: other item → baskets. */
  partners: ReadonlyMap<number, number> | undefined
}

export interface StrategyPlan {
  /** Whether its answers are worked out from the shopper's history (the expensive kind). */
  drawsOnHistory(productId: string | undefined): boolean
  candidates(c: PlanContext): Candidate[] | 'fallback'
  /** Why a padded item is there, completing "(added because …)". */
  shortfall(c: PlanContext): string
}

const cold = (c: PlanContext) => c.user.eventCount < COLD_START_EVENTS
const history = (c: PlanContext) => historyOf(c.model, c.index.byId, c.user, c.req.eventWeights, c.req.intentHalfLifeDays)

export const PLANS: Record<StrategyName, StrategyPlan> = {
  collaborative: {
    drawsOnHistory: () => true,
    candidates: (c) => cold(c) ? 'fallback' : collaborativeCandidates(c.model, c.index.neighbors, history(c), c.blocked, c.limit),
    shortfall: () => 'too few items matched your history',
  },
  content_based: {
    drawsOnHistory: (productId) => productId === undefined,
    candidates: (c) => {
      if (c.req.productId !== undefined) return c.product === undefined ? [] : similarToItem(c.model, c.index, c.product, c.blocked, c.limit, c.kernels)
      return cold(c) ? 'fallback' : similarToHistory(c.model, c.index, history(c), c.blocked, c.limit, c.kernels)
    },
    shortfall: () => 'too few similar items were found',
  },
  trending: {
    drawsOnHistory: () => false,
    candidates: (c) => trendingCandidates(c.signals.trending, c.blocked, c.limit),
    shortfall: () => 'too few items are trending',
  },
  frequently_bought_together: {
    drawsOnHistory: () => false,
    candidates: (c) => {
      if (c.req.productId === undefined) return 'fallback'
      return c.product === undefined ? [] : boughtWithCandidates(c.model, c.index.boughtWith, c.product, c.blocked, c.limit, c.partners)
    },
    shortfall: (c) => `too few items are often bought with ${c.model.items[c.product!]!.name}`,
  },
}
