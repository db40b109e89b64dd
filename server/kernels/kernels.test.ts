import { beforeAll, describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import cases from '../../assembly/cases.json'
import { ensureKernels, kernelPath } from '../../scripts/build-kernels.ts'
import { jsKernels, type Kernels, loadKernels } from './load.ts'
import { murmur3 } from './murmur3.ts'
import { mulberry32 } from '../prng.ts'

const tolerance = cases.similarity.cosineTolerance
// float32 SIMD sums against float64 JS sums over up to ~300 dims.
const crossTolerance = 1e-5

let wasm: Kernels
const js = jsKernels()

beforeAll(async () => {
  await ensureKernels()
  wasm = await loadKernels()
}, 60_000)

// JSON cannot hold non-finite numbers; the reference writes them as strings.
const decode = (x: number | string): number => (typeof x === 'number' ? x : Number(x))


function randomString(rand: () => number): string {
  const length = Math.floor(rand() * 40)
  let s = ''
  for (let i = 0; i < length; i++) {
    const kind = rand()
    if (kind < 0.4) s += String.fromCharCode(0x20 + Math.floor(rand() * 95)) // ASCII
    else if (kind < 0.55) s += String.fromCharCode(0xa0 + Math.floor(rand() * 0x560)) // 2-byte UTF-8
    else if (kind < 0.75) s += String.fromCharCode(0x3040 + Math.floor(rand() * 0x6000)) // 3-byte (kana, CJK)
    else if (kind < 0.95) s += String.fromCodePoint(0x1f300 + Math.floor(rand() * 0x700)) // 4-byte (emoji)
    else s += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)) // lone surrogate, encoded as U+FFFD
  }
  return s
}

function randomVector(rand: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim)
  for (let i = 0; i < dim; i++) v[i] = rand() * 2 - 1
  return v
}

// Tests are collected before beforeAll loads the WebAssembly kernels, so resolve lazily.
const backends = ['wasm', 'js'] as const
const kernelsFor = (backend: (typeof backends)[number]): Kernels => (backend === 'wasm' ? wasm : js)

describe('known answers (assembly/cases.json)', () => {
  test('wasm backend is really WebAssembly', () => {
    expect(wasm.backend).toBe('wasm')
  })

  for (const backend of backends) {
    describe(backend, () => {
      const k = (): Kernels => kernelsFor(backend)

      test.each(cases.hash.vectors)('murmur3 $input seed $seed', ({ input, seed, hash, bucket }) => {
        expect(k().murmur3(input, seed)).toBe(hash)
        if (bucket !== undefined) expect(k().murmur3(input, seed) % 10000).toBe(bucket)
      })

      test.each(cases.hash.buckets)('bucket $experimentId : $userId', ({ experimentId, userId, bucket }) => {
        expect(k().bucket(experimentId, userId)).toBe(bucket)
      })

      test.each(cases.similarity.cosine)('cosine $name', ({ a, b, cosine }) => {
        expect(Math.abs(k().cosine(new Float32Array(a), new Float32Array(b)) - cosine)).toBeLessThanOrEqual(tolerance)
      })

      test.each(cases.similarity.scoreAll)('scoreAll $name', ({ query, matrix, n, dim, scores, topK }) => {
        const got = k().scoreAll(new Float32Array(query), new Float32Array(matrix), n, dim)
        expect(got.length).toBe(n)
        got.forEach((score, i) => expect(Math.abs(score - scores[i]!)).toBeLessThanOrEqual(tolerance))
        const prepared = k().prepareMatrix(new Float32Array(matrix), n, dim).scoreAll(new Float32Array(query))
        expect(prepared).toEqual(got)
        for (const [count, expected] of Object.entries(topK)) {
          expect([...k().topK(got, Number(count))]).toEqual(expected)
        }
      })

      test.each(cases.similarity.topK)('topK $name', (c) => {
        const scores = new Float32Array(c.scores.map(decode))
        const exclude = 'exclude' in c && c.exclude ? new Uint8Array(c.exclude) : undefined
        expect([...k().topK(scores, c.k, exclude)]).toEqual(c.expected)
      })
    })
  }
})

