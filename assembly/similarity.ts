// Dense float32 similarity kernels (WebAssembly SIMD) for content-based scoring and model
// builds. Every export works on pointers into this module's linear memory.
//
// Memory: the host reserves space with alloc(bytes), which returns a 16-byte-aligned
// pointer (0 when memory cannot grow), and frees everything at once with reset(). alloc
// may grow memory, which detaches the host's views of `memory.buffer`: recreate them after
// allocating. No runtime, no imports; instantiate with `{}`.
//
// Cosine of a zero-norm vector is defined as 0 rather than NaN, so an item without an
// embedding scores neutral instead of poisoning a ranking.

// Pointer 0 is never handed out, so it can mean "out of memory" and "no mask".
// @ts-ignore: decorator
@inline const RESERVED: usize = 16;

let top: usize = 0;

// @ts-ignore: decorator
@inline function heapStart(): usize {
  return ((__heap_base + 15) & ~15) + RESERVED;
}

export function alloc(bytes: usize): usize {
  if (top == 0) top = heapStart();
  const ptr = top;
  const end = (ptr + bytes + 15) & ~15;
  if (end < ptr) return 0; // wrapped past 4 GiB
  const capacity = <usize>memory.size() << 16;
  if (end > capacity) {
    const pages = <i32>((end - capacity + 0xffff) >>> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  top = end;
  return ptr;
}

export function reset(): void {
  top = heapStart();
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1))
    + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// Two accumulators per sum so consecutive adds do not wait on each other.
export function dot(a: usize, b: usize, dim: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    const off = <usize>i << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + off), v128.load(b + off)));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(a + off, 16), v128.load(b + off, 16)));
  }
  if (i + 4 <= dim) {
    const off = <usize>i << 2;
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(a + off), v128.load(b + off)));
    i += 4;
  }
  let sum = hsum(f32x4.add(acc0, acc1));
  for (; i < dim; i++) {
    const off = <usize>i << 2;
    sum += load<f32>(a + off) * load<f32>(b + off);
  }
  return sum;
}

// AssemblyScript has no multi-value returns; dotAndNorm leaves |row|² here.
let rowNormSq: f32 = 0;

// One pass over the row for both q·row and |row|²; the query's norm is computed once by
// the caller. Same lane layout and summation order as dot(), so cosine() and scoreAll()
// agree bit for bit.
// @ts-ignore: decorator
@inline function dotAndNorm(q: usize, row: usize, dim: i32): f32 {
  let d0 = f32x4.splat(0);
  let d1 = f32x4.splat(0);
  let n0 = f32x4.splat(0);
  let n1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= dim; i += 8) {
    const off = <usize>i << 2;
    const r0 = v128.load(row + off);
    const r1 = v128.load(row + off, 16);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q + off), r0));
    d1 = f32x4.add(d1, f32x4.mul(v128.load(q + off, 16), r1));
    n0 = f32x4.add(n0, f32x4.mul(r0, r0));
    n1 = f32x4.add(n1, f32x4.mul(r1, r1));
  }
  if (i + 4 <= dim) {
    const off = <usize>i << 2;
    const r0 = v128.load(row + off);
    d0 = f32x4.add(d0, f32x4.mul(v128.load(q + off), r0));
    n0 = f32x4.add(n0, f32x4.mul(r0, r0));
    i += 4;
  }
  let d = hsum(f32x4.add(d0, d1));
  let n = hsum(f32x4.add(n0, n1));
  for (; i < dim; i++) {
    const off = <usize>i << 2;
    const r = load<f32>(row + off);
    d += load<f32>(q + off) * r;
    n += r * r;
  }
  rowNormSq = n;
  return d;
}

// The final division runs in f64: |a|²·|b|² overflows f32 for vectors of norm ~1e10.
// @ts-ignore: decorator
@inline function combine(d: f32, aNormSq: f32, bNormSq: f32): f32 {
  if (aNormSq == 0 || bNormSq == 0) return 0;
  return <f32>(<f64>d / Math.sqrt(<f64>aNormSq * <f64>bNormSq));
}

export function cosine(a: usize, b: usize, dim: i32): f32 {
  const aNormSq = dot(a, a, dim);
  const d = dotAndNorm(a, b, dim);
  return combine(d, aNormSq, rowNormSq);
}

// out[i] = cosine(query, row i) for n rows of `dim` floats stored back to back.
export function scoreAll(query: usize, matrix: usize, n: i32, dim: i32, out: usize): void {
  const qNormSq = dot(query, query, dim);
  const rowBytes = <usize>dim << 2;
  let row = matrix;
  for (let i = 0; i < n; i++) {
    const d = dotAndNorm(query, row, dim);
    store<f32>(out + (<usize>i << 2), combine(d, qNormSq, rowNormSq));
    row += rowBytes;
  }
}

// --- top-k ------------------------------------------------------------------------------
// A size-k heap kept in the output array whose root is the weakest kept index, then sorted
// in place: O(n log k) time and no scratch memory. NaN ranks with -Infinity; equal scores
// rank the lower index first.

// @ts-ignore: decorator
@inline function rankScore(scores: usize, i: i32): f32 {
  const s = load<f32>(scores + (<usize>i << 2));
  return s != s ? -Infinity : s;
}

