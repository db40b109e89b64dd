// Each strategy recovers what the synthetic store planted (scripts/eval/synthetic.ts).
import { describe, expect, test } from 'bun:test'
import { syntheticStore, userStateOf } from '../../scripts/eval/synthetic.ts'
import { buildModel } from './build.ts'
import { recommend } from './recommend.ts'
import type { RecommendRequest, StrategyName, UserState } from './types.ts'

const store = syntheticStore()
const model = buildModel(store.input)
const now = store.input.now
const anonymous: UserState = { recent: [], purchased: [], eventCount: 0 }
const ask = (strategy: StrategyName, more: Partial<RecommendRequest> = {}): RecommendRequest => ({ strategy, limit: 10, excludePurchased: true, ...more })
const categoryOf = new Map(store.input.items.map((x) => [x.productId, x.category]))

describe('synthetic store', () => {
  test('frequently_bought_together: each planted pair ranks its partner first', () => {
    for (const [a, b] of store.pairs) {
      const r = recommend(model, anonymous, ask('frequently_bought_together', { productId: a }))
      expect(r.strategy).toBe('frequently_bought_together')
      expect(r.items[0]!.productId).toBe(b)
      expect(recommend(model, anonymous, ask('frequently_bought_together', { productId: b })).items[0]!.productId).toBe(a)
    }
  })

  test('trending: the burst items are the top 3', () => {
    const r = recommend(model, anonymous, ask('trending', { limit: 3 }))
    expect(r.items.map((x) => x.productId).sort()).toEqual([...store.burst].sort())
  })

  test('content_based: the same category first', () => {
    for (const [category, ids] of store.categories) {
      for (const productId of ids.slice(0, 5)) {
        const r = recommend(model, anonymous, ask('content_based', { productId }))
        expect(r.strategy).toBe('content_based')
        expect(r.items.map((x) => categoryOf.get(x.productId))).toEqual(Array(10).fill(category))
      }
    }
  })

  test('collaborative: a shopper who just viewed a taste cluster gets that cluster', () => {
    store.clusters.forEach((cluster, k) => {
      // A new shopper: three cluster items viewed in the last minutes, plus impressions
      // (which count as events but say nothing about taste).
      const recent = [
        ...cluster.slice(0, 3).map((productId, i) => ({ productId, eventType: 'product_viewed' as const, ts: now - (i + 1) * 60_000 })),
        ...[1, 2].map((i) => ({ productId: cluster[5]!, eventType: 'recommendation_impressed' as const, ts: now - i * 1000 })),
      ]
      const r = recommend(model, { recent, purchased: [], eventCount: recent.length }, ask('collaborative', { limit: 5 }))
      expect(r.strategy).toBe('collaborative')
      expect(r.items.filter((x) => cluster.includes(x.productId)).length, `cluster ${k}`).toBe(5)
    })
  })

  test('collaborative: an established shopper’s list is mostly their own cluster', () => {
    let inCluster = 0
    let total = 0
    for (const [userId, k] of [...store.clusterOf].filter((_, i) => i % 25 === 0)) {
      const r = recommend(model, userStateOf(store.input.interactions, userId), ask('collaborative'))
      inCluster += r.items.filter((x) => store.clusters[k]!.includes(x.productId)).length
      total += r.items.length
    }
    expect(inCluster / total).toBeGreaterThan(0.6)
  })
})