describe('raw WebAssembly exports', () => {
  test('modules need no imports', async () => {
    for (const name of ['bucket', 'similarity'] as const) {
      const module = new WebAssembly.Module(await readFile(kernelPath(name)))
      expect(WebAssembly.Module.imports(module)).toEqual([])
    }
  })

  test('similarity alloc aligns to 16 bytes, never returns 0, and returns 0 when it cannot allocate', async () => {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(await readFile(kernelPath('similarity'))), {})
    const alloc = exports.alloc as (bytes: number) => number
    const first = alloc(3)
    const second = alloc(5)
    expect(first).toBeGreaterThan(0)
    expect(first % 16).toBe(0)
    expect(second - first).toBe(16)
    expect(alloc(0xffff_fff0) >>> 0).toBe(0) // would wrap past 4 GiB
    ;(exports.reset as () => void)()
    expect(alloc(1)).toBe(first)
  })
})

describe('murmur3 fallback', () => {
  test('hashes raw bytes, so callers with bytes need not decode', () => {
    expect(murmur3(new TextEncoder().encode('hello'))).toBe(0x248bfa47)
    expect(murmur3(new Uint8Array([0, 0, 0, 0]))).toBe(0x2362f9de)
  })
})

describe('WebAssembly agrees with the TypeScript fallback', () => {
  test('murmur3 and bucket on 1,000 random strings, including unicode', () => {
    const rand = mulberry32(1)
    for (let i = 0; i < 1000; i++) {
      const s = randomString(rand)
      const seed = i % 3 === 0 ? 0 : Math.floor(rand() * 2 ** 32)
      expect({ s, hash: wasm.murmur3(s, seed) }).toEqual({ s, hash: js.murmur3(s, seed) })
      const user = randomString(rand)
      expect({ s, user, bucket: wasm.bucket(s, user) }).toEqual({ s, user, bucket: js.bucket(s, user) })
    }
  })

  test('murmur3 on input larger than the initial 64 KiB page', () => {
    const long = 'ü日😀'.repeat(20_000) // 180,000 UTF-8 bytes
    expect(wasm.murmur3(long)).toBe(js.murmur3(long))
    expect(wasm.murmur3('hello')).toBe(0x248bfa47) // still correct after memory grew
  })

  test('cosine on random vectors of every tail length', () => {
    const rand = mulberry32(2)
    for (let dim = 1; dim <= 300; dim++) {
      const a = randomVector(rand, dim)
      const b = randomVector(rand, dim)
      expect(Math.abs(wasm.cosine(a, b) - js.cosine(a, b))).toBeLessThanOrEqual(crossTolerance)
    }
  })

  test('scoreAll on random matrices', () => {
    const rand = mulberry32(3)
    for (const dim of [1, 3, 4, 5, 8, 13, 64, 100, 257]) {
      const n = 1 + Math.floor(rand() * 200)
      const query = randomVector(rand, dim)
      const matrix = randomVector(rand, n * dim)
      const got = wasm.scoreAll(query, matrix, n, dim)
      const want = js.scoreAll(query, matrix, n, dim)
      got.forEach((score, i) => expect(Math.abs(score - want[i]!)).toBeLessThanOrEqual(crossTolerance))
    }
  })

  test('scoreAll grows memory for 20,000 × 256 and prepareMatrix matches it', () => {
    const rand = mulberry32(4)
    const n = 20_000
    const dim = 256
    const query = randomVector(rand, dim)
    const matrix = randomVector(rand, n * dim)
    const want = js.scoreAll(query, matrix, n, dim)
    const got = wasm.scoreAll(query, matrix, n, dim)
    let worst = 0
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!))
    expect(worst).toBeLessThanOrEqual(crossTolerance)
    const prepared = wasm.prepareMatrix(matrix, n, dim)
    expect(prepared.scoreAll(query)).toEqual(got)
    matrix.fill(0) // the prepared copy must not see later writes
    expect(prepared.scoreAll(query)).toEqual(got)
  })

  test('topK on random scores with many ties, with and without exclusions', () => {
    const rand = mulberry32(5)
    for (let round = 0; round < 200; round++) {
      const n = Math.floor(rand() * 500)
      // Coarse quantisation makes ties common.
      const scores = new Float32Array(n).map(() => Math.round(rand() * 20) / 20)
      const exclude = new Uint8Array(n).map(() => (rand() < 0.2 ? 1 : 0))
      const k = Math.floor(rand() * 60)
      expect(wasm.topK(scores, k)).toEqual(js.topK(scores, k))
      expect(wasm.topK(scores, k, exclude)).toEqual(js.topK(scores, k, exclude))
    }
  })
  test('invertSpd: the same bits as the fallback, and really the inverse, for odd and even sizes', () => {
    const rand = mulberry32(11)
    for (const n of [1, 2, 7, 64, 301]) {
      // A = XᵀX + I is symmetric positive definite.
      const x = Float64Array.from({ length: n * n }, () => rand() - 0.5)
      const a = new Float64Array(n * n)
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = i === j ? 1 : 0
        for (let k = 0; k < n; k++) s += x[k * n + i]! * x[k * n + j]!
        a[i * n + j] = s
      }
      const viaWasm = a.slice()
      const viaJs = a.slice()
      wasm.invertSpd(viaWasm, n)
      js.invertSpd(viaJs, n)
      expect(viaWasm).toEqual(viaJs)
      let worst = 0
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0
        for (let k = 0; k < n; k++) s += a[i * n + k]! * viaWasm[k * n + j]!
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)))
      }
      expect(worst).toBeLessThan(1e-9)
    }
    expect(() => wasm.invertSpd(new Float64Array(3), 2)).toThrow(RangeError)
  })
})

