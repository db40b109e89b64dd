// Auto settings choose what the data says: no decay where taste holds over years, a short
// half-life where it shifted lately, and never over what the tenant set.
import { describe, expect, test } from 'bun:test'
import { mulberry32 } from '../prng.ts'
import { buildTunedModel, type Grade, MIN_HOLDOUT_USERS, replaces, tuneSettings, UNTUNED_SETTINGS } from './tune.ts'
import type { BuildInput, Interaction, Item } from './types.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 0, 1)
const ITEMS = 120
const GROUPS = 6
const items: Item[] = Array.from({ length: ITEMS }, (_, i) => ({
  productId: `p${i}`, name: `Product ${i}`, description: null, category: null, price: 10, imageUrl: null, url: null, attributes: {}, available: true,
}))
// Two ways to group the same items: by i mod 6 (taste A) and by blocks of 20 (taste B).
const tasteA = (g: number) => Array.from({ length: ITEMS / GROUPS }, (_, k) => k * GROUPS + g)
const tasteB = (g: number) => Array.from({ length: ITEMS / GROUPS }, (_, k) => g * (ITEMS / GROUPS) + k)

/** A session of purchases: 8 items of one group and one at random, a minute apart. */
function session(random: () => number, out: Interaction[], userId: string, group: number[], start: number, order: string) {
  const picked = new Set<number>()
  while (picked.size < 8) picked.add(group[Math.floor(random() * group.length)]!)
  picked.add(Math.floor(random() * ITEMS))
  let ts = start
  for (const i of picked) out.push({ userId, productId: `p${i}`, eventType: 'purchase', ts: (ts += 60_000), orderId: order })
}

/** Evergreen: each shopper keeps one taste (A) over two years, in two sessions at random times. */
function evergreenStore(): BuildInput {
  const random = mulberry32(7)
  const interactions: Interaction[] = []
  for (let u = 0; u < 300; u++) {
    const group = tasteA(u % GROUPS)
    for (let s = 0; s < 2; s++) session(random, interactions, `u${u}`, group, NOW - Math.floor(random() * 730) * DAY - DAY, `o${u}-${s}`)
  }
  return { items, interactions, now: NOW, weights: {}, halfLifeDays: 0 }
}

/** Shifted: every shopper bought by taste A 100–300 days ago, and by taste B in the last three weeks. */
function shiftedStore(): BuildInput {
  const random = mulberry32(11)
  const interactions: Interaction[] = []
  for (let u = 0; u < 300; u++) {
    session(random, interactions, `u${u}`, tasteA(u % GROUPS), NOW - (100 + Math.floor(random() * 200)) * DAY, `o${u}-old`)
    session(random, interactions, `u${u}`, tasteB((u * 5) % GROUPS), NOW - (1 + Math.floor(random() * 20)) * DAY, `o${u}-new`)
  }
  return { items, interactions, now: NOW, weights: {}, halfLifeDays: 0 }
}

const auto = { fixed: {}, excludePurchased: true, profileEvents: 100 }

