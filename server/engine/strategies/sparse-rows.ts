// A model's content vectors as they are served: compressed sparse rows. Hashed TF-IDF
// vectors have ~15–60 non-zero features of 256, so a dense float32 matrix (1 KB an item,
// and a second copy in the similarity kernel's memory) was most of a loaded model's bytes;
// these rows take 5 bytes a non-zero (BENCHMARKS.md, "Bytes per loaded model"). Scoring
// a dense query against them touches only the non-zeros, which is faster in plain
// TypeScript than the dense WebAssembly kernel over every feature.

export interface SparseRows {
  readonly n: number
  readonly dim: number
  /** Row i's features are at [start[i], start[i + 1]). */
  readonly start: Int32Array
  /** Feature indexes, ascending within a row: a byte each while dim ≤ 256. */
  readonly col: Uint8Array | Uint16Array
  readonly value: Float32Array
}

const colsFor = (dim: number, length: number): Uint8Array | Uint16Array => {
  if (dim > 65_536) throw new RangeError(`content dim ${dim} above 65,536`)
  return dim <= 256 ? new Uint8Array(length) : new Uint16Array(length)
}

/** Rows from per-item vectors (plain arrays, as a stored model has them; a missing row is all zeros). Values are kept as float32, as the dense matrix kept them. */
export function sparseRows(vectors: readonly (ArrayLike<number> | undefined)[], n: number, dim: number): SparseRows {
  const start = new Int32Array(n + 1)
  for (let i = 0; i < n; i++) {
    const v = vectors[i]
    let nz = 0
    if (v) for (let j = 0; j < dim; j++) if (v[j]) nz++
    start[i + 1] = start[i]! + nz
  }
  const col = colsFor(dim, start[n]!)
  const value = new Float32Array(start[n]!)
  for (let i = 0; i < n; i++) {
    const v = vectors[i]
    if (!v) continue
    let p = start[i]!
    for (let j = 0; j < dim; j++) if (v[j]) { col[p] = j; value[p] = v[j]!; p++ }
  }
  return { n, dim, start, col, value }
}

/** `rows` with the rows of `more` after them. */
export function appendRows(rows: SparseRows, more: SparseRows): SparseRows {
  const n = rows.n + more.n
  const total = rows.start[rows.n]!
  const start = new Int32Array(n + 1)
  start.set(rows.start)
  for (let i = 1; i <= more.n; i++) start[rows.n + i] = total + more.start[i]!
  const col = colsFor(rows.dim, start[n]!)
  col.set(rows.col)
  col.set(more.col, total)
  const value = new Float32Array(start[n]!)
  value.set(rows.value)
  value.set(more.value, total)
  return { n, dim: rows.dim, start, col, value }
}

/** Row i as a dense vector, written into `out` (zeroed first) when given. */
export function denseRow(rows: SparseRows, i: number, out = new Float32Array(rows.dim)): Float32Array {
  out.fill(0)
  for (let p = rows.start[i]!; p < rows.start[i + 1]!; p++) out[rows.col[p]!] = rows.value[p]!
  return out
}

/** Rows [from, to) as a dense matrix, back to back: for the approximate index of large catalogs, which scores dense blocks. */
export function denseMatrix(rows: SparseRows, from = 0, to = rows.n): Float32Array {
  const { dim, start, col, value } = rows
  const m = new Float32Array((to - from) * dim)
  for (let i = from; i < to; i++) {
    const o = (i - from) * dim
    for (let p = start[i]!; p < start[i + 1]!; p++) m[o + col[p]!] = value[p]!
  }
  return m
}

/** Row i · a dense vector (summed in float64). */
export function dotRow(rows: SparseRows, i: number, dense: ArrayLike<number>): number {
  let d = 0
  for (let p = rows.start[i]!; p < rows.start[i + 1]!; p++) d += rows.value[p]! * dense[rows.col[p]!]!
  return d
}

/**
 * cosine(query, row i) for every row, 0 where either has zero norm (as the kernels define
 * it); summed in float64, so it differs from the float32 kernel in the seventh digit at most.
 */
export function scoreRows(rows: SparseRows, query: Float32Array): Float32Array {
  const { n, start, col, value } = rows
  if (query.length !== rows.dim) throw new RangeError(`query has ${query.length} dims, rows have ${rows.dim}`)
  let qNormSq = 0
  for (let j = 0; j < query.length; j++) qNormSq += query[j]! * query[j]!
  const out = new Float32Array(n)
  if (qNormSq === 0) return out
  for (let i = 0; i < n; i++) {
    let d = 0
    let normSq = 0
    for (let p = start[i]!; p < start[i + 1]!; p++) {
      const v = value[p]!
      d += v * query[col[p]!]!
      normSq += v * v
    }
    if (normSq !== 0) out[i] = d / Math.sqrt(qNormSq * normSq)
  }
  return out
}
