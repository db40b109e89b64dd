// The serving shortcuts give exactly what the plain computation gives: the
// memo of each item's content neighbours against a full scan (whatever is
// blocked), and the count formatting against Intl's.
import { describe, expect, test } from 'bun:test'
import { syntheticStore } from '../../scripts/eval/synthetic.ts'
import { mulberry32 } from '../prng.ts'
import { buildModel } from './build.ts'
import { scanSimilar, similarToItem } from './strategies/content-based.ts'
import { modelIndex } from './strategies/model-index.ts'
import { formatCount } from './strategies/ranking.ts'

// Two catalogs: the small synthetic store (every item's neighbours fit in the memo) and
// one of 2,400 items, where an item has more neighbours than the memo keeps (256), so a
// heavily blocked request must fall back to the scan.
for (const itemsPerCategory of [20, 400]) {
  describe(`content neighbours memo (${itemsPerCategory * 6} items)`, () => {
    const model = buildModel(syntheticStore({ itemsPerCategory }).input)
    const index = modelIndex(model)
    const n = model.items.length

    test('equals a full scan for any blocked set, light or heavy, and any limit', () => {
      const rand = mulberry32(7)
      for (let round = 0; round < 300; round++) {
        const item = Math.floor(rand() * n)
        const blocked = new Uint8Array(n)
        // Up to 95 % blocked: beyond the kept neighbours, so the memo must fall back to scanning.
        const share = round % 3 === 0 ? 0.95 : rand() * 0.3
        for (let i = 0; i < n; i++) if (rand() < share) blocked[i] = 1
        const limit = 1 + Math.floor(rand() * 50)
        const memo = similarToItem(model, index, item, blocked, limit)
        const scan = scanSimilar(model, index, item, blocked, limit)
        expect(memo.map((c) => [c.index, c.reason])).toEqual(scan.map((c) => [c.index, c.reason]))
        memo.forEach((c, k) => expect(c.score).toBeCloseTo(scan[k]!.score, 6))
      }
    })
  })
}

test('formatCount writes counts as toLocaleString("en") does', () => {
  for (const x of [0, 1, 12, 999, 1000, 12_345, 999_999, 1_000_000, 1_234_567_890, -4_321]) expect(formatCount(x)).toBe(x.toLocaleString('en'))
})
