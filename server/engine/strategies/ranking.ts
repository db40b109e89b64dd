// Ranking helpers every strategy shares: one candidate shape and one order, so that
// equal scores always break the same way (lower item index first) and results are
// deterministic across runs, runtimes and kernel backends.

/** An item a strategy proposes: its index in model.items, a raw score (> 0), and why. */
export interface Candidate { index: number; score: number; reason: string }

/** Higher score first; ties to the lower item index. */
export const better = (sa: number, a: number, sb: number, b: number): boolean => sa > sb || (sa === sb && a < b)

/**
 * The k best of the first `length` entries of `indices` by `score[index]`, best first.
 * A size-k heap keeps this O(length · log k): the build calls it once per item over
 * every co-occurring item, which can be thousands.
 */
export function topKByScore(indices: ArrayLike<number>, length: number, score: ArrayLike<number>, k: number): number[] {
  const limit = Math.max(0, Math.min(k, length))
  const heap: number[] = [] // root = the weakest kept
  const weaker = (a: number, b: number): boolean => better(score[b]!, b, score[a]!, a)
  const siftDown = (pos: number): void => {
    for (;;) {
      const left = 2 * pos + 1
      if (left >= heap.length) return
      const right = left + 1
      const child = right < heap.length && weaker(heap[right]!, heap[left]!) ? right : left
      if (!weaker(heap[child]!, heap[pos]!)) return
      ;[heap[pos], heap[child]] = [heap[child]!, heap[pos]!]
      pos = child
    }
  }
  for (let n = 0; n < length && limit > 0; n++) {
    const i = indices[n]!
    if (heap.length < limit) {
      heap.push(i)
      let pos = heap.length - 1
      while (pos > 0) {
        const parent = (pos - 1) >> 1
        if (!weaker(heap[pos]!, heap[parent]!)) break
        ;[heap[pos], heap[parent]] = [heap[parent]!, heap[pos]!]
        pos = parent
      }
    } else if (weaker(heap[0]!, i)) {
      heap[0] = i
      siftDown(0)
    }
  }
  return heap.sort((a, b) => (better(score[a]!, a, score[b]!, b) ? -1 : 1))
}

/** Six decimals rank the same as full precision and keep the persisted model small. */
export const round6 = (x: number): number => Math.round(x * 1e6) / 1e6

/**
 * Scores in [0, 1], non-increasing down the whole list, from lists ranked in different
 * units (cosine, lift, velocity, popularity): each list is divided by its own best score,
 * and every later list is scaled to at most half the last score before it, so a padded
 * or fallback item never outranks what the asked-for source found.
 */
export function chainScores(segments: Candidate[][]): Candidate[] {
  const out: Candidate[] = []
  let ceiling = 1
  for (const segment of segments) {
    if (segment.length === 0) continue
    const top = segment[0]!.score
    for (const c of segment) out.push({ ...c, score: top > 0 ? (ceiling * c.score) / top : 0 })
    ceiling = out[out.length - 1]!.score / 2
  }
  return out
}

/**
 * 12,345 as people write it: toLocaleString goes through ICU, which costs more than
 * the rest of a cached answer on every request that builds a reason.
 */
export function formatCount(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)))
  let out = ''
  for (let i = 0; i < digits.length; i++) out += (i > 0 && (digits.length - i) % 3 === 0 ? ',' : '') + digits[i]
  return (n < 0 ? '-' : '') + out
}
