// MurmurHash3 x86_32 in plain TypeScript: the fallback for assembly/bucket.ts and the
// definition of A/B bucketing. Pure (no I/O, no runtime-specific APIs) so the server, tests
// and browser code can share it; assembly/cases.json pins both implementations.

/** Number of A/B buckets; a user is in the variant when bucket < trafficSplit * 100. */
const BUCKETS = 10000

const C1 = 0xcc9e2d51
const C2 = 0x1b873593

const encoder = new TextEncoder()

function mixK(k: number): number {
  k = Math.imul(k, C1)
  k = (k << 15) | (k >>> 17)
  return Math.imul(k, C2)
}

/** MurmurHash3 x86_32 of `bytes`, as an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length
  const blocksEnd = len & ~3
  let h = seed | 0
  let i = 0
  for (; i < blocksEnd; i += 4) {
    // Blocks are read little-endian, as the reference implementation does on x86.
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    h ^= mixK(k)
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const rest = len & 3
  if (rest > 0) {
    let k = bytes[i]!
    if (rest > 1) k |= bytes[i + 1]! << 8
    if (rest > 2) k |= bytes[i + 2]! << 16
    h ^= mixK(k)
  }
  h ^= len
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** MurmurHash3 x86_32 of the UTF-8 encoding of `s`. */
export function murmur3String(s: string, seed = 0): number {
  return murmur3(encoder.encode(s), seed)
}

/** The user's A/B bucket in [0, BUCKETS) for an experiment. */
export function bucketOf(experimentId: string, userId: string): number {
  return murmur3String(`${experimentId}:${userId}`, 0) % BUCKETS
}

export type Arm = 'control' | 'variant'
/** The assignment rule the server and the SDK share: variant when bucket < split × 100. */
export const armOf = (bucket: number, trafficSplit: number): Arm => (bucket < trafficSplit * 100 ? 'variant' : 'control')

/** An arm of a multi-arm experiment: its key and its percent of the buckets. */
export interface WeightedArm { key: string; weight: number }
/**
 * More than two arms: arm i owns the buckets [Σ_{j<i} weight_j × 100, Σ_{j≤i} weight_j × 100),
 * in the order given (weights sum to 100, so every bucket has an arm).
 */
export function weightedArmOf(bucket: number, arms: readonly WeightedArm[]): string {
  let end = 0
  for (const a of arms) if (bucket < (end += a.weight * 100)) return a.key
  return arms[arms.length - 1]!.key
}
