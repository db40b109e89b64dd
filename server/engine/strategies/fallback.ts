// The fallbacks: what a shopper without history (or a strategy short of items) gets.
// trending_fallback is what is trending, then what is popular; category_popular puts
// the context product's category first. Popularity is the decayed interaction weight.
import type { Signals } from '../signals.ts'
import type { RanStrategy, TenantModel } from '../types.ts'
import type { EncodedInteractions } from './interactions.ts'
import { type Candidate, round6 } from './ranking.ts'
import { trendingCandidates } from './trending.ts'

/** Σ of each item's decayed event weights, over every user (events before `until`, when given). */
export function popularityScores(enc: EncodedInteractions, items: number, until = Infinity): number[] {
  const sum = new Float64Array(items)
  for (let n = 0; n < enc.count; n++) if (enc.ts[n]! < until) sum[enc.item[n]!]! += enc.weight[n]!
  return Array.from(sum, round6)
}

function popularCandidates(signals: Signals, order: readonly number[], blocked: Uint8Array, limit: number, reason: string): Candidate[] {
  const out: Candidate[] = []
  for (const i of order) {
    if (out.length >= limit) break
    if (!blocked[i]) out.push({ index: i, score: signals.popularity[i]!, reason })
  }
  return out
}

export type FallbackName = Extract<RanStrategy, 'trending_fallback' | 'category_popular'>

export interface Fallback {
  name: FallbackName
  /** Ranked lists, best source first, each ranked by its own score (see chainScores). */
  segments: Candidate[][]
}

/**
 * Up to `limit` fallback items: the context item's category by popularity when there is
 * one, then trending, then popular. Marks what it picks in `blocked`, so the lists never
 * repeat an item.
 */
export function fallbackCandidates(model: TenantModel, signals: Signals, context: number | undefined, blocked: Uint8Array, limit: number): Fallback {
  const segments: Candidate[][] = []
  let left = limit
  const take = (list: Candidate[]): void => {
    if (list.length === 0) return
    segments.push(list)
    for (const c of list) blocked[c.index] = 1
    left -= list.length
  }
  const category = context === undefined ? null : model.items[context]!.category
  const inCategory = category === null ? [] : popularCandidates(signals, signals.popularIn(category), blocked, left, `Popular in ${category}`)
  take(inCategory)
  take(trendingCandidates(signals.trending, blocked, left))
  take(popularCandidates(signals, signals.popular, blocked, left, 'Popular right now'))
  return { name: inCategory.length > 0 ? 'category_popular' : 'trending_fallback', segments }
}
