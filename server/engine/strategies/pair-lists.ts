// A model's per-item pair lists (collaborative neighbours, bought-together partners) as
// they are served: one compressed-sparse-row table of typed arrays per model. The stored
// model keeps them as an array of [item, value, count] triples per item, which in memory
// is an object per pair: 1.1 million of them on the retail store, and every full garbage
// collection marks them all (measured: 15 ms a collection against 4.4 ms without).
// Typed arrays are opaque to the collector. Sized to what they hold: two bytes an item
// index below 65,536 items, float32 values (weights and lifts stored to six decimals), so a
// pair takes 10 bytes, not 16 (BENCHMARKS.md, "Bytes per loaded model").

export interface PairLists {
  /** Item i's pairs are at [start[i], start[i + 1]). */
  start: Int32Array
  item: Uint16Array | Int32Array
  value: Float32Array
  count: Int32Array
}

export function pairLists(lists: readonly (readonly (readonly [number, number, number])[] | undefined)[], items: number): PairLists {
  const start = new Int32Array(items + 1)
  for (let i = 0; i < items; i++) start[i + 1] = start[i]! + (lists[i]?.length ?? 0)
  const total = start[items]!
  const item = items <= 65_536 ? new Uint16Array(total) : new Int32Array(total)
  const value = new Float32Array(total)
  const count = new Int32Array(total)
  for (let i = 0; i < items; i++) {
    let p = start[i]!
    for (const [other, v, n] of lists[i] ?? []) { item[p] = other; value[p] = v; count[p] = n; p++ }
  }
  return { start, item, value, count }
}
