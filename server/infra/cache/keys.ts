// Hash tags: in a Redis Cluster the slot of a key is the hash of its first `{…}`, so every
// key of one tenant shares a slot (one node), and a multi-key script or pipeline over a
// tenant's keys (live counters, its answer slots, its sweep) is legal there. Keys that are
// not a tenant's (sign-in limits, per-address limits, admin limits) are each one key per
// script, so they need no shared tag. On a single Redis the braces are just characters.

/** The tag every key of this tenant carries. */
export const tenantTag = (tenantId: string) => `{t:${tenantId}}`

/** What decides a key's slot: the content of its first non-empty `{…}`, else the whole key (as Redis Cluster does). */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{')
  if (open >= 0) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) return key.slice(open + 1, close)
  }
  return key
}

/** Groups items by their key's slot tag: what one pipeline or one DEL may carry on a cluster. */
export function bySlotTag<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const tag = hashTagOf(keyOf(item))
    let g = groups.get(tag)
    if (!g) groups.set(tag, (g = []))
    g.push(item)
  }
  return [...groups.values()]
}
