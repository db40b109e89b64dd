// Trending: an item's activity in the last 24 h against its own usual day, so a
// best-seller having an ordinary day is not "trending" and a quiet item spiking is.
import type { TenantModel } from '../types.ts'
import { EVENT_TYPES, type EncodedInteractions } from './interactions.ts'
import { type Candidate, formatCount } from './ranking.ts'
import { DAY_MS } from './weights.ts'

/** Days before the last 24 h that make an item's baseline. */
const BASELINE_DAYS = 14
/** Fewer events in 24 h than this is noise, whatever the baseline. */
const MIN_TRENDING_EVENTS = 2

// Impressions are the widget's doing, and removing from the cart is not interest.
const ACTIVITY = new Uint8Array(EVENT_TYPES.map((t) => (t === 'recommendation_impressed' || t === 'remove_from_cart' ? 0 : 1)))

/**
 * Per item: events in the last 24 h (`views24h`, for the reason), and a Poisson z-like
 * score (c − b) / √(b + 1) with b the mean daily count over the baseline window (or over
 * as much history as the store has, if shorter). The +1 keeps an item with no baseline
 * from scoring infinitely on a handful of events.
 */
export function trendingScores(enc: EncodedInteractions, items: number, now: number): { views24h: number[]; score: number[] } {
  const recent = new Float64Array(items)
  const before = new Float64Array(items)
  const dayAgo = now - DAY_MS
  const baselineStart = dayAgo - BASELINE_DAYS * DAY_MS
  let first = dayAgo
  for (let n = 0; n < enc.count; n++) {
    if (!ACTIVITY[enc.type[n]!]) continue
    const t = enc.ts[n]!
    if (t > dayAgo) recent[enc.item[n]!]!++
    else if (t > baselineStart) { before[enc.item[n]!]!++; if (t < first) first = t }
  }
  const days = Math.max(1, (dayAgo - first) / DAY_MS)
  const views24h: number[] = []
  const score: number[] = []
  for (let i = 0; i < items; i++) {
    const c = recent[i]!
    const b = before[i]! / days
    views24h.push(c)
    score.push(c >= MIN_TRENDING_EVENTS ? Math.max(0, Math.round(((c - b) / Math.sqrt(b + 1)) * 1e4) / 1e4) : 0)
  }
  return { views24h, score }
}

function trendingReason(views: number): string {
  return `Trending: ${formatCount(views)} ${views === 1 ? 'interaction' : 'interactions'} in the last 24 h`
}

/** The highest velocity first, from the model's precomputed order. */
export function trendingCandidates(model: TenantModel, order: readonly number[], blocked: Uint8Array, limit: number): Candidate[] {
  const out: Candidate[] = []
  for (const i of order) {
    if (out.length >= limit) break
    if (!blocked[i]) out.push({ index: i, score: model.trending.score[i]!, reason: trendingReason(model.trending.views24h[i]!) })
  }
  return out
}
