// Content vectors served as sparse rows (strategies/sparse-rows.ts) score as the dense
// kernels score the same vectors, and content-based answers stay those of the dense matrix.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ensureKernels } from '../../scripts/build-kernels.ts'
import { syntheticStore } from '../../scripts/eval/synthetic.ts'
import { type Kernels, jsKernels, loadKernels } from '../kernels/load.ts'
import { buildModel } from './build.ts'
import { modelIndex, servingBuffers, servingParts } from './strategies/model-index.ts'
import { appendRows, denseMatrix, denseRow, dotRow, scoreRows, sparseRows } from './strategies/sparse-rows.ts'
import type { TenantModel } from './types.ts'

let wasm: Kernels
let model: TenantModel
beforeAll(async () => {
  await ensureKernels()
  wasm = await loadKernels()
  model = buildModel(syntheticStore({ itemsPerCategory: 40 }).input, wasm)
})

describe('sparse content rows', () => {
  test('keep only the non-zeros, a byte per feature index, and give the dense vectors back', () => {
    const { dim, vectors } = model.content
    const n = model.items.length
    const rows = sparseRows(vectors, n, dim)
    const nonZeros = vectors.reduce((s, v) => s + v.filter((x) => x !== 0).length, 0)
    expect(rows.value.length).toBe(nonZeros)
    expect(nonZeros).toBeLessThan((n * dim) / 4) // hashed TF-IDF is mostly zeros
    expect(rows.col).toBeInstanceOf(Uint8Array)
    const dense = denseMatrix(rows)
    for (let i = 0; i < n; i++) {
      expect(Array.from(dense.subarray(i * dim, (i + 1) * dim))).toEqual(Array.from(Float32Array.from(vectors[i]!)))
      expect(denseRow(rows, i)).toEqual(dense.subarray(i * dim, (i + 1) * dim))
    }
    expect(denseMatrix(rows, 3, 5)).toEqual(dense.subarray(3 * dim, 5 * dim))
  })

  test('score like the dense kernels (both backends) to float32 rounding, and rank alike', () => {
    const { dim, vectors } = model.content
    const n = model.items.length
    const rows = sparseRows(vectors, n, dim)
    const matrix = denseMatrix(rows)
    for (const item of [0, 7, 101, n - 1]) {
      const query = denseRow(rows, item)
      const sparse = scoreRows(rows, query)
      for (const kernels of [wasm, jsKernels()]) {
        const dense = kernels.scoreAll(query, matrix, n, dim)
        for (let i = 0; i < n; i++) expect(Math.abs(sparse[i]! - dense[i]!)).toBeLessThan(1e-6)
        // The same neighbours in the same order (scores further apart than rounding).
        const top = (s: Float32Array) => Array.from(kernels.topK(s, 20)).filter((i) => s[i]! > 0.1)
        expect(top(sparse)).toEqual(top(dense))
      }
    }
  })

  test('a zero query or a zero row scores 0, as the kernels define cosine; a query of another width is refused', () => {
    const rows = sparseRows([[0, 0, 0, 0], [0, 1, 0, 1], undefined], 3, 4)
    expect(Array.from(scoreRows(rows, new Float32Array(4)))).toEqual([0, 0, 0])
    expect(Array.from(scoreRows(rows, Float32Array.from([0, 2, 0, 2])))).toEqual([0, 1, 0])
    expect(dotRow(rows, 1, [5, 1, 5, 2])).toBe(3)
    expect(() => scoreRows(rows, new Float32Array(3))).toThrow(RangeError)
  })

  test('wider vectors keep two bytes a feature index; appended rows follow the existing ones', () => {
    const wide = sparseRows([[...new Array(299).fill(0), 0.5]], 1, 300)
    expect(wide.col).toBeInstanceOf(Uint16Array)
    expect(Array.from(wide.col)).toEqual([299])
    const a = sparseRows([[1, 0, 2], [0, 0, 0]], 2, 3)
    const b = sparseRows([[0, 3, 0]], 1, 3)
    const both = appendRows(a, b)
    expect(both.n).toBe(3)
    expect(Array.from(denseMatrix(both))).toEqual([1, 0, 2, 0, 0, 0, 0, 3, 0])
    expect(both).toEqual(sparseRows([[1, 0, 2], [0, 0, 0], [0, 3, 0]], 3, 3))
  })

  test('a model index serves its content from the rows, which a load thread hands over by their buffers', () => {
    const index = modelIndex(model)
    const { dim } = model.content
    expect(index.content.n).toBe(model.items.length)
    expect(Array.from(index.contentMatrix().subarray(5 * dim, 6 * dim))).toEqual(Array.from(Float32Array.from(model.content.vectors[5]!)))
    const parts = servingParts(model)
    const buffers = servingBuffers(parts)
    expect(buffers).toContain(parts.content.value.buffer as ArrayBuffer)
    expect(buffers).toContain(parts.content.col.buffer as ArrayBuffer)
    expect(new Set(buffers).size).toBe(buffers.length)
  })
})
