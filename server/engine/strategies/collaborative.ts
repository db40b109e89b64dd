// Item-item collaborative filtering over implicit feedback (Sarwar et al. 2001; Deshpande
// & Karypis 2004): two items are alike when the same shoppers engage with both. Built
// once per model as top-K neighbour lists; serving sums the neighbours of what the
// shopper just did, so an event seconds old changes the next answer.
import type { TenantModel } from '../types.ts'
import type { History } from './history.ts'
import { groupBy, type EncodedInteractions } from './interactions.ts'
import type { PairLists } from './pair-lists.ts'
import { type Candidate, round6, topKByScore } from './ranking.ts'

export interface NeighborOptions {
  /** Neighbours kept per item. */
  neighbors: number
  /**
   * A heavy user contributes only their most recent this-many items: pair work per user
   * is quadratic, and a reseller's thousand lines say little about any one pair.
   */
  maxItemsPerUser: number
  /** Shrinks similarities resting on few shared users: sim × n / (n + shrinkage). */
  shrinkage: number
}

/** Sparse users × items matrix (CSR): user u's items are col[rowStart[u] .. rowStart[u+1]). */
export interface UserItemMatrix { users: number; items: number; rowStart: Int32Array; col: Int32Array; value: Float64Array }

/** Each user's items and weights, keeping their most recent `maxItemsPerUser` items. */
export function userItemMatrix(enc: EncodedInteractions, items: number, maxItemsPerUser: number): UserItemMatrix {
  const { start, order } = groupBy(enc.user, enc.count, enc.users)
  const sum = new Float64Array(items)
  const last = new Float64Array(items)
  const seenBy = new Int32Array(items).fill(-1)
  const touched = new Int32Array(items)
  const rowStart = new Int32Array(enc.users + 1)
  const col = new Int32Array(enc.count)
  const value = new Float64Array(enc.count)
  let nnz = 0
  for (let u = 0; u < enc.users; u++) {
    let t = 0
    for (let p = start[u]!; p < start[u + 1]!; p++) {
      const n = order[p]!
      const i = enc.item[n]!
      if (seenBy[i] !== u) { seenBy[i] = u; touched[t++] = i; sum[i] = 0; last[i] = -Infinity }
      sum[i]! += enc.weight[n]!
      if (enc.ts[n]! > last[i]!) last[i] = enc.ts[n]!
    }
    // Items with weight 0 (only impressions or cart removals) say nothing about taste.
    let kept = 0
    for (let k = 0; k < t; k++) if (sum[touched[k]!]! > 0) touched[kept++] = touched[k]!
    // Sorted, so the matrix is the same whatever order the interactions came in.
    const row = (kept > maxItemsPerUser ? topKByScore(touched, kept, last, maxItemsPerUser) : Array.from(touched.subarray(0, kept))).sort((a, b) => a - b)
    // log(1 + w) (as Hu, Koren & Volinsky's confidence): a shopper's tenth purchase of an
    // item adds less than their first. On the retail evaluation it lifts P@10 by ~7 %.
    for (const i of row) { col[nnz] = i; value[nnz] = Math.log1p(sum[i]!); nnz++ }
    rowStart[u + 1] = nnz
  }
  return { users: enc.users, items, rowStart, col: col.subarray(0, nnz), value: value.subarray(0, nnz) }
}

/**
 * Cosine between item columns, shrunk by the number of co-occurring users, top-K per
 * item with that number. Item-centric: for item a, walk its users and their items, so the
 * work is Σ over users of (items per user)², and memory is a few arrays of catalog size.
 * Items `skip` names get an empty list and cost nothing (they have neighbours from elsewhere).
 */
