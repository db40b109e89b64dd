import { describe, expect, test } from 'bun:test'
import { bars, type Evaluation, settingsInWords, verdict } from './model-quality'

const q = (recallAt10: number) => ({ precisionAt10: recallAt10 / 2, recallAt10, ndcgAt10: recallAt10 })
const evaluation = (collaborative: number, content: number, popularity: number): Evaluation => ({
  holdoutUsers: 500, protocol: 'held out', evaluatedAt: '2026-12-06T00:00:00.000Z', chosenSettings: { halfLifeDays: 0, itemsPerShopper: 200, intentHalfLifeDays: 7, regularisation: 10 },
  strategies: { collaborative: q(collaborative), content_based: q(content), popularity: q(popularity) },
})

describe('model quality card', () => {
  test('the verdict compares a strategy with the best-sellers in plain words', () => {
    expect(verdict(evaluation(0.13, 0.02, 0.05))).toBe('collaborative finds 2.6x more of what shoppers buy next than best-sellers')
    expect(verdict(evaluation(0.13, 0.1, 0.05), 'content_based')).toBe('content-based finds 2.0x more of what shoppers buy next than best-sellers')
    expect(verdict(evaluation(0.05, 0.02, 0.05))).toBe('collaborative finds about as much of what shoppers buy next as best-sellers')
    expect(verdict(evaluation(0.02, 0.02, 0.05))).toBe('best-sellers find 2.5x more of what shoppers buy next than collaborative')
    expect(verdict(evaluation(0.2, 0, 0))).toBe('collaborative finds 20 % of what shoppers buy next; best-sellers find none of it')
  })

  test('bars are scaled to the longest; the baseline is marked', () => {
    expect(bars(evaluation(0.2, 0.05, 0.1)).map((b) => [b.label, b.width, b.text, b.baseline])).toEqual([
      ['collaborative', 100, '20 %', false], ['content-based', 25, '5.0 %', false], ['best-sellers', 50, '10 %', true],
    ])
    expect(bars(evaluation(0, 0, 0)).map((b) => b.width)).toEqual([0, 0, 0])
  })

  test('settings in words', () => {
    expect(settingsInWords({ halfLifeDays: 0, itemsPerShopper: 200, intentHalfLifeDays: 1, regularisation: 25 }))
      .toBe("past interactions never fade; a shopper's own events halve every 1 day; the 200 latest items per shopper; regularisation 25")
  })
})
