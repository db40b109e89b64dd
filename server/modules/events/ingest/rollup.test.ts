// The rollup arithmetic on its own: what a handful of stored events adds per
// UTC day (and ISO week) to the daily, per-product and per-product-total rows.
import { describe, expect, test } from 'bun:test'
import { rollupDeltas, type Attribution, type StoredEvent } from './rollup.ts'

const A = '00000000-0000-4000-8000-00000000000a'
const B = '00000000-0000-4000-8000-00000000000b'
const ev = (eventType: string, productId: string, ts: string, o: Partial<StoredEvent> = {}): StoredEvent => ({
  tenantId: A, eventType, userId: 'u1', productId, ts: new Date(ts), metadata: null, placement: null, strategy: null, ...o,
})
const zero = { impressions: 0, clicks: 0, conversions: 0, revenue: 0 }
const home = { placement: 'home', strategy: 'trending', metadata: { experimentId: 'e1', variant: 'B' } }
const pdp: Attribution = { placement: 'pdp', strategy: 'similar', experimentId: 'e2', arm: 'A' }
const price = (tenantId: string, productId: string) => `${tenantId}\u0000${productId}`
// 2024-03-10 is a Sunday: its ISO week began on Monday 2024-03-04; the next starts on 2024-03-11.

describe('rollup deltas', () => {
  test('impressions and clicks count on their UTC day, under the event\'s placement, strategy and experiment arm', () => {
    const { daily, product } = rollupDeltas([
      ev('recommendation_impressed', 'p1', '2024-03-10T23:59:59.999Z', home),
      ev('recommendation_impressed', 'p1', '2024-03-11T00:00:00.000Z', home),
      ev('recommendation_impressed', 'p1', '2024-03-10T23:30:00-02:00', home), // 01:30 UTC on the 11th
      ev('recommendation_clicked', 'p1', '2024-03-11T08:00:00Z', home),
      ev('recommendation_impressed', 'p1', '2024-03-11T09:00:00Z'), // shown outside any placement or experiment
    ], new Map(), new Map())
    const keys = { placement: 'home', strategy: 'trending', experimentId: 'e1', arm: 'B' }
    expect(daily).toEqual([
      { tenantId: A, day: '2024-03-10', ...keys, ...zero, impressions: 1 },
      { tenantId: A, day: '2024-03-11', placement: '', strategy: '', experimentId: '', arm: '', ...zero, impressions: 1 },
      { tenantId: A, day: '2024-03-11', ...keys, ...zero, impressions: 2, clicks: 1 },
    ])
    expect(product).toEqual([
      { tenantId: A, day: '2024-03-10', productId: 'p1', placement: 'home', strategy: 'trending', ...zero, impressions: 1 },
      { tenantId: A, day: '2024-03-11', productId: 'p1', placement: '', strategy: '', ...zero, impressions: 1 },
      { tenantId: A, day: '2024-03-11', productId: 'p1', placement: 'home', strategy: 'trending', ...zero, impressions: 2, clicks: 1 },
    ])
  })

  test('a purchase counts only when attributed, under the click\'s keys; revenue is price × quantity, else the catalog price, else 0', () => {
    const day = '2024-03-10T12:00:00Z'
    const { daily, product } = rollupDeltas([
      ev('purchase', 'p1', day, { placement: 'own', strategy: 'own', metadata: { price: 10, quantity: 2, experimentId: 'own', variant: 'own' } }), // its own price over the catalog's
      ev('purchase', 'p2', day), // catalog price
      ev('purchase', 'p3', day, { metadata: { quantity: 2 } }), // catalog price × quantity
      ev('purchase', 'p4', day), // no price anywhere
      ev('purchase', 'p5', day, { metadata: { price: 99 } }), // not attributed
      ev('purchase', 'p6', day, { metadata: { price: 1 } }), // attributed to a click with no keys
    ], new Map([[0, pdp], [1, pdp], [2, pdp], [3, pdp], [5, { placement: null, strategy: null, experimentId: null, arm: null }]]),
    new Map([[price(A, 'p1'), 4], [price(A, 'p2'), 7.5], [price(A, 'p3'), 3], [price(A, 'p5'), 50]]))
    expect(daily).toEqual([
      { tenantId: A, day: '2024-03-10', placement: '', strategy: '', experimentId: '', arm: '', ...zero, conversions: 1, revenue: 1 },
      { tenantId: A, day: '2024-03-10', placement: 'pdp', strategy: 'similar', experimentId: 'e2', arm: 'A', ...zero, conversions: 4, revenue: 33.5 },
    ])
    expect(product.map((p) => [p.productId, p.placement, p.conversions, p.revenue])).toEqual([
      ['p1', 'pdp', 1, 20], ['p2', 'pdp', 1, 7.5], ['p3', 'pdp', 1, 6], ['p4', 'pdp', 1, 0], ['p6', '', 1, 1],
    ])
  })

  test('tenants never share rows or catalog prices', () => {
    const day = '2024-03-10T12:00:00Z'
    const { daily, totals } = rollupDeltas([
      ev('purchase', 'p1', day), ev('purchase', 'p1', day, { tenantId: B }),
      ev('recommendation_impressed', 'p1', day, { tenantId: B, ...home }),
    ], new Map([[0, pdp], [1, pdp]]), new Map([[price(B, 'p1'), 8]]))
    expect(daily.map((d) => [d.tenantId, d.placement, d.impressions, d.conversions, d.revenue])).toEqual([
      [A, 'pdp', 0, 1, 0], [B, 'home', 1, 0, 0], [B, 'pdp', 0, 1, 8],
    ])
    expect(totals.filter((x) => x.grain === 'd').map((x) => [x.tenantId, x.impressions, x.conversions, x.revenue])).toEqual([[A, 0, 1, 0], [B, 1, 1, 8]])
  })

  test('per-product totals sum every placement and strategy, by UTC day and by ISO week (from Monday)', () => {
    const { totals } = rollupDeltas([
      ev('recommendation_impressed', 'p1', '2024-03-10T10:00:00Z', home),
      ev('recommendation_impressed', 'p1', '2024-03-10T23:59:59.999Z', { placement: 'pdp' }),
      ev('recommendation_impressed', 'p1', '2024-03-11T00:00:00Z', home),
      ev('recommendation_clicked', 'p1', '2024-03-11T10:00:00Z', { placement: 'pdp' }),
      ev('recommendation_impressed', 'p2', '2024-03-04T00:00:00Z'), // the Monday the week began
      ev('purchase', 'p2', '2024-03-09T12:00:00Z', { metadata: { price: 2.5 } }),
    ], new Map([[5, pdp]]), new Map())
    expect(totals).toEqual([
      { tenantId: A, grain: 'd', day: '2024-03-04', productId: 'p2', ...zero, impressions: 1 },
      { tenantId: A, grain: 'd', day: '2024-03-09', productId: 'p2', ...zero, conversions: 1, revenue: 2.5 },
      { tenantId: A, grain: 'd', day: '2024-03-10', productId: 'p1', ...zero, impressions: 2 },
      { tenantId: A, grain: 'd', day: '2024-03-11', productId: 'p1', ...zero, impressions: 1, clicks: 1 },
      { tenantId: A, grain: 'w', day: '2024-03-04', productId: 'p1', ...zero, impressions: 2 },
      { tenantId: A, grain: 'w', day: '2024-03-04', productId: 'p2', ...zero, impressions: 1, conversions: 1, revenue: 2.5 },
      { tenantId: A, grain: 'w', day: '2024-03-11', productId: 'p1', ...zero, impressions: 1, clicks: 1 },
    ])
  })

  test('views, carts and types it does not know add nothing', () => {
    const d = rollupDeltas([
      ev('product_viewed', 'p1', '2024-03-10T10:00:00Z', home), ev('add_to_cart', 'p1', '2024-03-10T10:00:00Z', home),
      ev('teleported', 'p1', '2024-03-10T10:00:00Z', home),
    ], new Map([[0, pdp], [1, pdp], [2, pdp]]), new Map())
    expect(d).toEqual({ daily: [], product: [], totals: [] })
  })

  test('the same events in another order give the same rows in the same order (so concurrent writers lock rows alike)', () => {
    const events = [
      ev('recommendation_impressed', 'p2', '2024-03-11T10:00:00Z', home), ev('recommendation_clicked', 'p1', '2024-03-10T10:00:00Z', home),
      ev('recommendation_impressed', 'p1', '2024-03-10T09:00:00Z', { tenantId: B }), ev('purchase', 'p1', '2024-03-10T11:00:00Z', { metadata: { price: 3 } }),
      ev('recommendation_impressed', 'p3', '2024-03-09T10:00:00Z', { placement: 'cart' }),
    ]
    const forward = rollupDeltas(events, new Map([[3, pdp]]), new Map())
    const backward = rollupDeltas([...events].reverse(), new Map([[1, pdp]]), new Map())
    expect(backward).toEqual(forward)
    expect(forward.daily.map((d) => `${d.tenantId} ${d.day} ${d.placement}`)).toEqual([
      `${A} 2024-03-09 cart`, `${A} 2024-03-10 home`, `${A} 2024-03-10 pdp`, `${A} 2024-03-11 home`, `${B} 2024-03-10 `,
    ])
  })
})
