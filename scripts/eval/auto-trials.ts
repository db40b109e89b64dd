// What the auto-settings search sees on MovieLens (issue 19 §3): each random split's training
// ratings go to `tuneSettings` as a tenant's events, and every trial's validation grade is
// printed (P@10 on what came next / on the hidden items, NDCG on what came next) with the
// choice. By default only the regularisation is searched (the other settings fixed at what
// the full search chooses on every split), to see its grades at a given trial size.
//
//   bun scripts/eval/auto-trials.ts [--grid-ease-items 500] [--seeds 1,2,3,4,5] [--full]
import { MAX_RECENT } from '../../db/queries/events.ts'
import { GRID_EASE_ITEMS, tuneSettings } from '../../server/engine/tune.ts'
import { loadKernels } from '../../server/kernels/load.ts'
import { loadMovieLens } from '../lib/movielens.ts'
import { arg } from '../lib/args.ts'
import { movieItems, randomSplit } from './movielens.ts'

const kernels = await loadKernels()
const { ratings, movies } = loadMovieLens()
const items = movieItems(movies)
const gridEaseItems = arg('--grid-ease-items', GRID_EASE_ITEMS)
const at = process.argv.indexOf('--seeds')
const seeds = (at > 0 ? process.argv[at + 1]! : '1,2,3,4,5').split(',').map(Number)
const fixed = process.argv.includes('--full') ? {} : { halfLifeDays: 0, intentHalfLifeDays: 0, itemsPerShopper: 200 }
console.log(`trial models learn weights for ${gridEaseItems} items; fixed ${JSON.stringify(fixed)}`)
for (const seed of seeds) {
  const { train } = randomSplit(ratings, seed)
  const now = train.reduce((m, r) => Math.max(m, r.ts), 0) + 1
  const t0 = performance.now()
  const t = tuneSettings({ items, interactions: train.map((r) => ({ userId: r.userId, productId: r.movieId, eventType: 'purchase' as const, ts: r.ts })), now, weights: {}, halfLifeDays: 0 },
    { fixed, excludePurchased: true, profileEvents: MAX_RECENT, gridEaseItems }, kernels)
  console.log(`split ${seed}: chose ${JSON.stringify(t.settings)} in ${Math.round(performance.now() - t0)} ms; the build's own test grade, collaborative P@10 ${t.evaluation?.strategies.collaborative.precisionAt10}`)
  for (const x of t.trials) console.log(`  ${JSON.stringify(x.settings)}: next P@10 ${x.quality.precisionAt10} (NDCG ${x.quality.ndcgAt10}), hidden P@10 ${x.hiddenPrecisionAt10}`)
}
