import { beforeAll, describe, expect, test } from 'bun:test'
import { ensureKernels } from '../../scripts/build-kernels.ts'
import { makeItem } from '../../scripts/eval/synthetic.ts'
import { type Kernels, loadKernels } from '../kernels/load.ts'
import { ANN_MIN_ITEMS, buildAnnIndex, cachedAnnIndex } from './strategies/ann.ts'
import { similarToHistory, similarToItem } from './strategies/content-based.ts'
import type { History } from './strategies/history.ts'
import { modelIndex } from './strategies/model-index.ts'
import type { TenantModel } from './types.ts'
import { mulberry32 } from '../prng.ts'
import { clusteredVectors } from '../../scripts/eval/synthetic.ts'

const DIM = 256
const MIN_SCORE = 0.1 // content-based.ts MIN_CONTENT_SIMILARITY

function modelOf(matrix: Float32Array, n: number, seed: number): TenantModel {
  const random = mulberry32(seed)
  const items = Array.from({ length: n }, (_, i) => makeItem(`p${i}`, { price: random() < 0.1 ? null : Math.round(5 + random() * 200) }))
  const zeros = (): number[] => new Array<number>(n).fill(0)
  return {
    version: 'test',
    builtAt: 0,
    items,
    itemNeighbors: items.map(() => []),
    content: { dim: DIM, vectors: Array.from({ length: n }, (_, i) => Array.from(matrix.subarray(i * DIM, (i + 1) * DIM))), terms: items.map(() => []) },
    trending: { views24h: zeros(), score: zeros() },
    popularity: zeros(),
    fbt: items.map(() => []),
    stats: { items: n, users: 0, interactions: 0, buildMs: 0 },
  }
}

const priceProximity = (a: number | null, b: number | null): number => {
  if (a === null || b === null || !(a > 0) || !(b > 0)) return 1
  const r = Math.log(a / b) / Math.LN2
  return 0.5 + 0.5 * Math.exp(-(r * r) / 2)
}

/** Exact reference for similarToItem: cosine over every item, floor, price proximity, exclusions. */
function exactScores(m: TenantModel, matrix: Float32Array, item: number, kernels: Kernels): Float32Array {
  const n = m.items.length
  const scores = kernels.scoreAll(matrix.subarray(item * DIM, (item + 1) * DIM), matrix, n, DIM)
  for (let i = 0; i < n; i++) scores[i] = scores[i]! >= MIN_SCORE ? scores[i]! * priceProximity(m.items[item]!.price, m.items[i]!.price) : 0
  return scores
}
function exactItem(m: TenantModel, matrix: Float32Array, item: number, blocked: Uint8Array, limit: number, kernels: Kernels, scores = exactScores(m, matrix, item, kernels)): { index: number; score: number }[] {
  const mask = blocked.slice()
  mask[item] = 1
  return Array.from(kernels.topK(scores, limit, mask)).filter((i) => scores[i]! > 0).map((i) => ({ index: i, score: scores[i]! }))
}

function historyOf(indexes: number[]): History {
  return { items: indexes.map((index, r) => ({ index, weight: 1 / (r + 1), strongest: 'product_viewed' })), because: () => 'Because you viewed it', which: () => 'which you viewed' }
}

const N = 12_000
let wasm: Kernels
let matrix: Float32Array
let model: TenantModel
beforeAll(async () => {
  await ensureKernels()
  wasm = await loadKernels()
  matrix = clusteredVectors(N, DIM, 1)
  model = modelOf(matrix, N, 2)
})

