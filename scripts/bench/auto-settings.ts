// What choosing settings costs a build (issue 19 §3: the grid's extra time ≤ 3x a plain
// build on the retail data): the retail purchases built plainly (the tenant's settings as
// numbers) and with every setting "auto" (grid on a validation split, the report's model on
// a test split, then the serving build), on this thread with the WebAssembly kernels as the
// build thread has them. Prints figures; asserts nothing.
//
//   bun scripts/bench/auto-settings.ts [--rounds 3] [--grid-ease-items 500]
import { loadKernels } from '../../server/kernels/load.ts'
import { buildModel } from '../../server/engine/build.ts'
import { buildTunedModel, GRID_EASE_ITEMS } from '../../server/engine/tune.ts'
import { MAX_RECENT } from '../../db/queries/events.ts'
import { retailInteraction, retailItems } from '../eval/online-retail.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { arg } from '../lib/args.ts'

const rounds = arg('--rounds', 3)
const gridEaseItems = arg('--grid-ease-items', GRID_EASE_ITEMS)
const kernels = await loadKernels()
const lines = loadOnlineRetail()
const input = {
  items: retailItems(lines), interactions: lines.map(retailInteraction), weights: {}, halfLifeDays: 30,
  now: lines.reduce((t, l) => Math.max(t, l.date.getTime()), 0) + 60_000,
}
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!
const plain: number[] = []
const auto: number[] = []
const tune: number[] = []
let last
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now()
  buildModel(input, kernels)
  plain.push(performance.now() - t0)
  t0 = performance.now()
  last = buildTunedModel(input, { fixed: {}, excludePurchased: true, profileEvents: MAX_RECENT, gridEaseItems }, kernels)
  auto.push(performance.now() - t0)
  tune.push(last.model.stats.tuneMs!)
}
console.log(`retail: ${input.interactions.length.toLocaleString('en')} interactions, ${input.items.length.toLocaleString('en')} items; trial models learn weights for ${gridEaseItems} items; median of ${rounds} rounds`)
console.log(`plain build ${median(plain).toFixed(0)} ms; auto build ${median(auto).toFixed(0)} ms, of which choosing and grading ${median(tune).toFixed(0)} ms = ${(median(tune) / median(plain)).toFixed(2)}x a plain build (${last!.model.stats.settingsTried} settings tried)`)
console.log('chosen', JSON.stringify(last!.model.settings))
console.log('evaluation', JSON.stringify(last!.evaluation?.strategies), last!.evaluation?.holdoutUsers, 'holdout users')
