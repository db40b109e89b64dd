// The contract between the recommendation engine's pure core (build.ts,
// strategies/*, recommend.ts: no I/O) and its plumbing (service.ts: loading
// inputs from the database, persisting models, caching, HTTP).

import type { Context, EventType, StrategyName } from '../vocabulary.ts'
import type { RuleRef, ServingRule } from './rules/rule.ts'
import type { RulesTrace } from './rules/trace.ts'

export type { Context, EventType, StrategyName }
/** What actually ran: a strategy, or the fallback it became. */
export type RanStrategy = StrategyName | 'trending_fallback' | 'category_popular' | 'new_arrivals_fallback'


/** One stored interaction, as the model build reads it. */
export interface Interaction { userId: string; productId: string; eventType: EventType; ts: number /* epoch ms */; orderId?: string; sessionId?: string }

/** A catalog item as the engine sees it. */
export interface Item {
  productId: string; name: string; description: string | null; category: string | null; price: number | null
  imageUrl: string | null; url: string | null; attributes: Record<string, unknown>; available: boolean
  /** When the catalog first had it (epoch ms): the new-arrivals fallback's order. Absent in models stored before it was kept. */
  createdAt?: number
}

export interface BuildInput {
  items: Item[]
  /** Interactions of the look-back period (default 90 days), any order. */
  interactions: Interaction[]
  now: number
  /** Event weights for implicit feedback (purchase > add_to_cart > click > view). */
  weights: Partial<Record<EventType, number>>
  /** Half-life of an interaction's weight, in days. */
  halfLifeDays: number
  /**
   * Where the live counters take over (a served model: the start of the build's hour): popularity and
   * bought-together count only earlier events, and serving adds the counters' from then on, so no event
   * counts twice. Unset (offline evaluation): every event counts.
   */
  liveFrom?: number
  /** The high_value segment's threshold (the 90th percentile of buyers' spend over 90 days), worked out beside the build; kept with the model. */
  highValueSpend?: number | null
}

/**
 * A tenant's built model: plain data, JSON-serialisable (persisted in
 * PostgreSQL so every instance serves the same one). Item references are
 * indexes into `items`.
 */
export interface TenantModel {
  version: string
  builtAt: number
  /** BuildInput.liveFrom, when it was given. */
  liveFrom?: number
  items: Item[]
  /** Item-item CF neighbours per item index: [neighbourIndex, similarity 0..1, co-occurring users][] (top-K, sorted). */
  itemNeighbors: [number, number, number][][]
  /** Content vectors (TF-IDF over name, description, category, attributes, L2-normalised, hashed to `dim`). */
  content: { dim: number; vectors: number[][] /* per item, length dim */; terms: string[][] /* top terms per item, for reasons */ }
  /**
   * Trending: per item index, engagement events (views, clicks, carts, purchases) in the last 24 h, and the velocity
   * score against its own baseline (mean events a day). `hours`: the 24 whole hours before the build's hour, flat
   * [item, hours back, count] triples, which serving joins to the live counters (absent in models built before them).
   */
  trending: { views24h: number[]; score: number[]; baseline?: number[]; hours?: number[] }
  /** Popularity (decayed interaction weight) per item index: cold-start and category-popular fallback. */
  popularity: number[]
  /** Frequently bought together per item index: [otherIndex, lift, orders together][] (min support applied; sorted by lift shrunk by support, n/(n+10), so rare pairs do not win on lift alone). */
  fbt: [number, number, number][][]
  /** tuneMs, settingsTried: the time spent choosing settings before the build, and how many were graded (tune.ts). */
  stats: { items: number; users: number; interactions: number; buildMs: number; tuneMs?: number; settingsTried?: number }
  /** BuildInput.highValueSpend: the high_value segment's threshold as of the build (null: no buyer in 90 days). */
  highValueSpend?: number | null
  /** The settings it was built with, where the build chose them itself (tune.ts): serving reads the intent half-life from here when the tenant's is auto. */
  settings?: ModelSettingsChosen
}

/** The model settings a build can choose itself (a tenant's `recommendations` set to "auto"). */
export interface ModelSettingsChosen {
  halfLifeDays: number
  itemsPerShopper: number
  intentHalfLifeDays: number
  /** EASE's ridge λ, as a multiple of the covered items' mean squared column norm (BuildOptions.easeLambda). */
  regularisation: number
}

/** What recommend() knows about the user (from the profile kept at ingestion). */
export interface UserState {
  /** Newest first. */
  recent: { productId: string; eventType: EventType; ts: number }[]
  purchased: string[]
  eventCount: number
}

export interface RecommendRequest {
  strategy: StrategyName
  limit: number
  productId?: string
  context?: Context
  /**
   * On a cart page, the cart's product ids (the page knows them). Absent, the cart is the
   * one the shopper's own cart events leave (strategies/cart.ts cartOf).
   */
  cartProductIds?: readonly string[]
  excludePurchased: boolean
  /** The tenant's weights for a shopper's own events (the defaults when unset). */
  eventWeights?: Readonly<Record<EventType, number>>
  /** How fast a shopper's own events fade, counted back from their latest (days; 0 = never; 7 when unset). */
  intentHalfLifeDays?: number
  /** The shopper's segments (undefined: unknown or none): `$user.segment` in a rule's condition reads them. */
  segments?: readonly string[]
  /** The merchandising rules this request runs (already selected: active, scheduled, in scope), in order (rules/select.ts). */
  rules?: readonly ServingRule[]
  /** Collect the rules' trace (explain=true). */
  explain?: boolean
}

export interface Recommendation { productId: string; name: string; imageUrl: string | null; price: number | null; url: string | null; score: number /* 0..1 */; reason: string
  /** The rules that moved this item (boosted, buried, demoted, pinned, or moved up past items they removed). */
  rules?: RuleRef[]
}

export interface RecommendResult {
  items: Recommendation[]
  /** What actually ran (e.g. 'trending_fallback' on cold start, or when the strategy found nothing). */
  strategy: RanStrategy
  /** How many items were padded from the fallback. */
  padded: number
  /** The page context the answer was shaped by (page-context.ts pageOf). */
  context: Context
  /** With `explain`: what the rules saw and did. */
  trace?: RulesTrace
}
