// WebAssembly kernels against their TypeScript fallbacks, plus the size the SDK pays for
// bucket.wasm. Prints figures; asserts nothing.
//
//   bun scripts/bench/kernels.ts
//
// Each figure is the best of ROUNDS rounds (per-call mean within a round): the minimum is
// the least disturbed by other load on the machine.
import { readFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { ensureKernels, kernelPath } from '../build-kernels.ts'
import { jsKernels, loadKernels } from '../../server/kernels/load.ts'
import { denseMatrix, denseRow, scoreRows, sparseRows } from '../../server/engine/strategies/sparse-rows.ts'

const ROUNDS = 7
const DIM = 256
// 2,000 rows (2 MB) stay in cache; 20,000 rows (20 MB) stream from RAM.
const MATRIX_ROWS = [2_000, 20_000]
const HASHES = 200_000

await ensureKernels()
const wasm = await loadKernels()
const js = jsKernels()

// Deterministic inputs, so runs compare like for like.
let state = 42
const random = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0
  return state / 2 ** 32
}
const vector = (length: number): Float32Array => new Float32Array(length).map(() => random() * 2 - 1)

// Results feed this sink so no engine can drop the work as dead.
let sink = 0

/** Milliseconds per call: best of ROUNDS rounds of `calls` calls, after one warm-up round. */
function time(calls: number, run: () => void): number {
  let best = Infinity
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now()
    for (let i = 0; i < calls; i++) run()
    const perCall = (performance.now() - start) / calls
    if (round > 0) best = Math.min(best, perCall) // round 0 warms the JIT tiers and memory
  }
  return best
}

const fmt = (x: number, digits = 2): string => x.toFixed(digits)
const line = (label: string, figures: string): void => console.log(`  ${label.padEnd(30)}${figures}`)

for (const n of MATRIX_ROWS) {
  const query = vector(DIM)
  const matrix = vector(n * DIM)
  const prepared = wasm.prepareMatrix(matrix, n, DIM)
  const calls = Math.max(5, Math.round(2e7 / (n * DIM)))
  const tsMs = time(calls, () => (sink += js.scoreAll(query, matrix, n, DIM)[0]!))
  const residentMs = time(calls, () => (sink += prepared.scoreAll(query)[0]!))
  const copyingMs = time(calls, () => (sink += wasm.scoreAll(query, matrix, n, DIM)[0]!))
  const perRow = (ms: number): string => `${fmt(ms, 3)} ms  ${fmt((ms * 1e6) / n, 1)} ns/row`
  console.log(`scoreAll ${n.toLocaleString('en')} × ${DIM} float32 (${fmt((n * DIM * 4) / 2 ** 20, 1)} MiB)`)
  line('TypeScript loop', perRow(tsMs))
  line('WASM SIMD, prepared matrix', `${perRow(residentMs)}  ${fmt(tsMs / residentMs)}x`)
  line('WASM SIMD, copying matrix', `${perRow(copyingMs)}  ${fmt(tsMs / copyingMs)}x`)
}

// Content-based scoring as served (strategies/sparse-rows.ts): hashed TF-IDF vectors with a
// few dozen non-zeros of 256, stored as sparse rows, against the same rows dense in the kernel.
for (const nonZeros of [16, 64]) {
  const n = 10_000
  const vectors = Array.from({ length: n }, () => {
    const v = new Float32Array(DIM)
    for (let k = 0; k < nonZeros; k++) v[Math.floor(random() * DIM)] = random() * 2 - 1
    return v
  })
  const rows = sparseRows(vectors, n, DIM)
  const matrix = denseMatrix(rows)
  const query = denseRow(rows, 1)
  const prepared = wasm.prepareMatrix(matrix, n, DIM)
  const calls = 50
  const denseMs = time(calls, () => (sink += prepared.scoreAll(query)[0]!))
  const sparseMs = time(calls, () => (sink += scoreRows(rows, query)[0]!))
  const bytes = rows.start.byteLength + rows.col.byteLength + rows.value.byteLength
  const perRow = (ms: number): string => `${fmt(ms, 3)} ms  ${fmt((ms * 1e6) / n, 1)} ns/row`
  console.log(`content scoring, ${n.toLocaleString('en')} rows of ${DIM} with ≤ ${nonZeros} non-zeros`)
  line('WASM SIMD, dense prepared', `${perRow(denseMs)}  ${fmt((2 * matrix.byteLength) / 2 ** 20, 1)} MiB (matrix + kernel copy)`)
  line('TypeScript, sparse rows', `${perRow(sparseMs)}  ${fmt(bytes / 2 ** 20, 2)} MiB  ${fmt(denseMs / sparseMs)}x`)
}

