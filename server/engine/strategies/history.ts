// What a shopper's recent events (UserState.recent, seconds old included) say about
// their intent right now: one weight per catalog item, by event type and recency.
import { memo, type Purchased } from '../memo.ts'
import type { EventType, TenantModel, UserState } from '../types.ts'
import { DEFAULT_EVENT_WEIGHTS, decay, type EventWeights } from './weights.ts'

/**
 * Intent fades faster than taste: the model's interactions decay over the tenant's
 * half-life (weeks to months), while what a shopper did in their latest week says most
 * about what they want next. On the retail evaluation collaborative P@10 is 0.076 at 2
 * days, 0.078 at 7 and 0.077 at 90: flat, as purchases there come weeks apart; a week
 * suits browsing, where intent lasts days. A tenant sets its own (intentHalfLifeDays):
 * where taste is all there is (films rated over years), 0, and nothing fades.
 *
 * Ages count back from the shopper's own latest event, not from now: a common factor
 * for everything they did, so rankings are the same, but a shopper back after months
 * away keeps weights near 1 instead of 2^-(months × 4), which rounded to nothing in
 * content-based scoring's single-precision query and sent them to the fallback.
 */
export const INTENT_HALF_LIFE_DAYS = 7

export interface HistoryItem { index: number; weight: number; strongest: EventType }

export interface History {
  /** Distinct catalog items with a positive weight, strongest first (ties: lower index). */
  items: HistoryItem[]
  /** "Because you viewed Trail Runner X" (or bought it, or added it to your cart). */
  because(index: number): string
  /** "which you viewed" (bought, added to your cart). */
  which(index: number): string
}

export function historyOf(model: TenantModel, byId: ReadonlyMap<string, number>, user: UserState,
  weights: EventWeights = DEFAULT_EVENT_WEIGHTS, halfLifeDays = INTENT_HALF_LIFE_DAYS): History {
  const kept = memo.history.get(user)
  if (kept && kept.model.deref() === model && kept.byId.deref() === byId && kept.weights === weights && kept.halfLifeDays === halfLifeDays) return kept.history
  const history = workOutHistory(model, byId, user, weights, halfLifeDays)
  memo.history.set(user, { model: new WeakRef(model), byId: new WeakRef(byId), weights, halfLifeDays, history })
  return history
}

function workOutHistory(model: TenantModel, byId: ReadonlyMap<string, number>, user: UserState, weights: EventWeights, halfLifeDays: number): History {
  const byItem = new Map<number, HistoryItem>()
  let latest = -Infinity
  for (const e of user.recent) if (e.ts > latest) latest = e.ts
  for (const e of user.recent) {
    const index = byId.get(e.productId)
    const w = weights[e.eventType] ?? 0
    if (index === undefined || !(w > 0)) continue
    const weight = w * decay(latest - e.ts, halfLifeDays)
    const h = byItem.get(index)
    if (!h) byItem.set(index, { index, weight, strongest: e.eventType })
    else {
      h.weight += weight
      if (w > weights[h.strongest]) h.strongest = e.eventType
    }
  }
  // The profile keeps every purchase but only the newest events. Where nothing fades,
  // a purchase older than those events counts in full, as one purchase (its age does not
  // matter); where intent fades, its age is unknown, so it is left out.
  if (!(halfLifeDays > 0) && weights.purchase > 0) {
    for (const p of user.purchased) {
      const index = byId.get(p)
      if (index !== undefined && !byItem.has(index)) byItem.set(index, { index, weight: weights.purchase, strongest: 'purchase' })
    }
  }
  const items = [...byItem.values()].sort((a, b) => b.weight - a.weight || a.index - b.index)
  const strongest = (index: number): EventType | undefined => byItem.get(index)?.strongest
  return {
    items,
    because(index) {
      const name = model.items[index]!.name
      const did = strongest(index)
      return did === 'purchase' ? `Because you bought ${name}` : did === 'add_to_cart' ? `Because you added ${name} to your cart` : `Because you viewed ${name}`
    },
    which(index) {
      const did = strongest(index)
      return did === 'purchase' ? 'which you bought' : did === 'add_to_cart' ? 'which you added to your cart' : 'which you viewed'
    },
  }
}

function purchasedOf(byId: ReadonlyMap<string, number>, user: UserState) {
  const kept = memo.purchased.get(user)
  if (kept && kept.byId === byId) return kept
  const indexes: number[] = []
  for (const p of user.purchased) { const i = byId.get(p); if (i !== undefined) indexes.push(i) }
  for (const e of user.recent) if (e.eventType === 'purchase') { const i = byId.get(e.productId); if (i !== undefined) indexes.push(i) }
  const fresh: Purchased = { byId, indexes }
  memo.purchased.set(user, fresh)
  return fresh
}

/** Catalog indexes the shopper has bought: the profile's list and any purchase still only in `recent`. */
export function purchasedIndexes(byId: ReadonlyMap<string, number>, user: UserState): readonly number[] {
  return purchasedOf(byId, user).indexes
}

/** Whether the shopper bought any of these catalog indexes (-1, an item the model does not know, never counts). */
export function boughtAnyOf(byId: ReadonlyMap<string, number>, user: UserState, indexes: ArrayLike<number>): boolean {
  const bought = purchasedOf(byId, user)
  if (!bought.indexes.length) return false
  const set = (bought.set ??= new Set(bought.indexes))
  for (let k = 0; k < indexes.length; k++) if (set.has(indexes[k]!)) return true
  return false
}
