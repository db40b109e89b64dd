// Loads the WebAssembly kernels (assembly/build/*.wasm) behind an ergonomic, typed API, and
// offers the same API over the TypeScript fallbacks. Works in Bun and Deno: it reads the
// files with node:fs/promises at paths resolved from this module's URL.
//
// The server builds one Kernels in its composition root and passes it down; nothing here is
// a module-level singleton. Where WebAssembly SIMD is unsupported, loadKernels() rejects
// with a CompileError and the caller can use jsKernels() instead.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { bucketOf, murmur3String } from './murmur3.ts'
import * as fallback from './similarity.ts'

export interface PreparedMatrix {
  readonly n: number
  readonly dim: number
  /** cosine(query, row i) for every row; a fresh array each call. */
  scoreAll(query: Float32Array): Float32Array
}

export interface Kernels {
  readonly backend: 'wasm' | 'js'
  /** MurmurHash3 x86_32 of the UTF-8 bytes of `s`, unsigned. */
  murmur3(s: string, seed?: number): number
  /** A/B bucket in [0, 10000): murmur3(experimentId + ':' + userId, 0) % 10000. */
  bucket(experimentId: string, userId: string): number
  /** Cosine similarity; 0 when either vector has zero norm. */
  cosine(a: Float32Array, b: Float32Array): number
  /** cosine(query, row i) for `n` rows of `dim` floats stored back to back. */
  scoreAll(query: Float32Array, matrix: Float32Array, n: number, dim: number): Float32Array
  /** Indices of the k highest scores, best first, ties to the lower index, skipping non-zero `exclude` bytes. */
  topK(scores: Float32Array, k: number, exclude?: Uint8Array): Int32Array
  /**
   * Copies a matrix once for repeated scoring. scoreAll(query, matrix, n, dim) copies the
   * matrix into WebAssembly memory on every call, which costs more than scoring it.
   */
  prepareMatrix(matrix: Float32Array, n: number, dim: number): PreparedMatrix
  /** Inverts a symmetric positive definite n × n matrix (row-major float64) in place; both backends give the same bits. */
  invertSpd(a: Float64Array, n: number): void
}

export function jsKernels(): Kernels {
  return {
    backend: 'js',
    murmur3: murmur3String,
    bucket: bucketOf,
    cosine: fallback.cosine,
    scoreAll: fallback.scoreAll,
    topK: fallback.topK,
    prepareMatrix(matrix, n, dim) {
      fallback.checkMatrix(matrix, n, dim)
      // Copied, like the WebAssembly backend does, so later writes to `matrix` affect neither.
      const own = matrix.slice(0, n * dim)
      return { n, dim, scoreAll: (query) => fallback.scoreAll(query, own, n, dim) }
    },
    invertSpd: fallback.invertSpd,
  }
}

const buildDir = new URL('../../assembly/build/', import.meta.url)

async function compileKernel(name: 'bucket' | 'similarity'): Promise<WebAssembly.Module> {
  const url = new URL(`${name}.wasm`, buildDir)
  let bytes: Uint8Array<ArrayBuffer>
  try {
    // Copied into a plain ArrayBuffer-backed array: WebAssembly.compile's type rejects a
    // Buffer that might sit on a SharedArrayBuffer.
    bytes = new Uint8Array(await readFile(fileURLToPath(url.href)))
  } catch (cause) {
    throw new Error(`missing ${url.pathname}: run \`bun scripts/build-kernels.ts\` first`, { cause })
  }
  return WebAssembly.compile(bytes)
}

