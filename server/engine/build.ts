// Builds a tenant's model from its catalog and interactions: pure and deterministic
// (only stats.buildMs reads the clock). Internally typed arrays indexed by item and
// user; only the result is plain JSON-ready data (TenantModel).
import type { Kernels } from '../kernels/load.ts'
import { itemNeighbors, type NeighborOptions, type UserItemMatrix, userItemMatrix } from './strategies/collaborative.ts'
import { easeNeighbors, type EaseOptions } from './strategies/ease.ts'
import { contentVectors } from './strategies/content-vectors.ts'
import { popularityScores } from './strategies/fallback.ts'
import { type BasketOptions, boughtTogether } from './strategies/frequently-bought-together.ts'
import { encodeInteractions } from './strategies/interactions.ts'
import { trendingScores } from './strategies/trending.ts'
import { round6 } from './strategies/ranking.ts'
import type { BuildInput, Item, TenantModel } from './types.ts'

export interface BuildOptions extends NeighborOptions, Omit<EaseOptions, 'neighbors'>, BasketOptions {
  /** Neighbours kept per item with learned (EASE) weights. */
  easeNeighbors: number
  /** Width of the hashed content vectors. */
  dim: number
  /** Whether to work out content vectors at all: not for a list that only falls back to new arrivals (no strategy reads them there). */
  content: boolean
}

export const BUILD_DEFAULTS: Readonly<BuildOptions> = {
  neighbors: 50,
  maxItemsPerUser: 50,
  shrinkage: 5,
  easeItems: 1500,
  easeLambda: 10,
  easeNeighbors: 200,
  minSupport: 2,
  partners: 50,
  maxBasketItems: 100,
  dim: 256,
  content: true,
}

export function buildModel(input: BuildInput, kernels?: Kernels, options: Partial<BuildOptions> = {}): TenantModel {
  const started = performance.now()
  const o = { ...BUILD_DEFAULTS, ...options }
  const { items, itemIndex } = catalogOf(input.items)
  const n = items.length
  const enc = encodeInteractions(input, itemIndex)
  const model: TenantModel = {
    version: `${input.now.toString(36)}-${n}-${input.interactions.length}`,
    builtAt: input.now,
    ...(input.liveFrom === undefined ? {} : { liveFrom: input.liveFrom }),
    ...(input.highValueSpend === undefined ? {} : { highValueSpend: input.highValueSpend }),
    items,
    itemNeighbors: collaborativeNeighbors(userItemMatrix(enc, n, o.maxItemsPerUser), o, kernels),
    content: o.content ? contentVectors(items, o.dim, kernels ? (s) => kernels.murmur3(s) : undefined) : { dim: o.dim, vectors: [], terms: [] },
    trending: trendingScores(enc, n, input.now),
    popularity: popularityScores(enc, n, input.liveFrom),
    fbt: boughtTogether(enc, n, o, input.liveFrom),
    stats: { items: n, users: enc.users, interactions: input.interactions.length, buildMs: 0 },
  }
  model.stats.buildMs = Math.round(performance.now() - started)
  return model
}

/** The catalog as the model numbers it: a product id names one item, a repeated one keeps its first entry. */
export function catalogOf(input: readonly Item[]): { items: Item[]; itemIndex: Map<string, number> } {
  const itemIndex = new Map<string, number>()
  const items: Item[] = []
  for (const item of input) {
    if (!itemIndex.has(item.productId)) { itemIndex.set(item.productId, items.length); items.push(item) }
  }
  return { items, itemIndex }
}

/**
 * Where a cosine list meets learned weights in one shopper's sum, the learned evidence
 * should lead: a learned list sums to 1, a cosine list of 50 neighbours to far more.
 * Scaled by this, the long tail still fills lists and serves shoppers who only touched
 * it. Measured, P@10 of collaborative on retail: 0.0798 at 0.1, 0.0686 at 1, 0.0802 at 0.01.
 */
export const TAIL_SCALE = 0.1

/** Learned weights (EASE) for the most engaged-with items, scaled cosine neighbours for the rest. */
export function collaborativeNeighbors(m: UserItemMatrix, o: BuildOptions, kernels?: Kernels): [number, number, number][][] {
  if (!(o.easeItems > 0)) return itemNeighbors(m, o)
  const learned = easeNeighbors(m, { ...o, neighbors: o.easeNeighbors }, kernels ? (a, n) => kernels.invertSpd(a, n) : undefined)
  // Cosines only where nothing was learned: the covered items are the most engaged-with, the costliest to pair.
  const cosine = itemNeighbors(m, o, (i) => learned[i] !== undefined)
  return cosine.map((list, i) => learned[i] ?? list.map(([b, s, n]) => [b, round6(s * TAIL_SCALE), n]))
}
