// Content-based serving: cosine between content vectors, scored over the whole catalog's
// sparse rows in one pass (sparse-rows.ts). Catalogs over 10,000 items are
// searched approximately (strategies/ann.ts): only the members of the clusters nearest the
// query are scored, the others score 0 as if below the similarity floor; price proximity
// and exclusions then apply exactly as on the exact path.
import { memo } from '../memo.ts'
import { jsKernels, type Kernels } from '../../kernels/load.ts'
import type { TenantModel } from '../types.ts'
import { annIndexOf, usesAnn } from './ann.ts'
import type { History } from './history.ts'
import { stem } from './content-vectors.ts'
import type { ModelIndex } from './model-index.ts'
import type { Candidate } from './ranking.ts'
import { denseRow, dotRow, scoreRows } from './sparse-rows.ts'

/** Below this cosine two items share little more than hash collisions and stop words. */
const MIN_CONTENT_SIMILARITY = 0.1

/** History items that shape the query: beyond these, older events only blur it. */
const HISTORY_ITEMS = 10

/**
 * 1 at the same price, ½ + ½·exp(-ln²(ratio) / 2·ln²2): about 0.8 at twice or half the
 * price, about 0.56 at 4×. Shoppers compare within a price band, but a great match at
 * another price is still a match, so the factor never drops below ½. Unknown prices are
 * neutral.
 */
function priceProximity(a: number | null, b: number | null): number {
  if (a === null || b === null || !(a > 0) || !(b > 0)) return 1
  const r = Math.log(a / b) / Math.LN2
  return 0.5 + 0.5 * Math.exp(-(r * r) / 2)
}

// One fallback kernel set, so the approximate index's prepared centroids are reused.
const JS_KERNELS = jsKernels()
const kernelsOr = (kernels?: Kernels): Kernels => kernels ?? JS_KERNELS

/** "same category, shares 'waterproof, hooded', similar price": what two items have in common. */
function sharedFeatures(model: TenantModel, a: number, b: number): string {
  const x = model.items[a]!
  const y = model.items[b]!
  const parts: string[] = []
  if (x.category !== null && x.category === y.category) parts.push('same category')
  const theirs = new Set((model.content.terms[b] ?? []).map(stem))
  const shared = (model.content.terms[a] ?? []).filter((t) => theirs.has(stem(t))).slice(0, 3)
  if (shared.length) parts.push(`shares '${shared.join(', ')}'`)
  // Within about 28 % of each other.
  if (x.price !== null && y.price !== null && priceProximity(x.price, y.price) > 0.97) parts.push('similar price')
  return parts.join(', ')
}

const withFeatures = (base: string, features: string): string => (features ? `${base}: ${features}` : base)

/**
 * Cosine scores of every item against `query`, 0 below the similarity floor. Above
 * ANN_MIN_ITEMS, approximate: items outside the probed clusters score 0 too (probing goes
 * on until at least `limit` items not `blocked` clear the floor, when the catalog has them).
 */
function scoreCatalog(model: TenantModel, index: ModelIndex, query: Float32Array, kernels: Kernels, blocked: Uint8Array, limit: number): Float32Array {
  const scores = usesAnn(model.items.length)
    ? annIndexOf(model, index, kernels).search(query, kernels, { need: limit, minScore: MIN_CONTENT_SIMILARITY, blocked })
    : scoreRows(index.content, query)
  for (let i = 0; i < scores.length; i++) if (!(scores[i]! >= MIN_CONTENT_SIMILARITY)) scores[i] = 0
  return scores
}

function best(scores: Float32Array, blocked: Uint8Array, limit: number, kernels: Kernels): number[] {
  return Array.from(kernels.topK(scores, limit, blocked)).filter((i) => scores[i]! > 0)
}

/**
 * Per model, each asked-about item's best SIMILAR_KEPT neighbours and their scores (typed
 * arrays; a reason is written only for the items a request takes), as first computed with
 * nothing but the item itself excluded. A request takes the first `limit` of them that it
 * does not block: the same list the full scan gives (every item left out ranks below the
 * last kept), unless more than SIMILAR_KEPT − limit of them are blocked, when it scans.
 * Kept deep because a loyal shopper blocks what they bought: at 64 neighbours, shoppers
 * who had bought dozens of a product's neighbours sent each of their requests to a scan of
 * the whole catalog. Kept per model object, so a new model starts afresh; availability is
 * still applied per request.
 */
