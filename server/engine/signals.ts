// What trending, the popularity fallback and bought-together read: the model's lists as
// built, or those joined with the live counters' hours since the build (events seconds
// old). Pure: the hours come in as data (modules/recommendations/live-signals.ts reads
// them), and the answer depends on nothing else.
import { memo } from './memo.ts'
import { EVENT_TYPES } from './strategies/interactions.ts'
import type { ModelIndex } from './strategies/model-index.ts'
import { better } from './strategies/ranking.ts'
import { ACTIVITY, type TrendingView, velocity } from './strategies/trending.ts'
import { decay, type EventWeights, HOUR_MS } from './strategies/weights.ts'
import type { TenantModel } from './types.ts'

export interface Signals {
  trending: TrendingView
  /** Items with a positive popularity, most popular first. */
  popular: readonly number[]
  popularity: ArrayLike<number>
  /** The same for one category. */
  popularIn(category: string): readonly number[]
}

/** Live counts: per epoch hour, per product, events of each type (indexed as EVENT_TYPES). */
export type LiveHours = ReadonlyMap<number, ReadonlyMap<string, readonly number[]>>

export interface LiveInput {
  now: number
  /** The hours since the model's build hour (that one included), up to the hour `now` falls in. */
  hours: LiveHours
  /** The tenant's event weights and half-life, as its model was built with. */
  weights: EventWeights
  halfLifeDays: number
}

/** The model's lists as they were built (offline evaluation, and serving when the live counters cannot be read). */
export function modelSignals(model: TenantModel, index: ModelIndex): Signals {
  let s = memo.signals.get(model)
  if (!s) {
    s = {
      trending: { order: index.trending, score: model.trending.score, views24h: model.trending.views24h },
      popular: index.popular,
      popularity: model.popularity,
      popularIn: (category) => index.popularByCategory.get(category) ?? [],
    }
    memo.signals.set(model, s)
  }
  return s
}

/**
 * The first epoch hour the live counters bring for this model: its build hour when it was
 * built to be joined with them (liveFrom), else (older models) the hour after, so no
 * event counts twice.
 */
export const liveFromHour = (model: TenantModel): number =>
  model.liveFrom === undefined ? Math.floor(model.builtAt / HOUR_MS) + 1 : Math.floor(model.liveFrom / HOUR_MS)

/**
 * The model's lists with the live hours added. Trending counts the model's hours of the
 * last 24 up to its build hour and the live ones from there (the build keeps whole hours
 * only). Popularity adds the live weights from liveFromHour on to the model's, decayed to now.
 */
export function liveSignals(model: TenantModel, index: ModelIndex, live: LiveInput): Signals {
  const n = model.items.length
  const nowHour = Math.floor(live.now / HOUR_MS)
  const builtHour = Math.floor(model.builtAt / HOUR_MS)
  const from = nowHour - 23
  const liveHour = liveFromHour(model)
  const counts = new Float64Array(n)
  const touched: number[] = []
  const count = (i: number, c: number) => {
    if (c <= 0) return
    if (counts[i] === 0) touched.push(i)
    counts[i]! += c
  }
  const built = model.trending.hours
  if (built) {
    for (let k = 0; k < built.length; k += 3) if (builtHour - built[k + 1]! >= from) count(built[k]!, built[k + 2]!)
  } else if (nowHour - builtHour < 24) {
    for (let i = 0; i < n; i++) count(i, model.trending.views24h[i]!) // built before the live counters: its 24 h as they were
  }
  const weights = EVENT_TYPES.map((t) => live.weights[t])
  const added = new Float64Array(n)
  const raised: number[] = []
  for (const [hour, products] of live.hours) {
    if (hour < Math.max(from, builtHour) || hour > nowHour) continue
    for (const [productId, c] of products) {
      const i = index.byId.get(productId)
      if (i === undefined) continue // not in this model's catalog
      let activity = 0
      let weight = 0
      for (let t = 0; t < c.length; t++) { if (ACTIVITY[t]) activity += c[t]!; weight += weights[t]! * c[t]! }
      count(i, activity)
      if (hour >= liveHour && weight > 0) { if (added[i] === 0) raised.push(i); added[i]! += weight }
    }
  }

  const baseline = model.trending.baseline
  const score = new Float64Array(n)
  const order: number[] = []
  for (const i of touched) {
    score[i] = velocity(counts[i]!, baseline?.[i] ?? 0)
    if (score[i]! > 0) order.push(i)
  }
  const byScore = (values: ArrayLike<number>) => (a: number, b: number) => (better(values[a]!, a, values[b]!, b) ? -1 : 1)
  order.sort(byScore(score))

  const scale = decay(live.now - model.builtAt, live.halfLifeDays)
  const trending = { order, score, views24h: counts }
  if (raised.length === 0) {
    // Decay scales every item alike: the model's order stands.
    const s = modelSignals(model, index)
    return { ...s, trending }
  }
  const popularity = new Float64Array(n)
  for (let i = 0; i < n; i++) popularity[i] = model.popularity[i]! * scale + added[i]!
  raised.sort(byScore(popularity))
  const popular = mergeRanked(index.popular.filter((i) => added[i] === 0), raised, popularity)
  const byCategory = new Map<string, readonly number[]>()
  return {
    trending, popular, popularity,
    popularIn(category) {
      let list = byCategory.get(category)
      if (!list) byCategory.set(category, (list = popular.filter((i) => model.items[i]!.category === category)))
      return list
    },
  }
}

/** Two lists ranked by `score` as one. */
function mergeRanked(a: readonly number[], b: readonly number[], score: ArrayLike<number>): number[] {
  const out: number[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && better(score[a[i]!]!, a[i]!, score[b[j]!]!, b[j]!))) out.push(a[i++]!)
    else out.push(b[j++]!)
  }
  return out
}
