// Lookups derived from a model once and reused by every request served from it: the
// product-id map, ranked orders for the fallbacks, the pair lists in typed arrays, and the
// content vectors as sparse rows. Keyed weakly by the model object, so a replaced
// model's index is collected with it; serving stays a pure function of its inputs.
import { memo } from '../memo.ts'
import type { TenantModel } from '../types.ts'
import { type PairLists, pairLists } from './pair-lists.ts'
import { better } from './ranking.ts'
import { appendRows, denseMatrix, type SparseRows, sparseRows } from './sparse-rows.ts'

export interface ModelIndex {
  byId: ReadonlyMap<string, number>
  /** Items with a positive popularity, most popular first. */
  popular: readonly number[]
  /** The same per category. */
  popularByCategory: ReadonlyMap<string, readonly number[]>
  /** Items with a positive trending score, highest first. */
  trending: readonly number[]
  /** Every item, newest in the catalog first (ties: lower index): the new-arrivals fallback, which needs no events. */
  newest: readonly number[]
  /** Collaborative neighbours: weight and shared shoppers per pair. */
  neighbors: PairLists
  /** Bought-together partners: lift and orders per pair. */
  boughtWith: PairLists
  /** Content vectors, their non-zeros only (content-based scoring reads these). */
  content: SparseRows
  /** The content vectors back to back (n × dim float32), made afresh each call: for the approximate index of large catalogs. */
  contentMatrix(): Float32Array
}

/**
 * A byte per item, 1 where it is unavailable: worked out once per model (a
 * loop over the whole catalog per request costs more than most strategies),
 * copied by each request. Whoever changes availability in place says so
 * (availabilityChanged).
 */
export function unavailableOf(model: TenantModel): Uint8Array {
  let u = memo.unavailable.get(model)
  if (!u) {
    u = new Uint8Array(model.items.length)
    for (let i = 0; i < model.items.length; i++) if (!model.items[i]!.available) u[i] = 1
    memo.unavailable.set(model, u)
  }
  return u
}

/** Items of this model were replaced in place (a catalog patch): availability is worked out again. */
export function availabilityChanged(model: TenantModel) { memo.unavailable.delete(model) }

export function modelIndex(model: TenantModel): ModelIndex {
  let index = memo.modelIndex.get(model)
  if (!index) memo.modelIndex.set(model, (index = buildIndex(model)))
  return index
}

/**
 * For a model that is only served from now on (a store's loaded model): builds its index,
 * then lets the pair triples and the content vectors go, as the index holds them in typed
 * arrays (the vectors as sparse rows: they are mostly zeros, and as arrays of numbers were
 * the largest part of a loaded model). The model can no longer be serialised whole afterwards.
 */
export function compactForServing(model: TenantModel, parts?: ServingParts): ModelIndex {
  const index = parts ? indexWith(model, parts) : modelIndex(model)
  model.itemNeighbors = []
  model.fbt = []
  model.content.vectors = []
  return index
}

/** Indexes with a positive score, best first (ties: lower index). */
function rankedPositive(indices: Iterable<number>, score: readonly number[]): number[] {
  return [...indices].filter((i) => score[i]! > 0).sort((a, b) => (better(score[a]!, a, score[b]!, b) ? -1 : 1))
}

/** Item indexes by creation time, newest first; an item of a model stored without times counts as oldest. */
export function newestFirst(model: TenantModel): number[] {
  const created = Float64Array.from(model.items, (item) => item.createdAt ?? 0)
  return Array.from({ length: model.items.length }, (_, i) => i).sort((a, b) => created[b]! - created[a]! || a - b)
}

/**
 * The index of a model grown by items appended after its build (withAddedItems), worked out
 * from the grown-from model's index rather than from scratch (on a large catalog a rebuild
 * costs tens of ms per upload): the added items have no popularity, trend or pairs, so those
 * lists stay as they are (the pair lists are kept even where the triples were let go,
 * compactForServing); they join the id map and the newest-first order; the content rows
 * are the old ones with theirs after them.
 */
