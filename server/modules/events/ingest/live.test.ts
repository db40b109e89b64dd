// Which stored events reach the live counters, and as what.
import { expect, test } from 'bun:test'
import { liveEventsOf } from './live.ts'
import { EVENT_TYPES } from '../../../vocabulary.ts'

const H = 3_600_000
const NOW = Date.UTC(2026, 11, 6, 12, 30)
const ev = (o: { tenantId?: string; eventType: string; productId?: string; userId?: string; ts?: number; sessionId?: string | null; metadata?: Record<string, unknown> | null }) => ({
  tenantId: o.tenantId ?? 't1', eventType: o.eventType, userId: o.userId ?? 'u', productId: o.productId ?? 'p', ts: new Date(o.ts ?? NOW),
  sessionId: o.sessionId ?? null, metadata: o.metadata ?? null, placement: null, strategy: null,
})

test('events of the last day count, per tenant and hour; impressions and older events do not', () => {
  const out = liveEventsOf([
    ev({ eventType: 'product_viewed' }),
    ev({ eventType: 'recommendation_impressed' }),
    ev({ eventType: 'add_to_cart', ts: NOW - 23 * H }),
    ev({ eventType: 'product_viewed', ts: NOW - 25 * H }), // an import's or a late queue's: the next build's
    ev({ tenantId: 't2', eventType: 'remove_from_cart' }),
  ], NOW)
  const hour = Math.floor(NOW / H)
  expect(out.get('t1')).toEqual([
    { productId: 'p', type: EVENT_TYPES.indexOf('product_viewed'), hour },
    { productId: 'p', type: EVENT_TYPES.indexOf('add_to_cart'), hour: hour - 23 },
  ])
  expect(out.get('t2')).toEqual([{ productId: 'p', type: EVENT_TYPES.indexOf('remove_from_cart'), hour }])
})

test('a purchase names its basket as the build does: the order, else the session, else the shopper\'s day', () => {
  const baskets = liveEventsOf([
    ev({ eventType: 'purchase', metadata: { orderId: 'A-1' }, sessionId: 's' }),
    ev({ eventType: 'purchase', sessionId: 's' }),
    ev({ eventType: 'purchase', userId: 'ann' }),
  ], NOW).get('t1')!.map((e) => e.basket)
  expect(baskets).toEqual(['o:A-1', 's:s', `d:ann:${Math.floor(NOW / (24 * H))}`])
})