export async function loadKernels(): Promise<Kernels> {
  const [bucketModule, similarityModule] = await Promise.all([compileKernel('bucket'), compileKernel('similarity')])
  const hash = hashKernel(bucketModule)
  // One instance serves the one-shot calls; each prepared matrix gets its own, so its
  // memory lives exactly as long as the handle and needs no allocator bookkeeping.
  const shared = similarityKernel(similarityModule)
  return {
    backend: 'wasm',
    murmur3: hash.murmur3,
    bucket: hash.bucket,
    cosine(a, b) {
      fallback.checkPair(a, b)
      shared.reset()
      const pa = shared.alloc(a.length * 4)
      const pb = shared.alloc(b.length * 4)
      shared.f32(pa, a.length).set(a)
      shared.f32(pb, b.length).set(b)
      return shared.exports.cosine(pa, pb, a.length)
    },
    scoreAll(query, matrix, n, dim) {
      fallback.checkMatrix(matrix, n, dim)
      fallback.checkQuery(query, dim)
      shared.reset()
      const pq = shared.alloc(dim * 4)
      const pm = shared.alloc(n * dim * 4)
      const po = shared.alloc(n * 4)
      shared.f32(pq, dim).set(query)
      shared.f32(pm, n * dim).set(matrix.subarray(0, n * dim))
      shared.exports.scoreAll(pq, pm, n, dim, po)
      return shared.f32(po, n).slice()
    },
    topK(scores, k, exclude) {
      const n = scores.length
      fallback.checkExclude(exclude, n)
      const limit = fallback.topKLimit(k, n)
      shared.reset()
      const ps = shared.alloc(n * 4)
      const pi = shared.alloc(limit * 4)
      const pe = exclude ? shared.alloc(n) : 0
      shared.f32(ps, n).set(scores)
      if (exclude) shared.u8(pe, n).set(exclude.subarray(0, n))
      const count = exclude
        ? shared.exports.topKExcluding(ps, n, limit, pe, pi)
        : shared.exports.topK(ps, n, limit, pi)
      return shared.i32(pi, count).slice()
    },
    prepareMatrix(matrix, n, dim) {
      fallback.checkMatrix(matrix, n, dim)
      const own = similarityKernel(similarityModule)
      const pq = own.alloc(dim * 4)
      const pm = own.alloc(n * dim * 4)
      const po = own.alloc(n * 4)
      own.f32(pm, n * dim).set(matrix.subarray(0, n * dim))
      return {
        n,
        dim,
        scoreAll(query) {
          fallback.checkQuery(query, dim)
          own.f32(pq, dim).set(query)
          own.exports.scoreAll(pq, pm, n, dim, po)
          return own.f32(po, n).slice()
        },
      }
    },
    invertSpd(a, n) {
      fallback.checkSquare(a, n)
      // Its own instance: the matrix (18 MB at 1,500 items) is freed with it, not kept by the shared one.
      const own = similarityKernel(similarityModule)
      const p = own.alloc(n * n * 8)
      own.f64(p, n * n).set(a.subarray(0, n * n))
      own.exports.invertSpd(p, n)
      a.set(own.f64(p, n * n))
    },
  }
}

interface HashExports {
  memory: WebAssembly.Memory
  murmur3(ptr: number, len: number, seed: number): number
  bucket(ptr: number, len: number): number
}

const encoder = new TextEncoder()

function hashKernel(module: WebAssembly.Module) {
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as HashExports
  const { memory } = exports
  let bytes = new Uint8Array(memory.buffer)
  // The kernel reads its input at offset 0 (see assembly/bucket.ts).
  const write = (s: string): number => {
    const worstCase = s.length * 3 // UTF-8 bytes per UTF-16 code unit, at most
    if (worstCase > bytes.length) {
      memory.grow(Math.ceil((worstCase - bytes.length) / 65536))
      bytes = new Uint8Array(memory.buffer)
    }
    return encoder.encodeInto(s, bytes).written
  }
  return {
    // `>>> 0`: WebAssembly returns i32, the hash is defined as u32.
    murmur3: (s: string, seed = 0): number => exports.murmur3(0, write(s), seed) >>> 0,
    bucket: (experimentId: string, userId: string): number =>
      exports.bucket(0, write(`${experimentId}:${userId}`)) >>> 0,
  }
}

interface SimilarityExports {
  memory: WebAssembly.Memory
  alloc(bytes: number): number
  reset(): void
  cosine(a: number, b: number, dim: number): number
  scoreAll(query: number, matrix: number, n: number, dim: number, out: number): void
  topK(scores: number, n: number, k: number, outIdx: number): number
  topKExcluding(scores: number, n: number, k: number, exclude: number, outIdx: number): number
  invertSpd(a: number, n: number): void
}

function similarityKernel(module: WebAssembly.Module) {
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as SimilarityExports
  return {
    exports,
    reset: () => exports.reset(),
    alloc(bytes: number): number {
      // alloc takes a u32: larger requests would wrap around instead of failing.
      const ptr = bytes <= 0xffff_ffff ? exports.alloc(bytes) : 0
      if (ptr === 0) throw new RangeError(`similarity kernel: cannot allocate ${bytes} bytes`)
      return ptr
    },
    // Views are made per use because alloc may grow memory, which detaches earlier buffers.
    f32: (ptr: number, length: number) => new Float32Array(exports.memory.buffer, ptr, length),
    i32: (ptr: number, length: number) => new Int32Array(exports.memory.buffer, ptr, length),
    f64: (ptr: number, length: number) => new Float64Array(exports.memory.buffer, ptr, length),
    u8: (ptr: number, length: number) => new Uint8Array(exports.memory.buffer, ptr, length),
  }
}
