// When a build reuses the settings an earlier one chose (store.ts settingsToReuse): a
// plain refresh within the day does; an asked-for build, a day-old choice or a value the
// tenant set since do not.
import { describe, expect, test } from 'bun:test'
import type { ModelRow } from '../../db/queries/models.ts'
import type { ModelEvaluation } from '../engine/tune.ts'
import { settingsToReuse } from './store.ts'

const H = 3600_000
const NOW = Date.UTC(2026, 11, 6, 12)
const chosen = { halfLifeDays: 0, itemsPerShopper: 200, intentHalfLifeDays: 7, regularisation: 10 }
const quality = { precisionAt10: 0.1, recallAt10: 0.1, ndcgAt10: 0.1 }
const before: ModelEvaluation = {
  holdoutUsers: 100, protocol: 'held out', chosenSettings: chosen, evaluatedAt: new Date(NOW - 2 * H).toISOString(),
  strategies: { collaborative: quality, content_based: quality, popularity: quality },
}
const row = (over: Partial<ModelRow> = {}): ModelRow =>
  ({ version: 'v1', built_at: new Date(NOW - H).toISOString(), stats: { evaluation: before }, status: 'building', requested_at: null, last_error: null, ...over })
const DAY = 24 * H

describe('settingsToReuse', () => {
  test('a refresh within the day reuses the choice, with a value the tenant set unchanged', () => {
    expect(settingsToReuse(row(), before, {}, NOW, DAY)).toEqual(chosen)
    expect(settingsToReuse(row(), before, { itemsPerShopper: 200 }, NOW, DAY)).toEqual(chosen)
    // A request older than the model was served by it already.
    expect(settingsToReuse(row({ requested_at: new Date(NOW - 3 * H).toISOString() }), before, {}, NOW, DAY)).toEqual(chosen)
  })

  test('chooses again: a build was asked for, the choice is a day old, the tenant set another value, or nothing was chosen', () => {
    expect(settingsToReuse(row({ requested_at: new Date(NOW - 10_000).toISOString() }), before, {}, NOW, DAY)).toBeUndefined()
    expect(settingsToReuse(row(), before, {}, NOW + DAY, DAY)).toBeUndefined()
    expect(settingsToReuse(row(), before, { halfLifeDays: 30 }, NOW, DAY)).toBeUndefined()
    expect(settingsToReuse(row(), null, {}, NOW, DAY)).toBeUndefined()
    expect(settingsToReuse(undefined, before, {}, NOW, DAY)).toBeUndefined()
  })
})
