// The "Model quality" card's words and bars: how each strategy did on the model's own
// holdout (GET /api/v1/models `evaluation`) against the best-sellers. Pure.

import type { ApiData } from './api'

export type Evaluation = NonNullable<ApiData<'/api/v1/models', 'get'>['evaluation']>

const NAMES = { collaborative: 'collaborative', content_based: 'content-based', popularity: 'best-sellers' } as const
export type Graded = keyof typeof NAMES

/** "collaborative finds 2.6x more of what shoppers buy next than best-sellers" (by recall@10: the share of what they went on to buy). */
export function verdict(e: Evaluation, strategy: Exclude<Graded, 'popularity'> = 'collaborative'): string {
  const mine = e.strategies[strategy].recallAt10
  const base = e.strategies.popularity.recallAt10
  const name = NAMES[strategy]
  if (base === 0) return mine > 0 ? `${name} finds ${percent(mine)} of what shoppers buy next; best-sellers find none of it` : `Neither ${name} nor best-sellers found what shoppers bought next`
  const ratio = mine / base
  if (ratio >= 1.05) return `${name} finds ${ratio.toFixed(1)}x more of what shoppers buy next than best-sellers`
  if (ratio > 0.95) return `${name} finds about as much of what shoppers buy next as best-sellers`
  return `best-sellers find ${(1 / Math.max(ratio, 1e-9)).toFixed(1)}x more of what shoppers buy next than ${name}`
}

export interface Bar { strategy: Graded; label: string; value: number; text: string; width: number; baseline: boolean }

/** One bar per strategy: recall@10, as a share of the longest bar. */
export function bars(e: Evaluation): Bar[] {
  const order: Graded[] = ['collaborative', 'content_based', 'popularity']
  const top = Math.max(...order.map((s) => e.strategies[s].recallAt10), 1e-9)
  return order.map((s) => {
    const value = e.strategies[s].recallAt10
    return { strategy: s, label: NAMES[s], value, text: percent(value), width: Math.round((100 * value) / top), baseline: s === 'popularity' }
  })
}

/** The chosen settings in a merchant's words. */
export function settingsInWords(s: Evaluation['chosenSettings']): string {
  const fade = (days: number) => (days === 0 ? 'never fade' : `halve every ${days} day${days === 1 ? '' : 's'}`)
  return `past interactions ${fade(s.halfLifeDays)}; a shopper's own events ${fade(s.intentHalfLifeDays)}; the ${s.itemsPerShopper} latest items per shopper; regularisation ${s.regularisation}`
}

const percent = (x: number) => `${(100 * x).toFixed(x >= 0.1 ? 0 : 1)} %`
