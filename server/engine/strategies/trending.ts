// Trending: an item's activity in the last 24 h against its own usual day, so a
// best-seller having an ordinary day is not "trending" and a quiet item spiking is.
// The build keeps each item's baseline and its counts per hour up to the hour it was
// built in; serving adds the hours since from the live counters (signals.ts), so an
// event counts within a second rather than at the next build.
import type { TenantModel } from '../types.ts'
import { EVENT_TYPES, type EncodedInteractions } from './interactions.ts'
import { type Candidate, formatCount } from './ranking.ts'
import { DAY_MS, HOUR_MS } from './weights.ts'

/** Days before the last 24 h that make an item's baseline. */
const BASELINE_DAYS = 14
/** Fewer events in 24 h than this is noise, whatever the baseline. */
const MIN_TRENDING_EVENTS = 2

// Impressions are the widget's doing, and removing from the cart is not interest.
export const ACTIVITY = new Uint8Array(EVENT_TYPES.map((t) => (t === 'recommendation_impressed' || t === 'remove_from_cart' ? 0 : 1)))

/**
 * The z-like velocity (c − b) / √(b + 1) of c events in 24 h against a mean day of b:
 * the +1 keeps an item with no baseline from scoring infinitely on a handful of events.
 */
export const velocity = (c: number, b: number): number =>
  c >= MIN_TRENDING_EVENTS ? Math.max(0, Math.round(((c - b) / Math.sqrt(b + 1)) * 1e4) / 1e4) : 0

/**
 * Per item: events in the last 24 h (`views24h`, for the reason), the mean daily count
 * over the baseline window (or over as much history as the store has, if shorter), and
 * the velocity. `hours`: the activity of the 24 whole hours before the hour `now` falls
 * in, as [item, hours before that hour (1..24), count] triples, flat — what serving
 * counts of the build, the live counters bringing the hours from then on.
 */
export function trendingScores(enc: EncodedInteractions, items: number, now: number): TenantModel['trending'] {
  const recent = new Float64Array(items)
  const before = new Float64Array(items)
  const dayAgo = now - DAY_MS
  const baselineStart = dayAgo - BASELINE_DAYS * DAY_MS
  const builtHour = Math.floor(now / HOUR_MS)
  const perHour = new Map<number, number>() // item * 32 + hours back → count
  let first = dayAgo
  for (let n = 0; n < enc.count; n++) {
    if (!ACTIVITY[enc.type[n]!]) continue
    const t = enc.ts[n]!
    if (t > dayAgo) recent[enc.item[n]!]!++
    else if (t > baselineStart) { before[enc.item[n]!]!++; if (t < first) first = t }
    const back = builtHour - Math.floor(t / HOUR_MS)
    if (back >= 1 && back <= 24) { const k = enc.item[n]! * 32 + back; perHour.set(k, (perHour.get(k) ?? 0) + 1) }
  }
  const days = Math.max(1, (dayAgo - first) / DAY_MS)
  const views24h: number[] = []
  const score: number[] = []
  const baseline: number[] = []
  for (let i = 0; i < items; i++) {
    const c = recent[i]!
    const b = before[i]! / days
    views24h.push(c)
    baseline.push(Math.round(b * 1e4) / 1e4)
    score.push(velocity(c, b))
  }
  const hours: number[] = []
  for (const k of [...perHour.keys()].sort((a, b) => a - b)) hours.push(Math.floor(k / 32), k % 32, perHour.get(k)!)
  return { views24h, score, baseline, hours }
}

function trendingReason(views: number): string {
  return `Trending: ${formatCount(views)} ${views === 1 ? 'interaction' : 'interactions'} in the last 24 h`
}

/** What a trending list reads: its order (highest velocity first), and per item the velocity and the 24 h count. */
export interface TrendingView { order: readonly number[]; score: ArrayLike<number>; views24h: ArrayLike<number> }

/** The highest velocity first. */
export function trendingCandidates(trending: TrendingView, blocked: Uint8Array, limit: number): Candidate[] {
  const out: Candidate[] = []
  for (const i of trending.order) {
    if (out.length >= limit) break
    if (!blocked[i]) out.push({ index: i, score: trending.score[i]!, reason: trendingReason(trending.views24h[i]!) })
  }
  return out
}