describe('content-based approximate search (IVF)', () => {
  test(`above ${ANN_MIN_ITEMS.toLocaleString('en')} items: recall@10 ≥ 0.9 against exact, same scores, exclusions kept`, () => {
    const index = modelIndex(model)
    const random = mulberry32(3)
    const blocked = new Uint8Array(N)
    for (let i = 0; i < N; i++) if (random() < 0.05) blocked[i] = 1 // unavailable, purchased…
    let hits = 0
    let total = 0
    for (let q = 0; q < 100; q++) {
      const item = Math.floor(random() * N)
      const got = similarToItem(model, index, item, blocked, 10, wasm)
      const scores = exactScores(model, matrix, item, wasm)
      const want = exactItem(model, matrix, item, blocked, 10, wasm, scores)
      const exactScore = new Set(want.map((c) => c.index))
      for (const c of got) {
        expect(blocked[c.index]).toBe(0)
        expect(c.index).not.toBe(item)
        // Found items carry the exact path's score (cosine × price proximity).
        expect(Math.abs(c.score - scores[c.index]!)).toBeLessThan(1e-5)
      }
      hits += got.filter((c) => exactScore.has(c.index)).length
      total += want.length
    }
    expect(cachedAnnIndex(model)).toBeDefined()
    const recall = hits / total
    console.log(`  ANN recall@10 (similarToItem, ${N} items, 100 queries): ${recall.toFixed(3)}`)
    expect(recall).toBeGreaterThanOrEqual(0.9)
  })

  test('history queries: recall@10 ≥ 0.9, history items never returned', () => {
    const index = modelIndex(model)
    const random = mulberry32(4)
    const none = new Uint8Array(N)
    let hits = 0
    let total = 0
    for (let q = 0; q < 100; q++) {
      const sources = [0, 1, 2].map(() => Math.floor(random() * N))
      const history = historyOf(sources)
      const got = similarToHistory(model, index, history, none, 10, wasm)
      const query = new Float32Array(DIM)
      history.items.forEach((h) => { for (let j = 0; j < DIM; j++) query[j]! += h.weight * matrix[h.index * DIM + j]! })
      const scores = wasm.scoreAll(query, matrix, N, DIM)
      for (let i = 0; i < N; i++) if (!(scores[i]! >= MIN_SCORE)) scores[i] = 0
      const mask = new Uint8Array(N)
      for (const s of sources) mask[s] = 1
      const want = new Set(Array.from(wasm.topK(scores, 10, mask)).filter((i) => scores[i]! > 0))
      for (const c of got) expect(sources).not.toContain(c.index)
      hits += got.filter((c) => want.has(c.index)).length
      total += want.size
    }
    const recall = hits / total
    console.log(`  ANN recall@10 (similarToHistory, ${N} items, 100 queries): ${recall.toFixed(3)}`)
    expect(recall).toBeGreaterThanOrEqual(0.9)
  })

  test('probes further when the nearest clusters are mostly excluded', () => {
    const index = modelIndex(model)
    const item = 17
    // Block every item above the similarity floor but the 10 weakest, which sit in far clusters.
    const blocked = new Uint8Array(N)
    const above = exactItem(model, matrix, item, blocked, N, wasm)
    expect(above.length).toBeGreaterThan(100)
    for (const c of above.slice(0, -10)) blocked[c.index] = 1
    const got = similarToItem(model, index, item, blocked, 10, wasm)
    const want = exactItem(model, matrix, item, blocked, 10, wasm)
    expect(want.length).toBe(10)
    expect(got.map((c) => c.index)).toEqual(want.map((c) => c.index))
    for (const c of got) expect(blocked[c.index]).toBe(0)
  })

  test("purchases outside an item's answer leave it as it is (the service shares it among shoppers)", () => {
    const index = modelIndex(model)
    const random = mulberry32(9)
    const none = new Uint8Array(N)
    for (let q = 0; q < 50; q++) {
      const item = Math.floor(random() * N)
      const limit = [3, 10, 40][q % 3]!
      const shared = similarToItem(model, index, item, none, limit, wasm)
      // A shopper who bought 5 % of the catalog, none of it in the shared answer.
      const bought = new Uint8Array(N)
      for (let i = 0; i < N; i++) if (random() < 0.05) bought[i] = 1
      for (const c of shared) bought[c.index] = 0
      expect(similarToItem(model, index, item, bought, limit, wasm)).toEqual(shared)
    }
  })

  test(`at ${ANN_MIN_ITEMS.toLocaleString('en')} items and below: exact search, no index built`, () => {
    const n = ANN_MIN_ITEMS
    const small = modelOf(matrix.subarray(0, n * DIM), n, 5)
    const smallMatrix = matrix.subarray(0, n * DIM)
    const index = modelIndex(small)
    const none = new Uint8Array(n)
    for (const item of [0, 123, 4567, 9999]) {
      const got = similarToItem(small, index, item, none, 10, wasm)
      const want = exactItem(small, smallMatrix, item, none, 10, wasm)
      expect(got.map((c) => c.index)).toEqual(want.map((c) => c.index))
    }
    similarToHistory(small, index, historyOf([1, 2, 3]), none, 10, wasm)
    expect(cachedAnnIndex(small)).toBeUndefined()
  })

  test('deterministic: the same vectors give the same index and the same answers', () => {
    const sub = matrix.subarray(0, 11_000 * DIM)
    const a = buildAnnIndex(sub, 11_000, DIM, wasm)
    const b = buildAnnIndex(sub.slice(), 11_000, DIM, wasm)
    expect(Array.from(a.members)).toEqual(Array.from(b.members))
    expect(Array.from(a.offsets)).toEqual(Array.from(b.offsets))
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids))
    // A copy of the model (a new content object, so a fresh index) answers identically.
    const copy: TenantModel = { ...model, content: { ...model.content } }
    const none = new Uint8Array(N)
    for (const item of [5, 500, 5000]) {
      const x = similarToItem(model, modelIndex(model), item, none, 10, wasm)
      const y = similarToItem(copy, modelIndex(copy), item, none, 10, wasm)
      expect(y).toEqual(x)
    }
    expect(cachedAnnIndex(copy)).not.toBe(cachedAnnIndex(model))
  })
})
