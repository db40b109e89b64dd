// What adding an uploaded product to a served model costs (issue 19, withAddedItems): on
// the serving thread, per catalog upload of new products, until the next build. Before the
// first addition to a built model the store counts the catalog's document frequencies, a
// slice per turn of the event loop; later additions carry them. Above 10,000 items the approximate index is extended (built first, as warm-up does).
//
//   bun scripts/bench/added-items.ts [--items 50000] [--added 1] [--rounds 5]
import { arg } from '../lib/args.ts'
import { syntheticStore } from '../eval/synthetic.ts'
import { ensureKernels } from '../build-kernels.ts'
import { loadKernels } from '../../server/kernels/load.ts'
import { countDocumentFrequencies, withAddedItems } from '../../server/engine/added-items.ts'
import { buildModel } from '../../server/engine/build.ts'
import { recommend } from '../../server/engine/recommend.ts'
import { compactForServing } from '../../server/engine/strategies/model-index.ts'
import type { TenantModel } from '../../server/engine/types.ts'

const ITEMS = arg('--items', 50_000)
const ADDED = arg('--added', 1)
const ROUNDS = arg('--rounds', 5)

await ensureKernels()
const kernels = await loadKernels()
const store = syntheticStore({ itemsPerCategory: Math.ceil((ITEMS + ADDED * ROUNDS) / 6) })
const all = store.input.items
const base = all.slice(0, ITEMS)
const later = all.slice(ITEMS, ITEMS + ADDED * ROUNDS)
let t = performance.now()
let model: TenantModel = buildModel({ ...store.input, items: base, interactions: [] }, kernels)
compactForServing(model)
const anyone = { recent: [], purchased: [], eventCount: 0 }
const ask = (m: TenantModel, productId: string) => recommend(m, anyone, { strategy: 'content_based', productId, limit: 8, excludePurchased: false }, kernels)
ask(model, base[0]!.productId) // the index (and above 10,000 items the approximate index), as the store's warm-up builds them
console.log(`${ITEMS} items: model and its serving index in ${Math.round(performance.now() - t)} ms`)
// What the store does before the first addition: the catalog's document frequencies, 2,000 items per turn of the event loop.
let longest = 0
let turn = performance.now()
t = turn
await countDocumentFrequencies(model, async () => { longest = Math.max(longest, performance.now() - turn); await new Promise((r) => setTimeout(r, 0)); turn = performance.now() })
console.log(`  document frequencies counted in ${Math.round(performance.now() - t)} ms, the longest turn ${longest.toFixed(1)} ms`)
for (let r = 0; r < ROUNDS; r++) {
  const batch = later.slice(r * ADDED, (r + 1) * ADDED)
  t = performance.now()
  model = withAddedItems(model, batch, `v+${r}`, kernels)
  const added = performance.now() - t
  t = performance.now()
  const answer = ask(model, batch[0]!.productId)
  const first = performance.now() - t
  t = performance.now()
  ask(model, model.items[1]!.productId)
  console.log(`  add ${ADDED}: ${added.toFixed(1)} ms; first answer after it ${first.toFixed(1)} ms; next ${(performance.now() - t).toFixed(1)} ms; similar to the new one: ${answer.strategy}, ${answer.items.length} items`)
}