const SIMILAR_KEPT = 256
const SIMILAR_MEMO_MAX = 20_000

/** Items like `item`: cosine × price proximity. */
export function similarToItem(model: TenantModel, index: ModelIndex, item: number, blocked: Uint8Array, limit: number, kernels?: Kernels): Candidate[] {
  if (limit <= SIMILAR_KEPT) {
    let byItem = memo.similar.get(model)
    if (!byItem) memo.similar.set(model, (byItem = new Map()))
    let kept = byItem.get(item)
    if (!kept) {
      const near = nearest(model, index, item, new Uint8Array(model.items.length), SIMILAR_KEPT, kernels)
      kept = { index: Int32Array.from(near.picked), score: Float32Array.from(near.picked, (i) => near.scores[i]!) }
      if (byItem.size >= SIMILAR_MEMO_MAX) byItem.clear()
      byItem.set(item, kept)
    }
    const out: Candidate[] = []
    for (let k = 0; k < kept.index.length; k++) {
      if (out.length === limit) return out
      const i = kept.index[k]!
      if (!blocked[i]) out.push(similarCandidate(model, item, i, kept.score[k]!))
    }
    // Every kept neighbour was usable and there are no more: the scan finds none either.
    if (out.length === limit || kept.index.length < SIMILAR_KEPT) return out
  }
  return scanSimilar(model, index, item, blocked, limit, kernels)
}

export function scanSimilar(model: TenantModel, index: ModelIndex, item: number, blocked: Uint8Array, limit: number, kernels?: Kernels): Candidate[] {
  const { picked, scores } = nearest(model, index, item, blocked, limit, kernels)
  return picked.map((i) => similarCandidate(model, item, i, scores[i]!))
}

/** The `limit` items most like `item` (not blocked, above the floor), best first, and every item's score. */
function nearest(model: TenantModel, index: ModelIndex, item: number, blocked: Uint8Array, limit: number, kernels?: Kernels): { picked: number[]; scores: Float32Array } {
  const k = kernelsOr(kernels)
  const query = denseRow(index.content, item)
  const mask = blocked.slice()
  mask[item] = 1
  const scores = scoreCatalog(model, index, query, k, mask, limit)
  const price = model.items[item]!.price
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) scores[i]! *= priceProximity(price, model.items[i]!.price)
  return { picked: best(scores, mask, limit, k), scores }
}

const similarCandidate = (model: TenantModel, item: number, i: number, score: number): Candidate =>
  ({ index: i, score, reason: withFeatures(`Similar to ${model.items[item]!.name}`, sharedFeatures(model, item, i)) })

/**
 * Items like the shopper's recent ones: scored against Σ weight·vector of their
 * strongest history items, which ranks as Σ weight·cosine since the vectors are unit
 * length. The reason names the history item that contributes most.
 */
export function similarToHistory(model: TenantModel, index: ModelIndex, history: History, blocked: Uint8Array, limit: number, kernels?: Kernels): Candidate[] {
  const k = kernelsOr(kernels)
  const { content } = index
  const sources = history.items.slice(0, HISTORY_ITEMS)
  if (sources.length === 0) return []
  const query = new Float32Array(content.dim)
  for (const h of sources) {
    for (let p = content.start[h.index]!; p < content.start[h.index + 1]!; p++) query[content.col[p]!]! += h.weight * content.value[p]!
  }
  const dense = sources.map((h) => denseRow(content, h.index))
  // Each history item is most similar to itself: left in, the list would repeat the history.
  const mask = blocked.slice()
  for (const h of history.items) mask[h.index] = 1
  const scores = scoreCatalog(model, index, query, k, mask, limit)
  return best(scores, mask, limit, k).map((i) => {
    let from = sources[0]!.index
    let top = -Infinity
    sources.forEach((h, s) => {
      const dot = dotRow(content, i, dense[s]!)
      if (h.weight * dot > top) { top = h.weight * dot; from = h.index }
    })
    return { index: i, score: scores[i]!, reason: withFeatures(`Similar to ${model.items[from]!.name}, ${history.which(from)}`, sharedFeatures(model, from, i)) }
  })
}
