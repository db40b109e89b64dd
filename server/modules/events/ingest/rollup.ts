// What one group of newly stored events adds to the recommendation rollups
// (impressions, clicks, attributed conversions and revenue), without I/O.
import { dayOf, weekOf } from '../../../dates.ts'

export interface StoredEvent {
  tenantId: string; eventType: string; userId: string; productId: string; ts: Date
  metadata: Record<string, unknown> | null; placement: string | null; strategy: string | null
}

/** The recommendation click a purchase is attributed to (the latest within the window), if any. */
export interface Attribution { placement: string | null; strategy: string | null; experimentId: string | null; arm: string | null }

export interface DailyDelta { tenantId: string; day: string; placement: string; strategy: string; experimentId: string; arm: string; impressions: number; clicks: number; conversions: number; revenue: number }
export interface ProductDelta { tenantId: string; day: string; productId: string; placement: string; strategy: string; impressions: number; clicks: number; conversions: number; revenue: number }

export interface TotalDelta { tenantId: string; grain: 'd' | 'w'; day: string; productId: string; impressions: number; clicks: number; conversions: number; revenue: number }

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** Revenue of a purchase: metadata.price × metadata.quantity (quantity 1 when absent), else the catalog price. */
function purchaseAmount(e: StoredEvent, catalogPrice: number | undefined): number {
  const price = typeof e.metadata?.price === 'number' ? e.metadata.price : catalogPrice ?? 0
  const qty = typeof e.metadata?.quantity === 'number' ? e.metadata.quantity : 1
  return price * qty
}

export function rollupDeltas(events: StoredEvent[], attributions: Map<number, Attribution>, catalogPrices: Map<string, number>) {
  const daily = new Map<string, DailyDelta>()
  const product = new Map<string, ProductDelta>()
  const bump = (e: StoredEvent, at: Attribution | null, field: 'impressions' | 'clicks' | 'conversions', revenue = 0) => {
    const placement = at ? at.placement ?? '' : e.placement ?? ''
    const strategy = at ? at.strategy ?? '' : e.strategy ?? ''
    const experimentId = at ? at.experimentId ?? '' : str(e.metadata?.experimentId)
    const arm = at ? at.arm ?? '' : str(e.metadata?.variant)
    const day = dayOf(e.ts)
    const dk = [e.tenantId, day, placement, strategy, experimentId, arm].join('\u0000')
    const d = daily.get(dk) ?? { tenantId: e.tenantId, day, placement, strategy, experimentId, arm, impressions: 0, clicks: 0, conversions: 0, revenue: 0 }
    d[field]++
    d.revenue += revenue
    daily.set(dk, d)
    const pk = [e.tenantId, day, e.productId, placement, strategy].join('\u0000')
    const p = product.get(pk) ?? { tenantId: e.tenantId, day, productId: e.productId, placement, strategy, impressions: 0, clicks: 0, conversions: 0, revenue: 0 }
    p[field]++
    p.revenue += revenue
    product.set(pk, p)
  }
  events.forEach((e, i) => {
    if (e.eventType === 'recommendation_impressed') bump(e, null, 'impressions')
    else if (e.eventType === 'recommendation_clicked') bump(e, null, 'clicks')
    else if (e.eventType === 'purchase') {
      const at = attributions.get(i)
      if (at) bump(e, at, 'conversions', purchaseAmount(e, catalogPrices.get(`${e.tenantId}\u0000${e.productId}`)))
    }
  })
  // Per-product totals over every placement and strategy, by day and by week.
  const totals = new Map<string, TotalDelta>()
  for (const p of product.values()) {
    for (const [grain, day] of [['d', p.day], ['w', weekOf(p.day)]] as const) {
      const k = [p.tenantId, grain, day, p.productId].join('\u0000')
      const x = totals.get(k) ?? { tenantId: p.tenantId, grain, day, productId: p.productId, impressions: 0, clicks: 0, conversions: 0, revenue: 0 }
      x.impressions += p.impressions; x.clicks += p.clicks; x.conversions += p.conversions; x.revenue += p.revenue
      totals.set(k, x)
    }
  }
  // Sorted, so concurrent writers lock rows in one order.
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v)
  return { daily: sorted(daily), product: sorted(product), totals: sorted(totals) }
}