export function itemNeighbors(m: UserItemMatrix, options: NeighborOptions, skip?: (item: number) => boolean): [number, number, number][][] {
  // Transpose: item a's users and weights.
  const { start, order } = groupBy(m.col, m.col.length, m.items)
  const rowOf = new Int32Array(m.col.length)
  for (let u = 0; u < m.users; u++) for (let p = m.rowStart[u]!; p < m.rowStart[u + 1]!; p++) rowOf[p] = u
  const norm = new Float64Array(m.items)
  for (let p = 0; p < m.col.length; p++) norm[m.col[p]!]! += m.value[p]! * m.value[p]!
  for (let i = 0; i < m.items; i++) norm[i] = Math.sqrt(norm[i]!)

  const dot = new Float64Array(m.items)
  const shared = new Int32Array(m.items)
  const sim = new Float64Array(m.items)
  const touched = new Int32Array(m.items)
  const out: [number, number, number][][] = []
  for (let a = 0; a < m.items; a++) {
    if (skip?.(a)) { out.push([]); continue }
    let t = 0
    for (let q = start[a]!; q < start[a + 1]!; q++) {
      const p = order[q]!
      const u = rowOf[p]!
      const wa = m.value[p]!
      for (let r = m.rowStart[u]!; r < m.rowStart[u + 1]!; r++) {
        const b = m.col[r]!
        if (b === a) continue
        if (shared[b] === 0) touched[t++] = b
        dot[b]! += wa * m.value[r]!
        shared[b]!++
      }
    }
    for (let k = 0; k < t; k++) {
      const b = touched[k]!
      const n = shared[b]!
      // min: float rounding can put a perfect match a hair above 1.
      sim[b] = Math.min(1, (dot[b]! / (norm[a]! * norm[b]!)) * (n / (n + options.shrinkage)))
    }
    out.push(topKByScore(touched, t, sim, options.neighbors).map((b) => [b, round6(sim[b]!), shared[b]!]))
    for (let k = 0; k < t; k++) { const b = touched[k]!; dot[b] = 0; shared[b] = 0; sim[b] = 0 }
  }
  return out
}

/**
 * Σ over the shopper's history items h of weight(h) × sim(h, c); the reason names the
 * history item contributing most to c. Scratch arrays of catalog size are reused across
 * calls (serving is synchronous, so no two calls share them at once) and only the
 * touched entries are reset: Maps here cost more than the scoring itself.
 */
export function collaborativeCandidates(model: TenantModel, neighbors: PairLists, history: History, blocked: Uint8Array, limit: number): Candidate[] {
  const n = model.items.length
  const s = scratchFor(n)
  const { start, item, value } = neighbors
  let t = 0
  for (const h of history.items) {
    for (let p = start[h.index]!; p < start[h.index + 1]!; p++) {
      const b = item[p]!
      if (blocked[b]) continue
      const contribution = h.weight * value[p]!
      if (!(contribution > 0)) continue
      if (s.score[b] === 0) { s.touched[t++] = b; s.best[b] = -1 }
      s.score[b]! += contribution
      if (contribution > s.best[b]!) { s.best[b] = contribution; s.from[b] = h.index }
    }
  }
  const top = topKByScore(s.touched, t, s.score, limit)
  const out = top.map((b) => ({ index: b, score: s.score[b]!, reason: history.because(s.from[b]!) }))
  for (let k = 0; k < t; k++) s.score[s.touched[k]!] = 0
  return out
}

/**
 * How much a shopper's own history weighs beside the product in view, in all: the
 * anchor weighs 1, so it leads (two thirds of the mass) and the history reorders its
 * neighbours and adds a few of its own. BENCHMARKS.md ("Anchored lists") measures it.
 */
export const ANCHOR_HISTORY_SHARE = 0.5

/**
 * Item-anchored: the product in view's neighbours ("Shoppers who viewed Trail Runner X
 * also viewed"), blended with the neighbours of the shopper's history when they have
 * one (`history` undefined: the same list for everyone). The anchor is left out of the
 * history, where it usually is (the view that opened the page).
 */
export function anchoredCandidates(model: TenantModel, neighbors: PairLists, anchor: number, history: History | undefined, blocked: Uint8Array, limit: number): Candidate[] {
  const own = history?.items.filter((h) => h.index !== anchor) ?? []
  let total = 0
  for (const h of own) total += h.weight
  const anchorName = model.items[anchor]!.name
  const blended: History = {
    items: [{ index: anchor, weight: 1, strongest: 'product_viewed' }, ...own.map((h) => ({ ...h, weight: (ANCHOR_HISTORY_SHARE * h.weight) / total }))],
    because: (i) => (i === anchor ? `Shoppers who viewed ${anchorName} also viewed` : history!.because(i)),
    which: (i) => (i === anchor ? 'which you are viewing' : history!.which(i)),
  }
  return collaborativeCandidates(model, neighbors, blended, blocked, limit)
}

interface Scratch { score: Float64Array; best: Float64Array; from: Int32Array; touched: Int32Array }
let scratch: Scratch | undefined
function scratchFor(n: number): Scratch {
  if (!scratch || scratch.score.length < n) scratch = { score: new Float64Array(n), best: new Float64Array(n), from: new Int32Array(n), touched: new Int32Array(n) }
  return scratch
}