export function indexGrownFrom(model: TenantModel, from: ModelIndex): ModelIndex {
  const n = model.items.length
  const n0 = from.neighbors.start.length - 1
  const grow = (p: PairLists): PairLists => {
    const start = new Int32Array(n + 1)
    start.set(p.start)
    start.fill(p.start[n0]!, n0 + 1)
    return { ...p, start }
  }
  const byId = new Map(from.byId)
  for (let i = n0; i < n; i++) byId.set(model.items[i]!.productId, i)
  const created = (i: number) => model.items[i]!.createdAt ?? 0
  // Merge the added items (newest first among themselves) into the order; on equal times the lower index first, as newestFirst.
  const added = Array.from({ length: n - n0 }, (_, k) => n0 + k).sort((a, b) => created(b) - created(a) || a - b)
  const newest: number[] = []
  let a = 0
  for (const i of from.newest) {
    while (a < added.length && (created(added[a]!) > created(i) || (created(added[a]!) === created(i) && added[a]! < i))) newest.push(added[a++]!)
    newest.push(i)
  }
  while (a < added.length) newest.push(added[a++]!)
  const { dim, vectors } = model.content
  const index: ModelIndex = {
    ...from,
    byId,
    newest,
    neighbors: grow(from.neighbors),
    boughtWith: grow(from.boughtWith),
    ...contentOf(appendRows(from.content, sparseRows(vectors.slice(n0, n), n - n0, dim))),
  }
  memo.modelIndex.set(model, index)
  return index
}

/** The content rows, and their dense form on demand (not kept: only the approximate index's build asks, once per model). */
function contentOf(content: SparseRows): Pick<ModelIndex, 'content' | 'contentMatrix'> {
  return { content, contentMatrix: () => denseMatrix(content) }
}

/** What compactForServing makes of a model's pair triples and content vectors: typed arrays, which a load thread makes and hands over without a copy (load-thread.ts). */
export interface ServingParts { neighbors: PairLists; boughtWith: PairLists; content: SparseRows }

export function servingParts(model: TenantModel): ServingParts {
  const n = model.items.length
  const { dim, vectors } = model.content
  return { neighbors: pairLists(model.itemNeighbors, n), boughtWith: pairLists(model.fbt, n), content: sparseRows(vectors, n, dim) }
}

/** The buffers of a model's serving parts, handed from a load thread without a copy. */
export const servingBuffers = (p: ServingParts): ArrayBuffer[] =>
  [p.neighbors, p.boughtWith].flatMap((l): ArrayBufferView[] => [l.start, l.item, l.value, l.count])
    .concat([p.content.start, p.content.col, p.content.value]).map((a) => a.buffer as ArrayBuffer)

/** The index of a model whose pair lists and matrix were made elsewhere (its triples and vectors already let go). */
function indexWith(model: TenantModel, parts: ServingParts): ModelIndex {
  const index = buildIndex(model, parts)
  memo.modelIndex.set(model, index)
  return index
}

/** An index's ranked orders: worked out where the model was decoded (a load thread) and handed over with its parts. */
export type ServingOrders = Pick<ModelIndex, 'popular' | 'popularByCategory' | 'trending' | 'newest'>

export const servingOrders = (index: ModelIndex): ServingOrders =>
  ({ popular: index.popular, popularByCategory: index.popularByCategory, trending: index.trending, newest: index.newest })

/**
 * The index of a model whose parts and orders were made on a load thread: only the product-id
 * map is made here (a Map does not cross threads cheaper than it is built). The model has its
 * triples and vectors let go already, as compactForServing leaves it.
 */
export function indexFromOrders(model: TenantModel, parts: ServingParts, orders: ServingOrders): ModelIndex {
  const index: ModelIndex = {
    byId: new Map(model.items.map((item, i) => [item.productId, i])),
    ...orders,
    neighbors: parts.neighbors,
    boughtWith: parts.boughtWith,
    ...contentOf(parts.content),
  }
  memo.modelIndex.set(model, index)
  return index
}

function buildIndex(model: TenantModel, parts?: ServingParts): ModelIndex {
  const n = model.items.length
  const all = Array.from({ length: n }, (_, i) => i)
  const popular = rankedPositive(all, model.popularity)
  const popularByCategory = new Map<string, number[]>()
  for (const i of popular) {
    const category = model.items[i]!.category
    if (category === null) continue
    const list = popularByCategory.get(category)
    if (list) list.push(i)
    else popularByCategory.set(category, [i])
  }
  return {
    byId: new Map(model.items.map((item, i) => [item.productId, i])),
    popular,
    popularByCategory,
    trending: rankedPositive(all, model.trending.score),
    newest: newestFirst(model),
    neighbors: parts?.neighbors ?? pairLists(model.itemNeighbors, n),
    boughtWith: parts?.boughtWith ?? pairLists(model.fbt, n),
    ...contentOf(parts?.content ?? sparseRows(model.content.vectors, n, model.content.dim)),
  }
}
