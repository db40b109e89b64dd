import { expect, test } from 'bun:test'
import { groupBy, topN } from './top-n.ts'

test('top-N measures: hits at ranks 1 and 3 of 3 asked, 4 relevant', () => {
  const m = topN(['a', 'x', 'b', 'c-beyond-k'], new Set(['a', 'b', 'c-beyond-k', 'd']), 3)
  expect(m.precision).toBeCloseTo(2 / 3, 12)
  expect(m.recall).toBeCloseTo(2 / 4, 12)
  const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4)
  expect(m.ndcg).toBeCloseTo((1 + 1 / Math.log2(4)) / idcg, 12)
  expect(topN(['a', 'b'], new Set(['a', 'b']), 2)).toEqual({ precision: 1, recall: 1, ndcg: 1 })
})

test('groupBy keeps rows in order under their key', () => {
  expect([...groupBy([{ k: 'x', v: 1 }, { k: 'y', v: 2 }, { k: 'x', v: 3 }], (r) => r.k)].map(([k, rs]) => [k, rs.map((r) => r.v)])).toEqual([['x', [1, 3]], ['y', [2]]])
})
