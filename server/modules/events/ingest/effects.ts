// The ingest pipeline's rollups, run in the same transaction as the INSERT
// that stored the events (which also updated the user profiles): daily
// recommendation rollups, with purchases attributed to the latest
// recommendation click within the tenant's window. A click that arrives
// after the purchase it led to (a browser queue flushing late) attributes
// that purchase then, unless another click already had.
import type { RawSql } from '../../../../db/client.ts'
import { addDailyRollups, addProductRollups, addProductTotals } from '../../../../db/queries/analytics.ts'
import { anyRecommendationClicks, findAttributions, findLateConversions } from '../../../../db/queries/events.ts'
import { rollupDeltas, type Attribution, type StoredEvent } from './rollup.ts'

export interface StoredWithWindow extends StoredEvent { attributionWindowHours: number }

const COUNTED = new Set(['recommendation_impressed', 'recommendation_clicked', 'purchase'])

const str = (v: unknown) => (typeof v === 'string' ? v : null)

interface Ref { i: number; tenantId: string; userId: string; productId: string; ts: Date; windowHours: number }

export async function applyIngestEffects(tx: RawSql, events: StoredWithWindow[], bulk = false): Promise<void> {
  if (!events.some((e) => COUNTED.has(e.eventType))) return
  // One loop, no array per event (an import's chunk is tens of thousands of purchases).
  const purchases: Ref[] = []
  const clicks: Ref[] = []
  for (let i = 0; i < events.length; i++) {
    const e = events[i]
    const to = e.eventType === 'purchase' ? purchases : e.eventType === 'recommendation_clicked' ? clicks : undefined
    to?.push({ i, tenantId: e.tenantId, userId: e.userId, productId: e.productId, ts: e.ts, windowHours: e.attributionWindowHours })
  }
  const attributions = new Map<number, Attribution>()
  const prices = new Map<string, number>()
  // A large group of purchases and no clicks (an import of orders): when none of its tenants has any recommendation
  // click stored, none can be attributed, and one probe saves looking each purchase up. `bulk` (an import's chunk,
  // which PGlite keeps small): probed whatever the size, since the chunks that follow are alike.
  const attributable = clicks.length > 0 || (!bulk && purchases.length < 500) || await anyRecommendationClicks(tx, [...new Set(purchases.map((p) => p.tenantId))])
  for (const c of attributable ? await findAttributions(tx, purchases) : []) {
    attributions.set(c.i, { placement: c.placement, strategy: c.strategy, experimentId: c.experiment_id, arm: c.arm })
    if (c.catalog_price !== null) prices.set(`${events[c.i].tenantId}\u0000${events[c.i].productId}`, c.catalog_price)
  }
  // Earlier purchases these clicks attribute now: counted as conversions on their own day.
  const counted: StoredEvent[] = [...events]
  for (const late of await findLateConversions(tx, clicks, purchases)) {
    const click = events[late.i]
    attributions.set(counted.length, { placement: click.placement, strategy: click.strategy, experimentId: str(click.metadata?.experimentId), arm: str(click.metadata?.variant) })
    counted.push({ tenantId: click.tenantId, eventType: 'purchase', userId: click.userId, productId: click.productId, ts: new Date(late.ts_ms), metadata: late.metadata, placement: null, strategy: null })
    if (late.catalog_price !== null) prices.set(`${click.tenantId}\u0000${click.productId}`, late.catalog_price)
  }
  const { daily, product, totals } = rollupDeltas(counted, attributions, prices)
  await addDailyRollups(tx, daily)
  await addProductRollups(tx, product)
  await addProductTotals(tx, totals)
}