describe('auto settings', () => {
  test('an evergreen store: nothing fades (half-life 0), graded against best-sellers', () => {
    const t = tuneSettings(evergreenStore(), auto)
    expect(t.settings.halfLifeDays).toBe(0)
    expect(t.settings.intentHalfLifeDays).toBe(0)
    // Decay was tried and lost: the choice is the data's, not a default left standing.
    const byHalfLife = (h: number) => Math.max(...t.trials.filter((x) => x.settings.halfLifeDays === h).map((x) => x.quality.precisionAt10))
    expect(byHalfLife(0)).toBeGreaterThan(byHalfLife(7))
    const e = t.evaluation!
    expect(e.holdoutUsers).toBeWithin(250, 301) // shoppers whose newest items hold something new
    expect(e.chosenSettings).toEqual(t.settings)
    expect(e.evaluatedAt).toBe(new Date(NOW).toISOString())
    expect(e.strategies.collaborative.precisionAt10).toBeGreaterThan(2 * e.strategies.popularity.precisionAt10)
    for (const q of Object.values(e.strategies)) for (const v of Object.values(q)) expect(v).toBeWithin(0, 1.0000001)
  })

  test('a store whose taste shifted lately: a short half-life', () => {
    const t = tuneSettings(shiftedStore(), auto)
    expect(t.settings.halfLifeDays).toBeGreaterThan(0)
    expect(t.settings.halfLifeDays).toBeLessThanOrEqual(30)
    const e = t.evaluation!
    expect(e.strategies.collaborative.precisionAt10).toBeGreaterThan(e.strategies.popularity.precisionAt10)
  })

  test('explicit settings win; only the rest are chosen', () => {
    const t = tuneSettings(evergreenStore(), { ...auto, fixed: { halfLifeDays: 30, regularisation: 50 } })
    expect(t.settings).toMatchObject({ halfLifeDays: 30, regularisation: 50 })
    for (const x of t.trials) expect(x.settings).toMatchObject({ halfLifeDays: 30, regularisation: 50 })
    expect(t.evaluation!.chosenSettings).toEqual(t.settings)
    // Everything set: nothing is tried, the settings are still graded.
    const all = { halfLifeDays: 7, itemsPerShopper: 80, intentHalfLifeDays: 3, regularisation: 5 }
    const fixedAll = tuneSettings(evergreenStore(), { ...auto, fixed: all })
    expect(fixedAll.trials).toEqual([])
    expect(fixedAll.settings).toEqual(all)
    expect(fixedAll.evaluation!.chosenSettings).toEqual(all)
  })

  test('the serving model is built with the chosen settings; a refresh reuses them without grading again', () => {
    const built = buildTunedModel(shiftedStore(), auto)
    expect(built.model.settings).toEqual(built.evaluation!.chosenSettings)
    expect(built.model.stats.settingsTried).toBeGreaterThan(4)
    const reused = buildTunedModel(shiftedStore(), { ...auto, fixed: { intentHalfLifeDays: 2 }, reuse: built.model.settings })
    expect(reused.evaluation).toBeNull()
    expect(reused.model.settings).toEqual({ ...built.model.settings!, intentHalfLifeDays: 2 })
    expect(reused.model.stats.settingsTried).toBe(0)
  })

  test('a setting that forgets more must also not lose the hidden items, a regularisation must find more of them; one that fades the model need not', () => {
    // 200 shoppers: the candidate finds one more next item for every other shopper (clearly better),
    // and one fewer hidden item for every other shopper (clearly worse) or the same.
    const grade = (next: number, hidden: number): Grade => ({
      quality: { precisionAt10: 0, recallAt10: 0, ndcgAt10: 0 },
      precision: Float64Array.from({ length: 200 }, (_, k) => (k % 2 ? next : 0.1)),
      hiddenPrecision: Float64Array.from({ length: 200 }, (_, k) => (k === 0 ? NaN : k % 2 ? hidden : 0.1)),
    })
    const incumbent = { settings: { halfLifeDays: 0, itemsPerShopper: 200, intentHalfLifeDays: 0, regularisation: 10 }, grade: grade(0.1, 0.2) }
    const worseHidden = grade(0.2, 0.1), sameHidden = grade(0.2, 0.2)
    const as = (change: object, g: Grade) => ({ settings: { ...incumbent.settings, ...change }, grade: g })
    expect(replaces(as({ intentHalfLifeDays: 7 }, worseHidden), incumbent)).toBe(false)
    expect(replaces(as({ intentHalfLifeDays: 7 }, sameHidden), incumbent)).toBe(true)
    expect(replaces(as({ itemsPerShopper: 50 }, worseHidden), incumbent)).toBe(false)
    expect(replaces(as({ itemsPerShopper: 50 }, sameHidden), incumbent)).toBe(true)
    expect(replaces(as({ halfLifeDays: 30 }, worseHidden), incumbent)).toBe(true)
    // The regularisation must win on both: what came next and the hidden items.
    expect(replaces(as({ regularisation: 25 }, worseHidden), incumbent)).toBe(false)
    expect(replaces(as({ regularisation: 25 }, sameHidden), incumbent)).toBe(false)
    expect(replaces(as({ regularisation: 25 }, grade(0.2, 0.3)), incumbent)).toBe(true)
    // A shorter intent half-life than a faded incumbent's forgets more; a longer one does not.
    const faded = { ...incumbent, settings: { ...incumbent.settings, intentHalfLifeDays: 7 } }
    expect(replaces({ settings: { ...faded.settings, intentHalfLifeDays: 2 }, grade: worseHidden }, faded)).toBe(false)
    expect(replaces({ settings: { ...faded.settings, intentHalfLifeDays: 0 }, grade: worseHidden }, faded)).toBe(true)
    // Not clearly better on what came next: nothing replaces the incumbent.
    expect(replaces(as({ regularisation: 25 }, grade(0.1, 0.3)), incumbent)).toBe(false)
  })

  test('validation shoppers are graded on hidden items too, which the trials did not learn', () => {
    const t = tuneSettings(evergreenStore(), auto)
    // Each shopper's two sessions share one taste: hidden items of it are found (an item bought
    // in training would be left out of the list as purchased, so a hit means it was hidden).
    for (const x of t.trials) expect(x.hiddenPrecisionAt10).toBeGreaterThan(0)
    expect(Math.max(...t.trials.map((x) => x.hiddenPrecisionAt10))).toBeGreaterThan(0.05)
  })

  test('too few shoppers to hold out: no grade, the untuned settings under what the tenant set', () => {
    const few = evergreenStore()
    const users = new Set(Array.from({ length: MIN_HOLDOUT_USERS - 1 }, (_, u) => `u${u}`))
    const t = tuneSettings({ ...few, interactions: few.interactions.filter((x) => users.has(x.userId)) }, { ...auto, fixed: { itemsPerShopper: 70 } })
    expect(t.evaluation).toBeNull()
    expect(t.settings).toEqual({ ...UNTUNED_SETTINGS, itemsPerShopper: 70 })
  })
})
