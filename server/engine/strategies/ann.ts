// Approximate nearest neighbours for content-based serving on large catalogs: an IVF
// (inverted file) index. Spherical k-means splits the content vectors into about √n
// clusters; a query scores the centroids, then scores exactly (with the kernel) only the
// members of its `nprobe` nearest clusters. Built lazily on first use per model and cached
// weakly by the model's content object, so a replaced model's index is collected with it.
// Pure and deterministic: a fixed-seed sample initialises k-means, ties go to the lower
// index, and the same model always yields the same index and answers.
import { memo } from '../memo.ts'
import type { Kernels, PreparedMatrix } from '../../kernels/load.ts'
import type { TenantModel } from '../types.ts'
import { groupBy } from './interactions.ts'
import type { ModelIndex } from './model-index.ts'
import { mulberry32 } from '../../prng.ts'

/** Catalogs larger than this are searched approximately; up to it, exactly. */
export const ANN_MIN_ITEMS = 10_000
export const usesAnn = (n: number): boolean => n > ANN_MIN_ITEMS

/** Clusters probed per query at least (more when they hold too few eligible items). */
export const DEFAULT_NPROBE = 16

export interface AnnBuildOptions {
  /** Number of clusters; default round(√n). */
  clusters?: number
  /** Lloyd iterations on the training sample; default 6. */
  iterations?: number
  /** Training sample size per cluster; default 40 (FAISS recommends 39–256). */
  samplePerCluster?: number
  seed?: number
}

export interface AnnSearchOptions {
  nprobe?: number
  /** Keep probing past `nprobe` clusters until `need` items not `blocked` score ≥ `minScore`. */
  need?: number
  minScore?: number
  blocked?: Uint8Array
}

export interface AnnIndex {
  readonly n: number
  readonly dim: number
  readonly clusters: number
  /** Unit-length centroids, back to back (clusters × dim). */
  readonly centroids: Float32Array
  /** Members of cluster c: members[offsets[c] .. offsets[c + 1]), ascending item index. */
  readonly offsets: Int32Array
  readonly members: Int32Array
  /** The members' vectors in the same order, back to back (n × dim). */
  readonly rows: Float32Array
  /**
   * Cosine of `query` with the members of the probed clusters, at their item index; 0 for
   * items not scored (length n, like PreparedMatrix.scoreAll).
   */
  search(query: Float32Array, kernels: Kernels, options?: AnnSearchOptions): Float32Array
}


/** Nearest centroid (highest cosine, ties to the lower cluster) of every row of `prepared`. */
function assign(prepared: PreparedMatrix, centroids: Float32Array, k: number, dim: number): Int32Array {
  const m = prepared.n
  const best = new Float32Array(m).fill(-Infinity)
  const label = new Int32Array(m)
  for (let c = 0; c < k; c++) {
    const s = prepared.scoreAll(centroids.subarray(c * dim, (c + 1) * dim))
    for (let i = 0; i < m; i++) if (s[i]! > best[i]!) { best[i] = s[i]!; label[i] = c }
  }
  return label
}

/** Spherical k-means step: each centroid becomes the normalised mean of its rows; an empty cluster keeps its centroid. */
function update(rows: Float32Array, label: Int32Array, centroids: Float32Array, k: number, dim: number): void {
  const sum = new Float64Array(k * dim)
  const count = new Int32Array(k)
  for (let i = 0; i < label.length; i++) {
    const c = label[i]!
    count[c]!++
    const r = i * dim
    const o = c * dim
    for (let j = 0; j < dim; j++) sum[o + j]! += rows[r + j]!
  }
  for (let c = 0; c < k; c++) {
    if (count[c] === 0) continue
    const o = c * dim
    let norm = 0
    for (let j = 0; j < dim; j++) norm += sum[o + j]! * sum[o + j]!
    if (!(norm > 0)) continue
    const inv = 1 / Math.sqrt(norm)
    for (let j = 0; j < dim; j++) centroids[o + j] = sum[o + j]! * inv
  }
}

/** Builds the index over `n` rows of `dim` floats (the kernel does the k-means scoring). */
export function buildAnnIndex(matrix: Float32Array, n: number, dim: number, kernels: Kernels, options: AnnBuildOptions = {}): AnnIndex {
  if (!(n > 0)) throw new RangeError('ann: empty matrix')
  const k = Math.max(1, Math.min(n, options.clusters ?? Math.round(Math.sqrt(n))))
  const iterations = options.iterations ?? 6
  const random = mulberry32(options.seed ?? 0x5eed)

  // Training sample: a seeded partial Fisher–Yates shuffle; its first k rows seed the centroids.
  const m = Math.min(n, Math.max(k, k * (options.samplePerCluster ?? 40)))
  const order = new Int32Array(n).map((_, i) => i)
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  const sample = new Float32Array(m * dim)
  for (let i = 0; i < m; i++) sample.set(matrix.subarray(order[i]! * dim, (order[i]! + 1) * dim), i * dim)
  const centroids = sample.slice(0, k * dim)
  update(centroids, new Int32Array(k).map((_, c) => c), centroids, k, dim) // normalise the seeds

  const preparedSample = kernels.prepareMatrix(sample, m, dim)
  for (let it = 0; it < iterations; it++) update(sample, assign(preparedSample, centroids, k, dim), centroids, k, dim)

  return indexOver(matrix, n, dim, centroids, k, assign(kernels.prepareMatrix(matrix, n, dim), centroids, k, dim))
}

