// Plain TypeScript versions of assembly/similarity.ts, for hosts without WebAssembly SIMD
// and as the baseline the benchmark compares against. Sums run in float64 (JS numbers), so
// results differ from the float32 SIMD kernel only in the last bits; the tests allow 1e-5.
// Same conventions as the kernel: a zero-norm vector has cosine 0; top-k ranks NaN with
// -Infinity and breaks ties by the lower index.

function cosineFrom(dot: number, aNormSq: number, bNormSq: number): number {
  return aNormSq === 0 || bNormSq === 0 ? 0 : dot / Math.sqrt(aNormSq * bNormSq)
}

export function cosine(a: Float32Array, b: Float32Array): number {
  checkPair(a, b)
  let dot = 0
  let aa = 0
  let bb = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    dot += x * y
    aa += x * x
    bb += y * y
  }
  return cosineFrom(dot, aa, bb)
}

/** out[i] = cosine(query, row i) for `n` rows of `dim` floats stored back to back. */
export function scoreAll(query: Float32Array, matrix: Float32Array, n: number, dim: number): Float32Array {
  checkMatrix(matrix, n, dim)
  checkQuery(query, dim)
  let qq = 0
  for (let j = 0; j < dim; j++) qq += query[j]! * query[j]!
  const out = new Float32Array(n)
  for (let i = 0, row = 0; i < n; i++, row += dim) {
    let dot = 0
    let rr = 0
    for (let j = 0; j < dim; j++) {
      const r = matrix[row + j]!
      dot += query[j]! * r
      rr += r * r
    }
    out[i] = cosineFrom(dot, qq, rr)
  }
  return out
}

// Shape checks, shared with the WebAssembly wrappers: a kernel handed a wrong length would
// read past its input instead of failing.
export function checkPair(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new RangeError(`cosine: lengths differ (${a.length} vs ${b.length})`)
}

export function checkMatrix(matrix: Float32Array, n: number, dim: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(dim) || n < 0 || dim < 0) {
    throw new RangeError(`scoreAll: n and dim must be non-negative integers (got ${n}, ${dim})`)
  }
  if (matrix.length < n * dim) throw new RangeError(`scoreAll: matrix has ${matrix.length} floats, needs ${n * dim}`)
}

export function checkQuery(query: Float32Array, dim: number): void {
  if (query.length !== dim) throw new RangeError(`scoreAll: query has ${query.length} floats, dim is ${dim}`)
}

export function checkExclude(exclude: Uint8Array | undefined, n: number): void {
  if (exclude && exclude.length < n) throw new RangeError(`topK: exclude has ${exclude.length} bytes, needs ${n}`)
}

/** How many indices topK returns at most: k rounded down, clamped to [0, n]. */
export function topKLimit(k: number, n: number): number {
  return Math.max(0, Math.min(Math.floor(k), n))
}

/**
 * Indices of the k highest scores, best first; indices whose `exclude` byte is non-zero are
 * skipped. Returns min(k, eligible) indices.
 */
export function topK(scores: Float32Array, k: number, exclude?: Uint8Array): Int32Array {
  const n = scores.length
  checkExclude(exclude, n)
  const limit = topKLimit(k, n)
  // Size-k heap whose root is the weakest kept index: O(n log k) rather than a full sort.
  const heap = new Int32Array(limit)
  const rank = (i: number): number => {
    const s = scores[i]!
    return Number.isNaN(s) ? -Infinity : s
  }
  const below = (sa: number, a: number, sb: number, b: number): boolean => sa < sb || (sa === sb && a > b)
  const siftDown = (size: number, idx: number, s: number): void => {
    let pos = 0
    for (;;) {
      let child = 2 * pos + 1
      if (child >= size) break
      let c = heap[child]!
      let cs = rank(c)
      if (child + 1 < size) {
        const r = heap[child + 1]!
        const rs = rank(r)
        if (below(rs, r, cs, c)) {
          child++
          c = r
          cs = rs
        }
      }
      if (!below(cs, c, s, idx)) break
      heap[pos] = c
      pos = child
    }
    heap[pos] = idx
  }

  let size = 0
  if (limit > 0) {
    for (let i = 0; i < n; i++) {
      if (exclude && exclude[i] !== 0) continue
      const s = rank(i)
      if (size < limit) {
        let pos = size++
        while (pos > 0) {
          const parent = (pos - 1) >> 1
          const p = heap[parent]!
          if (!below(s, i, rank(p), p)) break
          heap[pos] = p
          pos = parent
        }
        heap[pos] = i
      } else if (below(rank(heap[0]!), heap[0]!, s, i)) {
        siftDown(size, i, s)
      }
    }
    // Heapsort: moving the weakest to the end each round leaves the array best-first.
    for (let end = size - 1; end > 0; end--) {
      const weakest = heap[0]!
      const last = heap[end]!
      siftDown(end, last, rank(last))
      heap[end] = weakest
    }
  }
  return size === limit ? heap : heap.slice(0, size)
}

/**
 * Inverts a symmetric positive definite n × n matrix (row-major) in place: Gauss–Jordan
 * without pivoting, which is stable for such matrices (every pivot is a positive Schur
 * complement). The kernel does the same operations in the same order, so both agree bit
 * for bit.
 */
export function invertSpd(a: Float64Array, n: number): void {
  checkSquare(a, n)
  for (let c = 0; c < n; c++) {
    const rowC = c * n
    const inverse = 1 / a[rowC + c]!
    for (let j = 0; j < n; j++) a[rowC + j]! *= inverse
    a[rowC + c] = inverse
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const rowR = r * n
      const f = a[rowR + c]!
      if (f === 0) continue
      a[rowR + c] = 0
      for (let j = 0; j < n; j++) a[rowR + j]! -= f * a[rowC + j]!
    }
  }
}

export function checkSquare(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || a.length < n * n) throw new RangeError(`invertSpd: a ${n} × ${n} matrix needs ${n * n} values, got ${a.length}`)
}
