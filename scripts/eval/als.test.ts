import { describe, expect, test } from 'bun:test'
import { choleskySolve, implicitAls, predictAll } from './als.ts'

describe('implicit ALS (the evaluations\' matrix factorisation reference)', () => {
  test('choleskySolve solves a symmetric positive definite system', () => {
    // A = [[4, 2, 0], [2, 5, 1], [0, 1, 3]], x = (1, −2, 3): b = A x.
    const a = Float64Array.from([4, 0, 0, 2, 5, 0, 0, 1, 3]) // lower triangle only
    const b = Float64Array.from([0, -5, 7])
    choleskySolve(a, b, 3)
    expect([...b].map((v) => Number(v.toFixed(9)))).toEqual([1, -2, 3])
  })

  test('recovers two planted tastes: a user missing one item of their block gets it ranked first', () => {
    // Users 0–9 like items 0–4, users 10–19 like items 5–9; user 0 has not seen item 4.
    const rows = Array.from({ length: 20 }, (_, u) => {
      const block = u < 10 ? [0, 1, 2, 3, 4] : [5, 6, 7, 8, 9]
      return u === 0 ? block.slice(0, 4) : block
    })
    const model = implicitAls(rows, 10, { factors: 4, alpha: 10, lambda: 0.1, iterations: 10, seed: 1 })
    const scores = predictAll(model, 0, new Float64Array(10))
    const unseen = [4, 5, 6, 7, 8, 9].sort((x, y) => scores[y]! - scores[x]!)
    expect(unseen[0]).toBe(4)
    // And the other block's user prefers their own block.
    const other = predictAll(model, 15, new Float64Array(10))
    expect(Math.min(...[5, 6, 7, 8, 9].map((i) => other[i]!))).toBeGreaterThan(Math.max(...[0, 1, 2, 3, 4].map((i) => other[i]!)))
  })
})
