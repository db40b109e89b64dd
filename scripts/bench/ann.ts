// Content-based approximate search (server/engine/strategies/ann.ts)
// against exact scoring, on synthetic clustered content vectors. Prints figures; asserts
// nothing.
//
//   bun scripts/bench/ann.ts
//
// Per catalog size: IVF index build time, ms/query for exact (prepared-matrix scoreAll +
// topK) and ANN (search + topK), and recall@10 of ANN against exact top-10, for item
// queries (an item's own vector, itself excluded) and history queries (sum of 3 items).
import { ensureKernels } from '../build-kernels.ts'
import { jsKernels, type Kernels, loadKernels } from '../../server/kernels/load.ts'
import { buildAnnIndex, DEFAULT_NPROBE } from '../../server/engine/strategies/ann.ts'
import { clusteredVectors } from '../eval/synthetic.ts'
import { mulberry32 } from '../../server/prng.ts'

const DIM = 256
const SIZES = [20_000, 50_000]
const QUERIES = 200
const K = 10
const MIN_SCORE = 0.1

function best(kernels: Kernels, scores: Float32Array, blocked: Uint8Array): number[] {
  for (let i = 0; i < scores.length; i++) if (!(scores[i]! >= MIN_SCORE)) scores[i] = 0
  return Array.from(kernels.topK(scores, K, blocked)).filter((i) => scores[i]! > 0)
}

await ensureKernels()
let kernels: Kernels
try {
  kernels = await loadKernels()
} catch {
  kernels = jsKernels()
}
console.log(`kernels: ${kernels.backend}; dim ${DIM}; ${QUERIES} queries per kind; nprobe ${DEFAULT_NPROBE}; top-${K}`)

for (const n of SIZES) {
  const matrix = clusteredVectors(n, DIM, n)
  const prepared = kernels.prepareMatrix(matrix, n, DIM)
  let start = performance.now()
  const ann = buildAnnIndex(matrix, n, DIM, kernels)
  const buildMs = performance.now() - start
  const sizes = Array.from({ length: ann.clusters }, (_, c) => ann.offsets[c + 1]! - ann.offsets[c]!)
  console.log(`\n${n.toLocaleString('en')} items: ${ann.clusters} clusters (sizes ${Math.min(...sizes)}–${Math.max(...sizes)}), build ${buildMs.toFixed(0)} ms`)

  const random = mulberry32(7 + n)
  for (const kind of ['item', 'history'] as const) {
    const queries: { query: Float32Array; blocked: Uint8Array }[] = []
    for (let q = 0; q < QUERIES; q++) {
      const sources = Array.from({ length: kind === 'item' ? 1 : 3 }, () => Math.floor(random() * n))
      const query = new Float32Array(DIM)
      sources.forEach((s, w) => { for (let j = 0; j < DIM; j++) query[j]! += (1 / (w + 1)) * matrix[s * DIM + j]! })
      const blocked = new Uint8Array(n)
      for (const s of sources) blocked[s] = 1
      queries.push({ query, blocked })
    }
    // Warm-up round, then timed.
    for (const { query, blocked } of queries.slice(0, 10)) {
      best(kernels, prepared.scoreAll(query), blocked)
      best(kernels, ann.search(query, kernels, { need: K, minScore: MIN_SCORE, blocked }), blocked)
    }
    start = performance.now()
    const exact = queries.map(({ query, blocked }) => best(kernels, prepared.scoreAll(query), blocked))
    const exactMs = (performance.now() - start) / QUERIES
    start = performance.now()
    const approx = queries.map(({ query, blocked }) => best(kernels, ann.search(query, kernels, { need: K, minScore: MIN_SCORE, blocked }), blocked))
    const annMs = (performance.now() - start) / QUERIES
    let hits = 0
    let total = 0
    for (let q = 0; q < QUERIES; q++) {
      const got = new Set(approx[q])
      hits += exact[q]!.filter((i) => got.has(i)).length
      total += exact[q]!.length
    }
    console.log(`  ${kind.padEnd(8)} exact ${exactMs.toFixed(3)} ms/query   ANN ${annMs.toFixed(3)} ms/query (${(exactMs / annMs).toFixed(1)}x)   recall@${K} ${(hits / total).toFixed(3)}`)
  }
}
