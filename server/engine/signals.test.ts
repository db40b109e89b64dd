// Live signals: the model's trending and popularity joined with the counters' hours,
// with no event counted twice across the line where the counters take over.
import { describe, expect, test } from 'bun:test'
import { makeItem } from '../../scripts/eval/synthetic.ts'
import { buildModel } from './build.ts'
import { recommend } from './recommend.ts'
import { liveSignals, type LiveHours } from './signals.ts'
import { modelIndex } from './strategies/model-index.ts'
import { EVENT_TYPES } from './strategies/interactions.ts'
import { resolveWeights } from './strategies/weights.ts'
import type { EventType, Interaction } from './types.ts'

const H = 3_600_000
const NOW = Date.UTC(2026, 5, 1, 12, 30) // half past: the build hour began 30 minutes ago
const HOUR = Math.floor(NOW / H)
const items = ['a', 'b', 'c', 'd'].map((n) => makeItem(n))
const ev = (productId: string, ago: number, eventType: EventType = 'product_viewed', userId = `u-${productId}-${ago}`): Interaction => ({ userId, productId, eventType, ts: NOW - ago })
const counts = (entries: Record<string, Partial<Record<EventType, number>>>) =>
  new Map(Object.entries(entries).map(([p, c]) => [p, EVENT_TYPES.map((t) => c[t] ?? 0)]))

/** 'a' busy 2–3 h ago (before the build hour); 'b' busy 10 minutes ago (in it: the counters' part). */
const model = buildModel({
  items, now: NOW, liveFrom: HOUR * H, weights: {}, halfLifeDays: 0,
  interactions: [...Array.from({ length: 5 }, (_, k) => ev('a', 2 * H + k * 60_000)), ...Array.from({ length: 3 }, (_, k) => ev('b', 10 * 60_000 + k))],
})
const signals = (hours: LiveHours, now = NOW) => liveSignals(model, modelIndex(model), { now, hours, weights: resolveWeights({}), halfLifeDays: 0 })

describe('live signals', () => {
  test('the build keeps whole hours before its own; popularity and baskets stop where the counters take over', () => {
    expect(model.liveFrom).toBe(HOUR * H)
    expect(model.popularity).toEqual([5, 0, 0, 0]) // b's views are this hour's: the counters'
    expect(model.trending.hours).toEqual([0, 2, 5]) // a: 5 events two hours back; b's are the counters'
  })

  test('trending adds the counters\' hours to the build\'s, each event once', () => {
    const s = signals(new Map([[HOUR, counts({ b: { product_viewed: 3 }, c: { product_viewed: 40, recommendation_impressed: 500 } })]]))
    expect(s.trending.order.map((i) => items[i]!.productId)).toEqual(['c', 'a', 'b'])
    expect(Array.from(s.trending.views24h)).toEqual([5, 3, 40, 0]) // impressions are not activity
  })

  test('popularity adds the counters\' weights from the build hour on', () => {
    const s = signals(new Map([[HOUR, counts({ d: { purchase: 1 } })]]))
    expect(s.popular.map((i) => items[i]!.productId)).toEqual(['d', 'a']) // a purchase (8) outweighs five views
    expect(s.popularity[3]).toBe(8)
  })

  test('hours slide out of the last 24', () => {
    const s = signals(new Map(), NOW + 23 * H) // a's events are now 25–26 h old
    expect(s.trending.order).toEqual([])
  })

  test('a cold shopper\'s answer follows the live signals, and the model\'s own without them', () => {
    const user = { recent: [], purchased: [], eventCount: 0 }
    const req = { strategy: 'collaborative' as const, limit: 2, excludePurchased: false }
    expect(recommend(model, user, req).items.map((x) => x.productId)).toEqual(['a', 'b'])
    const live = signals(new Map([[HOUR, counts({ c: { product_viewed: 40 } })]]))
    expect(recommend(model, user, req, undefined, { signals: live }).items.map((x) => x.productId)).toEqual(['c', 'a'])
  })
})