describe('bucket distribution', () => {
  test('100,000 ids spread over 100 bins pass chi-square at p = 0.001', () => {
    const bins = new Array<number>(100).fill(0)
    const ids = 100_000
    for (let i = 0; i < ids; i++) bins[Math.floor(wasm.bucket('exp-uniformity', `user-${i}`) / 100)]!++
    const expected = ids / bins.length
    const chiSquare = bins.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0)
    // Upper 0.001 quantile of chi-square with 99 degrees of freedom.
    expect(chiSquare).toBeLessThan(148.23)
  })
})

describe('topK edge cases', () => {
  for (const name of backends) {
    test(`${name}: k beyond n, zero, negative and fractional`, () => {
      const k = kernelsFor(name)
      const scores = new Float32Array([0.3, 0.9, 0.3, 0.1])
      expect([...k.topK(scores, 99)]).toEqual([1, 0, 2, 3])
      expect([...k.topK(scores, 0)]).toEqual([])
      expect([...k.topK(scores, -3)]).toEqual([])
      expect([...k.topK(scores, 2.7)]).toEqual([1, 0])
      expect([...k.topK(new Float32Array(0), 5)]).toEqual([])
    })

    test(`${name}: excluding everything returns nothing`, () => {
      expect([...kernelsFor(name).topK(new Float32Array([1, 2]), 2, new Uint8Array([1, 1]))]).toEqual([])
    })

    test(`${name}: rejects mismatched shapes`, () => {
      const k = kernelsFor(name)
      expect(() => k.cosine(new Float32Array(3), new Float32Array(4))).toThrow(RangeError)
      expect(() => k.scoreAll(new Float32Array(4), new Float32Array(7), 2, 4)).toThrow(RangeError)
      expect(() => k.scoreAll(new Float32Array(3), new Float32Array(8), 2, 4)).toThrow(RangeError)
      expect(() => k.topK(new Float32Array(3), 1, new Uint8Array(2))).toThrow(RangeError)
      expect(() => k.prepareMatrix(new Float32Array(8), 2, 4).scoreAll(new Float32Array(3))).toThrow(RangeError)
    })
  }
})
