/**
 * A map bounded to `max` entries. A full map makes room by the CLOCK rule: the
 * hand goes round the slots in insertion order and evicts the first entry not
 * read since the hand last passed it (those read get a second chance). So entries
 * asked for again and again stay, and one-off entries go first, at O(1) a step.
 *
 * Not `map.delete(map.keys().next().value)`: a JavaScriptCore Map's iterator walks
 * over the slots of deleted entries until the table is rebuilt, so once such a map is
 * full every eviction scans thousands of them (measured at 50,000 entries: 17–86 µs
 * per insert, against 0.5–2 µs here). Each entry remembers its slot, so a key deleted
 * and set again is not evicted by its old slot.
 *
 * Not lru-cache: 1.6–1.8x the CPU on a mixed workload (BENCHMARKS.md, "BoundedMap vs lru-cache").
 */
export class BoundedMap<K, V> {
  private entries = new Map<K, { value: V; slot: number; used: boolean }>()
  private ring: (K | undefined)[]
  private hand = 0

  constructor(readonly max: number) {
    this.ring = new Array<K | undefined>(max)
  }

  get size() { return this.entries.size }

  get(key: K): V | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    e.used = true
    return e.value
  }

  set(key: K, value: V): void {
    const e = this.entries.get(key)
    if (e) { e.value = value; return }
    for (;;) {
      const slot = this.hand
      this.hand = (slot + 1) % this.max
      const old = this.ring[slot]
      const occupant = old === undefined ? undefined : this.entries.get(old)
      if (occupant && occupant.slot === slot) {
        if (occupant.used) { occupant.used = false; continue }
        this.entries.delete(old!)
      }
      this.ring[slot] = key
      this.entries.set(key, { value, slot, used: false })
      return
    }
  }

  delete(key: K): boolean { return this.entries.delete(key) }

  /** The keys held now (deleting while walking them is safe): for the rare sweep, e.g. a shopper's erasure. */
  keys(): IterableIterator<K> { return this.entries.keys() }

  clear(): void {
    this.entries.clear()
    this.ring.fill(undefined)
    this.hand = 0
  }
}
