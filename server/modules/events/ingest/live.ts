// Stored events into the live counters (infra/live-counters): after the commit, before
// the 202 is read by anyone, so trending, the popularity fallback and bought-together
// see an event within a second. The counters keep the last day by the events' own
// timestamps; older events (imports, a queue flushed late) are the next build's.
import type { NewEvent } from '../../../../db/queries/events.ts'
import type { LiveCounterStore, LiveEvent } from '../../../infra/live-counters/types.ts'
import { BASKET_TTL_MS, HOUR_MS, KEPT_HOURS } from '../../../infra/live-counters/types.ts'
import type { Logger } from '../../../logger.ts'
import { EVENT_TYPES } from '../../../vocabulary.ts'
import { DAY_MS } from '../../../engine/strategies/weights.ts'

const TYPE = new Map<string, number>(EVENT_TYPES.map((t, i) => [t, i]))
// Shown a recommendation says nothing about the item, and counting impressions would let a widget trend its own picks.
const SKIPPED = TYPE.get('recommendation_impressed')
const PURCHASE = TYPE.get('purchase')

/** A purchase's basket, as the build forms them: its order, else its session, else the shopper's day. */
function basketOf(e: NewEvent): string {
  const order = e.metadata?.orderId
  if (typeof order === 'string' || typeof order === 'number') return `o:${order}`
  if (e.sessionId) return `s:${e.sessionId}`
  return shopperDayBasket(e.userId, Math.floor(e.ts.getTime() / DAY_MS))
}

const shopperDayBasket = (userId: string, day: number) => `d:${userId}:${day}`

/**
 * The baskets named after a shopper that may be open at `now`: one per day of an event the
 * counters still take (the last KEPT_HOURS, a little ahead) and a basket outlives its first
 * item by BASKET_TTL_MS. An erasure drops them.
 */
export function shopperBaskets(userId: string, now: number): string[] {
  const first = Math.floor((now - KEPT_HOURS * HOUR_MS - BASKET_TTL_MS) / DAY_MS)
  const last = Math.floor((now + HOUR_MS) / DAY_MS)
  const out: string[] = []
  for (let day = first; day <= last; day++) out.push(shopperDayBasket(userId, day))
  return out
}

/** The stored events the counters keep, per tenant. */
export function liveEventsOf(stored: readonly NewEvent[], now: number): Map<string, LiveEvent[]> {
  const oldest = Math.floor(now / HOUR_MS) - 23 // the hours a reader adds up: the one in progress and the 23 before
  const out = new Map<string, LiveEvent[]>()
  for (const e of stored) {
    const type = TYPE.get(e.eventType)
    const hour = Math.floor(e.ts.getTime() / HOUR_MS)
    if (type === undefined || type === SKIPPED || hour < oldest) continue
    let list = out.get(e.tenantId)
    if (!list) out.set(e.tenantId, (list = []))
    list.push(type === PURCHASE ? { productId: e.productId, type, hour, basket: basketOf(e) } : { productId: e.productId, type, hour })
  }
  return out
}

/** Counts stored events; never fails the ingestion that stored them (a lost count is a later build's). */
export function recordLive(d: { live: LiveCounterStore; clock: () => Date; log: Logger }) {
  return (stored: readonly NewEvent[]): Promise<void> => {
    const byTenant = liveEventsOf(stored, d.clock().getTime())
    return Promise.all([...byTenant].map(([tenantId, events]) => d.live.record(tenantId, events)))
      .then(() => {}, (error) => d.log.warn('live counters: events not counted', { error }))
  }
}
