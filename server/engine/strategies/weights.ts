// How much one interaction says about a shopper's taste, shared by the model build
// (implicit-feedback matrix, popularity) and by serving (a user's recent history).
import type { EventType } from '../types.ts'

export const DAY_MS = 86_400_000
/** Trending counts, and the live counters that join them, go by epoch hours (hours since 1970, UTC). */
export const HOUR_MS = 3_600_000

/**
 * Defaults when a tenant sets none: buying says most, a cart add half as much, a click
 * or a view little. Removing from the cart and merely seeing a recommendation say
 * nothing about liking an item, so they weigh 0 (they still count as activity).
 */
export const DEFAULT_EVENT_WEIGHTS: Readonly<Record<EventType, number>> = {
  purchase: 8,
  add_to_cart: 4,
  product_clicked: 2,
  recommendation_clicked: 2,
  product_viewed: 1,
  remove_from_cart: 0,
  recommendation_impressed: 0,
}

export type EventWeights = Readonly<Record<EventType, number>>

/** The tenant's weights over the defaults; negative or non-finite values count as 0. */
export function resolveWeights(weights: Partial<Record<EventType, number>> = {}): EventWeights {
  const out = { ...DEFAULT_EVENT_WEIGHTS }
  for (const type of Object.keys(out) as EventType[]) {
    const w = weights[type]
    if (w !== undefined) out[type] = Number.isFinite(w) && w > 0 ? w : 0
  }
  return out
}

/**
 * Exponential decay by age: 1 now, ½ after one half-life. Events stamped in the future
 * (client clocks) count as now rather than more than now.
 */
export function decay(ageMs: number, halfLifeDays: number): number {
  if (!(halfLifeDays > 0)) return 1
  return Math.pow(0.5, Math.max(0, ageMs) / (halfLifeDays * DAY_MS))
}
