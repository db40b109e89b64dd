// The models an instance holds, bounded by bytes (MODEL_CACHE_MB): least recently used
// goes first when a new one does not fit, so memory stays bounded however many tenants
// ask. A single entry larger than the budget is still held (alone): its tenant is served
// from its model, not from the fallbacks forever.

export interface ModelCacheStats { bytes: number; models: number; loads: number; evictions: number; budgetBytes: number }

export class ByteBoundedLru<V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  private entries = new Map<string, { value: V; bytes: number }>()
  private held = 0
  private loads = 0
  private evictions = 0

  constructor(readonly budgetBytes: number, private onEvict: (key: string) => void = () => {}) {}

  /** The value, now the most recently used. */
  get(key: string): V | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    this.entries.delete(key)
    this.entries.set(key, e)
    return e.value
  }

  /** The value without counting a use (background work: patches, re-checks). */
  peek(key: string): V | undefined { return this.entries.get(key)?.value }

  has(key: string): boolean { return this.entries.has(key) }

  /**
   * Holds `value` as the most recently used, then evicts the least recently used others
   * until the bytes fit. `load`: a model newly brought into memory (counted), not a
   * replacement of one already held.
   */
  set(key: string, value: V, bytes: number, load = !this.entries.has(key)) {
    const old = this.entries.get(key)
    if (old) { this.held -= old.bytes; this.entries.delete(key) }
    this.entries.set(key, { value, bytes })
    this.held += bytes
    if (load) this.loads++
    for (const [k, e] of this.entries) {
      if (this.held <= this.budgetBytes || k === key) break
      this.entries.delete(k)
      this.held -= e.bytes
      this.evictions++
      this.onEvict(k)
    }
  }

  delete(key: string) {
    const e = this.entries.get(key)
    if (!e) return
    this.entries.delete(key)
    this.held -= e.bytes
  }

  keys(): string[] { return [...this.entries.keys()] }

  stats(): ModelCacheStats {
    return { bytes: this.held, models: this.entries.size, loads: this.loads, evictions: this.evictions, budgetBytes: this.budgetBytes }
  }
}