{
  const scores = vector(20_000)
  const tsMs = time(200, () => (sink += js.topK(scores, 100)[0]!))
  const wasmMs = time(200, () => (sink += wasm.topK(scores, 100)[0]!))
  console.log('topK k=100 of 20,000 scores')
  line('TypeScript heap', `${fmt(tsMs * 1000, 0)} µs`)
  line('WASM heap', `${fmt(wasmMs * 1000, 0)} µs  ${fmt(tsMs / wasmMs)}x`)
}

{
  const users = Array.from({ length: HASHES }, (_, i) => `user-${i.toString(36)}-${Math.floor(random() * 1e9)}`)
  const keys = users.map((user) => `exp-homepage-recs:${user}`)
  const pages = Array.from({ length: 2_000 }, () =>
    Array.from({ length: 1024 }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join(''),
  )
  const perId = (ms: number): string => `${fmt(HASHES / ms / 1e3)} M/s  ${fmt((ms * 1e6) / HASHES, 0)} ns each`
  const bucketJs = time(1, () => users.forEach((u) => (sink += js.bucket('exp-homepage-recs', u))))
  const bucketWasm = time(1, () => users.forEach((u) => (sink += wasm.bucket('exp-homepage-recs', u))))
  const keyJs = time(1, () => keys.forEach((k) => (sink += js.murmur3(k))))
  const keyWasm = time(1, () => keys.forEach((k) => (sink += wasm.murmur3(k))))
  const pageJs = time(5, () => pages.forEach((p) => (sink += js.murmur3(p))))
  const pageWasm = time(5, () => pages.forEach((p) => (sink += wasm.murmur3(p))))
  const mbps = (ms: number): string => `${fmt((pages.length * 1024) / ms / 1e3, 0)} MB/s`
  console.log(`bucket(experimentId, userId): ${HASHES.toLocaleString('en')} ids, UTF-8 encoding included`)
  line('TypeScript', perId(bucketJs))
  line('WASM', `${perId(bucketWasm)}  ${fmt(bucketJs / bucketWasm)}x`)
  console.log('murmur3 of the same ~35-byte keys, already concatenated')
  line('TypeScript', perId(keyJs))
  line('WASM', `${perId(keyWasm)}  ${fmt(keyJs / keyWasm)}x`)
  console.log('murmur3 of 1 KiB ASCII strings')
  line('TypeScript', mbps(pageJs))
  line('WASM', `${mbps(pageWasm)}  ${fmt(pageJs / pageWasm)}x`)
}

{
  // EASE's inverse in model builds: (XᵀX + λI) for the 1,500 covered items. Each call
  // inverts a fresh copy (the copy, ~18 MB, is in both figures). Best of 3: a call is seconds.
  const n = 1_500
  const x = Float64Array.from({ length: n * 8 }, () => random() - 0.5)
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? 1 : 0
    for (let k = 0; k < 8; k++) s += x[i * 8 + k]! * x[j * 8 + k]!
    a[i * n + j] = s
  }
  const best = (run: () => void): number => {
    let ms = Infinity
    for (let round = 0; round < 3; round++) { const start = performance.now(); run(); ms = Math.min(ms, performance.now() - start) }
    return ms
  }
  const tsMs = best(() => { const c = a.slice(); js.invertSpd(c, n); sink += c[0]! })
  const wasmMs = best(() => { const c = a.slice(); wasm.invertSpd(c, n); sink += c[0]! })
  console.log(`invertSpd ${n.toLocaleString('en')} × ${n.toLocaleString('en')} float64 (model builds, EASE)`)
  line('TypeScript loop', `${fmt(tsMs, 0)} ms`)
  line('WASM SIMD (f64x2)', `${fmt(wasmMs, 0)} ms  ${fmt(tsMs / wasmMs)}x`)
}

console.log('module sizes (release)')
for (const name of ['bucket', 'similarity'] as const) {
  const bytes = await readFile(kernelPath(name))
  const gzipped = gzipSync(bytes, { level: 9 }).length
  const base64 = Math.ceil(bytes.length / 3) * 4
  line(`${name}.wasm`, `${bytes.length} B raw, ${gzipped} B gzip -9, ${base64} B as base64`)
}

if (Number.isNaN(sink)) console.log('(sink is NaN)')
