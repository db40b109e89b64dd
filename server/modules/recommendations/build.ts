// Builds a tenant's model from its catalog and interactions: pure and deterministic
// (only stats.buildMs reads the clock). Internally typed arrays indexed by item and
// user; only the result is plain JSON-ready data (TenantModel).
import type { Kernels } from '../../kernels/load.ts'
import { itemNeighbors, type NeighborOptions, userItemMatrix } from './strategies/collaborative.ts'
import { contentVectors } from './strategies/content-vectors.ts'
import { popularityScores } from './strategies/fallback.ts'
import { type BasketOptions, boughtTogether } from './strategies/frequently-bought-together.ts'
import { encodeInteractions } from './strategies/interactions.ts'
import { trendingScores } from './strategies/trending.ts'
import type { BuildInput, Item, TenantModel } from './types.ts'

export interface BuildOptions extends NeighborOptions, BasketOptions {
  /** Width of the hashed content vectors. */
  dim: number
}

export const BUILD_DEFAULTS: Readonly<BuildOptions> = {
  neighbors: 50,
  maxItemsPerUser: 50,
  shrinkage: 5,
  minSupport: 2,
  partners: 50,
  maxBasketItems: 100,
  dim: 256,
}

export function buildModel(input: BuildInput, kernels?: Kernels, options: Partial<BuildOptions> = {}): TenantModel {
  const started = performance.now()
  const o = { ...BUILD_DEFAULTS, ...options }
  // A product id names one item: a repeated one keeps its first entry.
  const itemIndex = new Map<string, number>()
  const items: Item[] = []
  for (const item of input.items) {
    if (!itemIndex.has(item.productId)) { itemIndex.set(item.productId, items.length); items.push(item) }
  }
  const n = items.length
  const enc = encodeInteractions(input, itemIndex)
  const model: TenantModel = {
    version: `${input.now.toString(36)}-${n}-${input.interactions.length}`,
    builtAt: input.now,
    items,
    itemNeighbors: itemNeighbors(userItemMatrix(enc, n, o.maxItemsPerUser), o),
    content: contentVectors(items, o.dim, kernels ? (s) => kernels.murmur3(s) : undefined),
    trending: trendingScores(enc, n, input.now),
    popularity: popularityScores(enc, n),
    fbt: boughtTogether(enc, n, o),
    stats: { items: n, users: enc.users, interactions: input.interactions.length, buildMs: 0 },
  }
  model.stats.buildMs = Math.round(performance.now() - started)
  return model
}
