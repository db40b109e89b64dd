// The fallbacks: what a shopper without history (or a strategy short of items) gets.
// trending_fallback is what is trending, then what is popular; category_popular puts
// the context product's category first. Popularity is the decayed interaction weight.
import type { Signals } from '../signals.ts'
// The chain ends in the catalog alone (the newest items), so no list is empty while the
// catalog has available items: a tenant with no events yet still fills its widgets.
import type { RanStrategy, TenantModel } from '../types.ts'
import type { EncodedInteractions } from './interactions.ts'
import type { ModelIndex } from './model-index.ts'
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

/** Up to `limit` items not blocked, newest first, each scored by its rank (the catalog has no other measure). */
function newArrivalCandidates(model: TenantModel, newest: readonly number[], blocked: Uint8Array, limit: number): Candidate[] {
  const out: Candidate[] = []
  for (const i of newest) {
    if (out.length >= limit) break
    if (blocked[i]) continue
    const category = model.items[i]!.category?.trim()
    out.push({ index: i, score: 1 / (out.length + 1), reason: category ? `New in ${category}` : 'New in the shop' })
  }
  return out
}

export type FallbackName = Extract<RanStrategy, 'trending_fallback' | 'category_popular' | 'new_arrivals_fallback'>

export interface Fallback {
  name: FallbackName
  /** Ranked lists, best source first, each ranked by its own score (see chainScores). */
  segments: Candidate[][]
}

/**
 * Up to `limit` fallback items: the context item's category by popularity when there is
 * one, then trending, then popular, then the newest items of the catalog. Marks what it
 * picks in `blocked`, so the lists never repeat an item.
 */
export function fallbackCandidates(model: TenantModel, index: ModelIndex, signals: Signals, context: number | undefined, blocked: Uint8Array, limit: number): Fallback {
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
  const fromEvents = segments.length
  take(newArrivalCandidates(model, index.newest, blocked, left))
  const name = inCategory.length > 0 ? 'category_popular' : fromEvents === 0 && segments.length > 0 ? 'new_arrivals_fallback' : 'trending_fallback'
  return { name, segments }
}
