// The ingest pipeline's rollups, run in the same transaction as the INSERT
// that stored the events (which also updated the user profiles): daily
// recommendation rollups, with purchases attributed to the latest
// recommendation click within the tenant's window.
import type { RawSql } from '../../../db/client.ts'
import { addDailyRollups, addProductRollups, findAttributions } from '../../../db/queries/events.ts'
import { rollupDeltas, type Attribution, type StoredEvent } from './rollup.ts'

export interface StoredWithWindow extends StoredEvent { attributionWindowHours: number }

const COUNTED = new Set(['recommendation_impressed', 'recommendation_clicked', 'purchase'])

export async function applyIngestEffects(tx: RawSql, events: StoredWithWindow[]): Promise<void> {
  if (!events.some((e) => COUNTED.has(e.eventType))) return
  const purchases = events.flatMap((e, i) => (e.eventType === 'purchase' ? [{ i, tenantId: e.tenantId, userId: e.userId, productId: e.productId, ts: e.ts, windowHours: e.attributionWindowHours }] : []))
  const attributions = new Map<number, Attribution>()
  const prices = new Map<string, number>()
  for (const c of await findAttributions(tx, purchases)) {
    attributions.set(c.i, { placement: c.placement, strategy: c.strategy, experimentId: c.experiment_id, arm: c.arm })
    if (c.catalog_price !== null) prices.set(`${events[c.i].tenantId}\u0000${events[c.i].productId}`, c.catalog_price)
  }
  const { daily, product } = rollupDeltas(events, attributions, prices)
  await addDailyRollups(tx, daily)
  await addProductRollups(tx, product)
}
