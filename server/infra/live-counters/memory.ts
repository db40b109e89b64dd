// The in-process live counters: the embedded default, and Redis's fallback while it is
// down. Hours older than KEPT_HOURS and expired baskets are dropped as new events arrive.
import {
  BASKET_TTL_MS, HOUR_MS, KEPT_HOURS, MAX_BASKET_ITEMS, MAX_PAIR_UPDATES, MAX_PRODUCTS_PER_HOUR,
  type HourCounts, type LiveCounterStore, type LiveEvent,
} from './types.ts'
import { EVENT_TYPES } from '../../vocabulary.ts'

/** Open baskets a tenant may hold; the oldest close first beyond it. */
const MAX_BASKETS = 100_000

interface TenantCounts {
  tick: number
  hours: Map<number, HourCounts>
  /** Per hour, per product: partner → baskets together. */
  pairs: Map<number, Map<string, Map<string, number>>>
  baskets: Map<string, { items: Set<string>; until: number }>
}

export class MemoryLiveCounters implements LiveCounterStore {
  private tenants = new Map<string, TenantCounts>()

  constructor(private now: () => number = Date.now) {}

  private of(tenantId: string): TenantCounts {
    let t = this.tenants.get(tenantId)
    if (!t) this.tenants.set(tenantId, (t = { tick: 0, hours: new Map(), pairs: new Map(), baskets: new Map() }))
    return t
  }

  async record(tenantId: string, events: readonly LiveEvent[]): Promise<void> {
    if (!events.length) return
    const t = this.of(tenantId)
    const now = this.now()
    this.prune(t, now)
    let pairBudget = MAX_PAIR_UPDATES
    for (const e of events) {
      let hour = t.hours.get(e.hour)
      if (!hour) t.hours.set(e.hour, (hour = new Map()))
      let counts = hour.get(e.productId)
      if (!counts) {
        if (hour.size >= MAX_PRODUCTS_PER_HOUR) continue
        hour.set(e.productId, (counts = new Array<number>(EVENT_TYPES.length).fill(0)))
      }
      counts[e.type]!++
      if (e.basket === undefined) continue
      let basket = t.baskets.get(e.basket)
      if (!basket || basket.until <= now) {
        t.baskets.delete(e.basket)
        if (t.baskets.size >= MAX_BASKETS) t.baskets.delete(t.baskets.keys().next().value!)
        t.baskets.set(e.basket, (basket = { items: new Set(), until: now + BASKET_TTL_MS }))
      }
      if (basket.items.size >= MAX_BASKET_ITEMS || basket.items.has(e.productId)) continue
      if (pairBudget >= 2 * basket.items.size) {
        pairBudget -= 2 * basket.items.size
        let byProduct = t.pairs.get(e.hour)
        if (!byProduct) t.pairs.set(e.hour, (byProduct = new Map()))
        for (const other of basket.items) {
          bump(byProduct, e.productId, other)
          bump(byProduct, other, e.productId)
        }
      }
      basket.items.add(e.productId)
    }
    t.tick++
  }

  async tick(tenantId: string) { return this.tenants.get(tenantId)?.tick ?? 0 }

  async hours(tenantId: string, hours: readonly number[]): Promise<HourCounts[]> {
    const t = this.tenants.get(tenantId)
    // Copies: a reader keeps what it read while this store goes on counting.
    return hours.map((h) => new Map([...(t?.hours.get(h) ?? [])].map(([p, c]) => [p, [...c]])))
  }

  async partners(tenantId: string, productId: string, hours: readonly number[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    const t = this.tenants.get(tenantId)
    for (const h of hours) for (const [other, n] of t?.pairs.get(h)?.get(productId) ?? []) out.set(other, (out.get(other) ?? 0) + n)
    return out
  }

  async dropBaskets(tenantId: string, baskets: readonly string[]): Promise<void> {
    const t = this.tenants.get(tenantId)
    for (const b of baskets) t?.baskets.delete(b)
  }

  private prune(t: TenantCounts, now: number) {
    const oldest = Math.floor(now / HOUR_MS) - KEPT_HOURS
    for (const h of t.hours.keys()) if (h < oldest) t.hours.delete(h)
    for (const h of t.pairs.keys()) if (h < oldest) t.pairs.delete(h)
    for (const [k, b] of t.baskets) { if (b.until > now) break; t.baskets.delete(k) } // opened in order, so they expire in order
  }
}

function bump(byProduct: Map<string, Map<string, number>>, a: string, b: string) {
  let partners = byProduct.get(a)
  if (!partners) byProduct.set(a, (partners = new Map()))
  partners.set(b, (partners.get(b) ?? 0) + 1)
}
