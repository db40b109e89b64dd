// What a shopper's recent events (UserState.recent, seconds old included) say about
// their intent right now: one weight per catalog item, by event type and recency.
import type { EventType, TenantModel, UserState } from '../types.ts'
import { DEFAULT_EVENT_WEIGHTS, decay } from './weights.ts'

/**
 * Intent fades faster than taste: the model's interactions decay over the tenant's
 * half-life (weeks to months), while what a shopper did this week says most about what
 * they want next. On the retail evaluation collaborative P@10 is 0.076 at 2 days, 0.078
 * at 7 and 0.077 at 90: flat, as purchases there come weeks apart; a week suits
 * browsing, where intent lasts days.
 */
const INTENT_HALF_LIFE_DAYS = 7

export interface HistoryItem { index: number; weight: number; strongest: EventType }

export interface History {
  /** Distinct catalog items with a positive weight, strongest first (ties: lower index). */
  items: HistoryItem[]
  /** "Because you viewed Trail Runner X" (or bought it, or added it to your cart). */
  because(index: number): string
  /** "which you viewed" (bought, added to your cart). */
  which(index: number): string
}

export function historyOf(model: TenantModel, byId: ReadonlyMap<string, number>, user: UserState, now: number): History {
  const byItem = new Map<number, HistoryItem>()
  for (const e of user.recent) {
    const index = byId.get(e.productId)
    const w = DEFAULT_EVENT_WEIGHTS[e.eventType] ?? 0
    if (index === undefined || !(w > 0)) continue
    const weight = w * decay(now - e.ts, INTENT_HALF_LIFE_DAYS)
    const h = byItem.get(index)
    if (!h) byItem.set(index, { index, weight, strongest: e.eventType })
    else {
      h.weight += weight
      if (w > DEFAULT_EVENT_WEIGHTS[h.strongest]) h.strongest = e.eventType
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

// The profile's purchased list is the same array object for as long as the profile is
// cached, and a loyal shopper's runs to hundreds of ids: its indexes are worked out once
// per list and model index (both weakly held), not on every request.
const purchasedMemo = new WeakMap<readonly string[], { byId: ReadonlyMap<string, number>; indexes: number[] }>()

/** Catalog indexes the shopper has bought: the profile's list and any purchase still only in `recent`. */
export function purchasedIndexes(byId: ReadonlyMap<string, number>, user: UserState): number[] {
  let memo = purchasedMemo.get(user.purchased)
  if (!memo || memo.byId !== byId) {
    const indexes: number[] = []
    for (const p of user.purchased) { const i = byId.get(p); if (i !== undefined) indexes.push(i) }
    purchasedMemo.set(user.purchased, (memo = { byId, indexes }))
  }
  const out = memo.indexes.slice()
  for (const e of user.recent) if (e.eventType === 'purchase') { const i = byId.get(e.productId); if (i !== undefined) out.push(i) }
  return out
}