// @ts-ignore: decorator
@inline function ranksBelow(sa: f32, a: i32, sb: f32, b: i32): bool {
  return sa < sb || (sa == sb && a > b);
}

// @ts-ignore: decorator
@inline function heapAt(heap: usize, pos: i32): i32 {
  return load<i32>(heap + (<usize>pos << 2));
}

// @ts-ignore: decorator
@inline function heapSet(heap: usize, pos: i32, idx: i32): void {
  store<i32>(heap + (<usize>pos << 2), idx);
}

function siftDown(scores: usize, heap: usize, size: i32, idx: i32, s: f32): void {
  let pos = 0;
  while (true) {
    let child = 2 * pos + 1;
    if (child >= size) break;
    let c = heapAt(heap, child);
    let cs = rankScore(scores, c);
    if (child + 1 < size) {
      const r = heapAt(heap, child + 1);
      const rs = rankScore(scores, r);
      if (ranksBelow(rs, r, cs, c)) {
        child++;
        c = r;
        cs = rs;
      }
    }
    if (!ranksBelow(cs, c, s, idx)) break;
    heapSet(heap, pos, c);
    pos = child;
  }
  heapSet(heap, pos, idx);
}

function selectTop(scores: usize, n: i32, k: i32, exclude: usize, out: usize): i32 {
  if (k > n) k = n;
  if (k <= 0) return 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (exclude != 0 && load<u8>(exclude + <usize>i) != 0) continue;
    const s = rankScore(scores, i);
    if (size < k) {
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        const p = heapAt(out, parent);
        if (!ranksBelow(s, i, rankScore(scores, p), p)) break;
        heapSet(out, pos, p);
        pos = parent;
      }
      heapSet(out, pos, i);
    } else {
      const root = heapAt(out, 0);
      if (ranksBelow(rankScore(scores, root), root, s, i)) siftDown(scores, out, size, i, s);
    }
  }
  // Heapsort: moving the weakest to the end each round leaves the array best-first.
  for (let end = size - 1; end > 0; end--) {
    const weakest = heapAt(out, 0);
    const last = heapAt(out, end);
    siftDown(scores, out, end, last, rankScore(scores, last));
    heapSet(out, end, weakest);
  }
  return size;
}

// Writes the indices of the k highest scores, best first, to outIdx (i32[min(k, n)]) and
// returns how many were written.
export function topK(scores: usize, n: i32, k: i32, outIdx: usize): i32 {
  return selectTop(scores, n, k, 0, outIdx);
}

// As topK, skipping every index i whose exclude byte (u8[n]) is non-zero, e.g. items the
// user already has.
export function topKExcluding(scores: usize, n: i32, k: i32, exclude: usize, outIdx: usize): i32 {
  return selectTop(scores, n, k, exclude, outIdx);
}

// Inverts a symmetric positive definite n × n float64 matrix (row-major at `a`) in place:
// Gauss–Jordan without pivoting, stable for such matrices (every pivot is a positive
// Schur complement). Used by model builds (EASE's (XᵀX + λI)⁻¹, m³ multiply-adds). The
// same operations in the same order as the TypeScript fallback, two lanes at a time, so
// both give the same bits (WebAssembly fuses no multiply-add).
export function invertSpd(a: usize, n: i32): void {
  const rowBytes = <usize>n << 3;
  for (let c = 0; c < n; c++) {
    const rowC = a + <usize>c * rowBytes;
    const pivotAt = rowC + (<usize>c << 3);
    const inverse = 1.0 / load<f64>(pivotAt);
    const vInverse = f64x2.splat(inverse);
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const at = rowC + (<usize>j << 3);
      v128.store(at, f64x2.mul(v128.load(at), vInverse));
    }
    for (; j < n; j++) {
      const at = rowC + (<usize>j << 3);
      store<f64>(at, load<f64>(at) * inverse);
    }
    store<f64>(pivotAt, inverse);
    for (let r = 0; r < n; r++) {
      if (r == c) continue;
      const rowR = a + <usize>r * rowBytes;
      const colAt = rowR + (<usize>c << 3);
      const f = load<f64>(colAt);
      if (f == 0) continue;
      store<f64>(colAt, 0);
      const vf = f64x2.splat(f);
      let k = 0;
      // Four lanes a step: two independent load-multiply-subtract chains.
      for (; k + 4 <= n; k += 4) {
        const off = <usize>k << 3;
        const r0 = f64x2.sub(v128.load(rowR + off), f64x2.mul(vf, v128.load(rowC + off)));
        const r1 = f64x2.sub(v128.load(rowR + off, 16), f64x2.mul(vf, v128.load(rowC + off, 16)));
        v128.store(rowR + off, r0);
        v128.store(rowR + off, r1, 16);
      }
      for (; k + 2 <= n; k += 2) {
        const off = <usize>k << 3;
        v128.store(rowR + off, f64x2.sub(v128.load(rowR + off), f64x2.mul(vf, v128.load(rowC + off))));
      }
      for (; k < n; k++) {
        const off = <usize>k << 3;
        store<f64>(rowR + off, load<f64>(rowR + off) - f * load<f64>(rowC + off));
      }
    }
  }
}
