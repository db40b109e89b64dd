import { describe, expect, test } from 'bun:test'
import { ensureKernels } from '../../scripts/build-kernels.ts'
import { syntheticStore, userStateOf } from '../../scripts/eval/synthetic.ts'
import { loadKernels } from '../kernels/load.ts'
import { withAddedItems } from './added-items.ts'
import { buildModel } from './build.ts'
import { recommend } from './recommend.ts'
import { ANN_MIN_ITEMS, cachedAnnIndex } from './strategies/ann.ts'
import { compactForServing } from './strategies/model-index.ts'
import type { Item, RecommendRequest, TenantModel, UserState } from './types.ts'

const anonymous: UserState = { recent: [], purchased: [], eventCount: 0 }
const ask = (strategy: RecommendRequest['strategy'], more: Partial<RecommendRequest> = {}): RecommendRequest => ({ strategy, limit: 10, excludePurchased: true, ...more })
const ids = (m: TenantModel, req: RecommendRequest, user = anonymous) => recommend(m, user, req).items.map((x) => x.productId)
/** A stored model as an instance loads it: parsed from JSON and compacted for serving (its pair triples let go). */
const served = (m: TenantModel): TenantModel => { const copy = JSON.parse(JSON.stringify(m)) as TenantModel; compactForServing(copy); return copy }

describe('products added to a built model', () => {
  const store = syntheticStore()
  const { items } = store.input
  // The last three items of one category arrive after the build, and nobody has touched them yet.
  const category = items.at(-1)!.category
  const late = items.filter((i) => i.category === category && i.available).slice(-3)
  const lateIds = new Set(late.map((i) => i.productId))
  const before = { ...store.input, items: items.filter((i) => !lateIds.has(i.productId)), interactions: store.input.interactions.filter((x) => !lateIds.has(x.productId)) }
  const base = buildModel(before)
  const full = buildModel({ ...before, items: [...before.items, ...late] })

  test('each gets the vector a build over the grown catalog gives it; the model keeps its behaviour', () => {
    const grown = withAddedItems(served(base), late, 'v+3')
    expect(grown.items.length).toBe(base.items.length + 3)
    expect(grown.content.vectors.slice(-3)).toEqual(full.content.vectors.slice(-3))
    expect(grown.content.terms.slice(-3)).toEqual(full.content.terms.slice(-3))
    // Similar products of a new one: what the full build finds, and the new ones among a sibling's.
    expect(ids(grown, ask('content_based', { productId: late[0]!.productId }))).toEqual(ids(full, ask('content_based', { productId: late[0]!.productId })))
    // Collaborative neighbours and bought-together partners survive the compaction of the model it grew from.
    for (const user of ['user-0-1', 'user-3-7']) {
      const state = userStateOf(store.input.interactions, user)
      expect(ids(grown, ask('collaborative', { limit: 5 }), state)).toEqual(ids(base, ask('collaborative', { limit: 5 }), state))
    }
    const [a] = store.pairs[0]!
    expect(ids(grown, ask('frequently_bought_together', { productId: a, limit: 3 }))).toEqual(ids(base, ask('frequently_bought_together', { productId: a, limit: 3 })))
    // No behaviour yet: nothing popular or trending about them.
    expect(grown.popularity.slice(-3)).toEqual([0, 0, 0])
    expect(grown.trending.score.slice(-3)).toEqual([0, 0, 0])
  })

  test('the newest of them lead the new-arrivals fallback; repeated additions build on each other', () => {
    const now = store.input.now
    const dated: Item[] = late.map((item, k) => ({ ...item, createdAt: now + k }))
    const once = withAddedItems(served(base), dated.slice(0, 1), 'v+1')
    const twice = withAddedItems(once, dated.slice(1), 'v+3')
    // The last two counted over the whole grown catalog; the first over two items fewer: nearly the same direction.
    expect(twice.content.vectors.slice(-2)).toEqual(full.content.vectors.slice(-2))
    const [u, v] = [twice.content.vectors.at(-3)!, full.content.vectors.at(-3)!]
    expect(u.reduce((sum, x, j) => sum + x * v[j]!, 0)).toBeGreaterThan(0.999)
    const empty = buildModel({ ...before, interactions: [] })
    const r = recommend(withAddedItems(served(empty), dated, 'e+3'), anonymous, ask('trending', { limit: 3 }))
    expect(r.strategy).toBe('new_arrivals_fallback')
    expect(r.items.map((x) => x.productId)).toEqual(dated.map((i) => i.productId).reverse())
    expect(r.items[0]!.reason).toBe(`New in ${category}`)
  })

  test('above 10,000 items the approximate index takes them into the nearest clusters instead of retraining', async () => {
    await ensureKernels()
    const kernels = await loadKernels()
    const big = syntheticStore({ itemsPerCategory: Math.ceil((ANN_MIN_ITEMS + 100) / 6) })
    const bigLate = big.input.items.filter((i) => i.category === category && i.available).slice(-3)
    const bigLateIds = new Set(bigLate.map((i) => i.productId))
    const model = served(buildModel({ ...big.input, items: big.input.items.filter((i) => !bigLateIds.has(i.productId)), interactions: [] }, kernels))
    expect(model.items.length).toBeGreaterThan(ANN_MIN_ITEMS)
    recommend(model, anonymous, ask('content_based', { productId: model.items[0]!.productId }), kernels) // builds the index, as the store's warm-up does
    const ann = cachedAnnIndex(model)!
    const grown = withAddedItems(model, bigLate, 'v+3', kernels)
    const grownAnn = cachedAnnIndex(grown)!
    expect(grownAnn.n).toBe(model.items.length + 3)
    expect(grownAnn.centroids).toBe(ann.centroids)
    const answer = recommend(grown, anonymous, ask('content_based', { productId: bigLate[0]!.productId }), kernels)
    expect(answer.strategy).toBe('content_based')
    expect(answer.items.length).toBe(10)
    for (const x of answer.items) expect(grown.items.find((i) => i.productId === x.productId)!.category).toBe(category)
    // Each new one sits in the cluster nearest its vector: a search with that vector finds it first.
    for (let i = model.items.length; i < grown.items.length; i++) {
      const scores = grownAnn.search(Float32Array.from(grown.content.vectors[i]!), kernels, { nprobe: 1 })
      expect(scores[i]).toBeCloseTo(1, 4)
    }
  }, 60_000)
})
