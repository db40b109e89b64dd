// Matrix factorisation for implicit feedback (Hu, Koren & Volinsky, "Collaborative
// Filtering for Implicit Feedback Datasets", ICDM 2008): the offline evaluations' MF
// reference, not part of the engine. Preference 1 for every observed user-item pair and 0
// elsewhere, confidence 1 + alpha where observed; alternating least squares, each side
// solved exactly per row (Cholesky of a factors × factors system).
import { mulberry32 } from '../../server/prng.ts'

export interface AlsOptions { factors: number; alpha: number; lambda: number; iterations: number; seed: number }

export interface Factors { factors: number; users: Float64Array; items: Float64Array }

/** `rows[u]` lists the item indexes user u interacted with (each once), items in [0, items). */
export function implicitAls(rows: readonly (readonly number[])[], items: number, o: AlsOptions): Factors {
  const f = o.factors
  const random = mulberry32(o.seed)
  const users = new Float64Array(rows.length * f).map(() => (random() - 0.5) * 0.01)
  const itemFactors = new Float64Array(items * f).map(() => (random() - 0.5) * 0.01)
  const raters: number[][] = Array.from({ length: items }, () => [])
  rows.forEach((list, u) => { for (const i of list) raters[i]!.push(u) })
  const gram = new Float64Array(f * f)
  const a = new Float64Array(f * f)
  const b = new Float64Array(f)

  // x_r = (YᵀY + alpha Σ_{j ∈ r} y_j y_jᵀ + λI)⁻¹ (1 + alpha) Σ_{j ∈ r} y_j, for each row r.
  const solve = (out: Float64Array, other: Float64Array, lists: readonly (readonly number[])[]): void => {
    gram.fill(0)
    for (let j = 0; j < other.length / f; j++) {
      const o = j * f
      for (let p = 0; p < f; p++) for (let q = 0; q <= p; q++) gram[p * f + q]! += other[o + p]! * other[o + q]!
    }
    lists.forEach((list, r) => {
      a.set(gram)
      for (let p = 0; p < f; p++) a[p * f + p]! += o.lambda
      b.fill(0)
      for (const j of list) {
        const base = j * f
        for (let p = 0; p < f; p++) {
          const v = other[base + p]!
          b[p]! += (1 + o.alpha) * v
          for (let q = 0; q <= p; q++) a[p * f + q]! += o.alpha * v * other[base + q]!
        }
      }
      choleskySolve(a, b, f)
      out.set(b, r * f)
    })
  }
  for (let it = 0; it < o.iterations; it++) {
    solve(users, itemFactors, rows)
    solve(itemFactors, users, raters)
  }
  return { factors: f, users, items: itemFactors }
}

/** Solves A x = b in place (x into b) for symmetric positive definite A, of which only the lower triangle is read. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): void {
  for (let p = 0; p < n; p++) {
    for (let q = 0; q <= p; q++) {
      let s = a[p * n + q]!
      for (let r = 0; r < q; r++) s -= a[p * n + r]! * a[q * n + r]!
      a[p * n + q] = p === q ? Math.sqrt(Math.max(s, 1e-12)) : s / a[q * n + q]!
    }
  }
  for (let p = 0; p < n; p++) {
    let s = b[p]!
    for (let r = 0; r < p; r++) s -= a[p * n + r]! * b[r]!
    b[p] = s / a[p * n + p]!
  }
  for (let p = n - 1; p >= 0; p--) {
    let s = b[p]!
    for (let r = p + 1; r < n; r++) s -= a[r * n + p]! * b[r]!
    b[p] = s / a[p * n + p]!
  }
}

/** User u's predicted preference for every item. */
export function predictAll(m: Factors, u: number, out: Float64Array): Float64Array {
  const f = m.factors
  const base = u * f
  for (let i = 0; i < out.length; i++) {
    let s = 0
    const q = i * f
    for (let p = 0; p < f; p++) s += m.users[base + p]! * m.items[q + p]!
    out[i] = s
  }
  return out
}
