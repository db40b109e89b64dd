// The model cache evicts by these estimates: they must track what a loaded model really
// holds. Real models (the synthetic store's, small and 10,000 items) are decoded and held
// as the store holds them, and the heap's growth after a full collection is compared.
import { describe, expect, test } from 'bun:test'
import { heapStats } from 'bun:jsc'
import { gzipSync } from 'node:zlib'
import { syntheticStore } from '../../scripts/eval/synthetic.ts'
import { buildModel } from '../engine/build.ts'
import { annIndexOf, usesAnn } from '../engine/strategies/ann.ts'
import { modelIndex } from '../engine/strategies/model-index.ts'
import { jsKernels } from '../kernels/load.ts'
import { deepBytes } from './model-bytes.ts'
import { decodeModel } from './store.ts'

/** Heap bytes after a full collection (JavaScriptCore's count includes typed arrays' buffers). */
const heapBytes = () => { Bun.gc(true); return heapStats().heapSize }

describe('model bytes', () => {
  test('counts strings, arrays, maps, typed arrays and shared objects once', () => {
    const shared = { a: 'xyz' }
    const bytes = deepBytes({ list: [1, 2, 3], s: 'hello', m: new Map([['k', shared]]), again: shared, f32: new Float32Array(1000) })
    expect(bytes).toBeGreaterThan(4000) // the typed array's buffer
    expect(bytes).toBeLessThan(4000 + 1000)
    const once = deepBytes({ x: shared })
    const twice = deepBytes({ x: shared, y: shared })
    expect(twice - once).toBe(8) // a slot, not the object again
  })

  // Copies enough for tens of megabytes: other test files' apps allocate in this process meanwhile.
  for (const [itemsPerCategory, copies] of [[100, 60], [1667, 3]] as const) {
    test(`the estimate of a loaded model follows the heap it takes (${itemsPerCategory * 6} items, ${copies} copies)`, () => {
      const kernels = jsKernels()
      const gzipped = gzipSync(JSON.stringify(buildModel(syntheticStore({ itemsPerCategory }).input)))
      const held: unknown[] = []
      const before = heapBytes()
      let estimated = 0
      for (let i = 0; i < copies; i++) {
        const loaded = decodeModel(gzipped, 0)
        // As the store's warm-up leaves a catalog searched approximately: its index built.
        if (usesAnn(loaded.model.items.length)) annIndexOf(loaded.model, modelIndex(loaded.model), kernels)
        held.push(loaded)
        estimated += loaded.bytes
      }
      const grown = heapBytes() - before
      expect(held).toHaveLength(copies)
      expect(grown / estimated).toBeGreaterThan(0.7)
      expect(grown / estimated).toBeLessThan(1.4)
    }, 120_000)
  }
})
