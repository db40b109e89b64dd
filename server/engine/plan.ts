// What each strategy does for one request, as data: the candidates it finds (or
// 'fallback' when it cannot run: cold start, a product-less FBT request), why a short list
// of it was padded, and whether it reads the shopper's history. recommend.ts runs every
// plan the same way: strategy → fallback → pad from the fallback → the rules every answer keeps.
// A new strategy is an entry here (the record's type asks for one per name in vocabulary.ts).
import type { Kernels } from '../kernels/load.ts'
import { cartComplements } from './strategies/cart.ts'
import { anchoredCandidates, collaborativeCandidates } from './strategies/collaborative.ts'
import { similarToHistory, similarToItem } from './strategies/content-based.ts'
import { boughtWithCandidates } from './strategies/frequently-bought-together.ts'
import { historyOf } from './strategies/history.ts'
import type { ModelIndex } from './strategies/model-index.ts'
import type { Candidate } from './strategies/ranking.ts'
import { trendingCandidates } from './strategies/trending.ts'
import type { Signals } from './signals.ts'
import type { Context, RecommendRequest, StrategyName, TenantModel, UserState } from './types.ts'

/** Fewer events than this and a shopper has no history worth personalising on (FR-032). */
export const COLD_START_EVENTS = 5

export interface PlanContext {
  model: TenantModel
  index: ModelIndex
  user: UserState
  req: RecommendRequest
  /** The context product's index, when the model knows it. */
  product: number | undefined
  /** On a cart page, the cart's items the model knows (ascending); empty elsewhere. */
  cart: readonly number[]
  /** Items no list may hold (unavailable, the context product, the cart, purchased, already chosen). */
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
    candidates: (c) => {
      // A product page: around the product, personalised once the shopper has a history (cold: the same for everyone).
      // A product the model does not know yet anchors nothing: the shopper's own list, as elsewhere.
      if (c.product !== undefined) return anchoredCandidates(c.model, c.index.neighbors, c.product, cold(c) ? undefined : history(c), c.blocked, c.limit)
      return cold(c) ? 'fallback' : collaborativeCandidates(c.model, c.index.neighbors, history(c), c.blocked, c.limit)
    },
    shortfall: (c) => c.product !== undefined ? `too few shoppers who viewed ${c.model.items[c.product]!.name} viewed other items` : 'too few items matched your history',
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

/** Strategies whose answer on a cart page is the cart's complements (CART_PLAN) rather than their own list. */
export const COMPLEMENTS_CART: ReadonlySet<StrategyName> = new Set(['collaborative', 'frequently_bought_together'])

/**
 * A cart page's list for collaborative and frequently_bought_together: bought-together
 * partners of the cart, then its collaborative neighbours (strategies/cart.ts). It reads
 * per-model lists only, so for a given cart it is the same for every shopper.
 */
export const CART_PLAN: StrategyPlan = {
  drawsOnHistory: () => false,
  candidates: (c) => cartComplements(c.model, c.index, c.cart, c.blocked, c.limit),
  shortfall: () => 'too few items go with your cart',
}

/** The plan a request runs: the cart's on a cart page for the strategies that complement it, else the strategy's own. */
export const planFor = (strategy: StrategyName, page: Context): StrategyPlan =>
  page === 'cart_page' && COMPLEMENTS_CART.has(strategy) ? CART_PLAN : PLANS[strategy]