/**
 * The index of a catalog that grew by rows appended to `matrix` (items added since the
 * build): the same centroids, each new row in its nearest cluster. Retraining would cost
 * up to ~2 s on the serving thread per upload; a handful of new items does not move the
 * clusters, and the next build retrains them.
 */
export function annWithAddedRows(ann: AnnIndex, matrix: Float32Array, n: number, kernels: Kernels): AnnIndex {
  const { dim, clusters: k, centroids, offsets, members, rows } = ann
  const label = new Int32Array(n - ann.n)
  const size = new Int32Array(k)
  for (let c = 0; c < k; c++) size[c] = offsets[c + 1]! - offsets[c]!
  for (let i = ann.n; i < n; i++) {
    const s = kernels.scoreAll(matrix.subarray(i * dim, (i + 1) * dim), centroids, k, dim)
    let best = 0
    for (let c = 1; c < k; c++) if (s[c]! > s[best]!) best = c
    label[i - ann.n] = best
    size[best]!++
  }
  // Each cluster's block as it was, then its new rows (their indexes are the highest: members stay ascending).
  const grownOffsets = new Int32Array(k + 1)
  for (let c = 0; c < k; c++) grownOffsets[c + 1] = grownOffsets[c]! + size[c]!
  const grownMembers = new Int32Array(n)
  const grownRows = new Float32Array(n * dim)
  const next = grownOffsets.slice(0, k)
  for (let c = 0; c < k; c++) {
    const from = offsets[c]!
    const count = offsets[c + 1]! - from
    grownMembers.set(members.subarray(from, from + count), next[c]!)
    grownRows.set(rows.subarray(from * dim, (from + count) * dim), next[c]! * dim)
    next[c]! += count
  }
  for (let i = ann.n; i < n; i++) {
    const p = next[label[i - ann.n]!]!++
    grownMembers[p] = i
    grownRows.set(matrix.subarray(i * dim, (i + 1) * dim), p * dim)
  }
  return annOver(grownRows, n, dim, centroids, k, grownOffsets, grownMembers)
}

function indexOver(matrix: Float32Array, n: number, dim: number, centroids: Float32Array, k: number, label: Int32Array): AnnIndex {
  // Members grouped per cluster (counting sort, ascending item index within a cluster)
  // with their rows contiguous for scoring.
  const { start: offsets, order: members } = groupBy(label, n, k)
  const rows = new Float32Array(n * dim)
  for (let p = 0; p < n; p++) rows.set(matrix.subarray(members[p]! * dim, (members[p]! + 1) * dim), p * dim)
  return annOver(rows, n, dim, centroids, k, offsets, members)
}

function annOver(rows: Float32Array, n: number, dim: number, centroids: Float32Array, k: number, offsets: Int32Array, members: Int32Array): AnnIndex {
  const preparedCentroids = new WeakMap<Kernels, PreparedMatrix>()
  return {
    n,
    dim,
    clusters: k,
    centroids,
    offsets,
    members,
    rows,
    search(query, kernels, options = {}) {
      const { nprobe = DEFAULT_NPROBE, need = 0, minScore = -Infinity, blocked } = options
      let pc = preparedCentroids.get(kernels)
      if (!pc) preparedCentroids.set(kernels, (pc = kernels.prepareMatrix(centroids, k, dim)))
      const probeOrder = kernels.topK(pc.scoreAll(query), k)
      const scores = new Float32Array(n)
      let found = 0
      for (let p = 0; p < probeOrder.length; p++) {
        if (p >= nprobe && found >= need) break
        const c = probeOrder[p]!
        const from = offsets[c]!
        const size = offsets[c + 1]! - from
        if (size === 0) continue
        const s = kernels.scoreAll(query, rows.subarray(from * dim, (from + size) * dim), size, dim)
        for (let j = 0; j < size; j++) {
          const item = members[from + j]!
          scores[item] = s[j]!
          if (s[j]! >= minScore && !(blocked && blocked[item])) found++
        }
      }
      return scores
    },
  }
}

/** The model's ANN index, built on first use (with whichever kernels ask first) and cached. */
export function annIndexOf(model: TenantModel, index: ModelIndex, kernels: Kernels): AnnIndex {
  let ann = memo.ann.get(model.content)
  if (!ann) memo.ann.set(model.content, (ann = buildAnnIndex(index.contentMatrix(), model.items.length, model.content.dim, kernels)))
  return ann
}

/** The cached index, if one was built (for tests and diagnostics). */
export const cachedAnnIndex = (model: TenantModel): AnnIndex | undefined => memo.ann.get(model.content)
