// Model build time and peak memory for three inputs: the real UCI Online Retail purchases
// (397,884 lines, 4,338 customers); the same expanded to ~1.2M interactions (each purchase
// preceded by a view of the item and a view of a random item, as a browsing store would
// log); and a synthetic store of ~1M interactions from 30,000 shoppers. Each scenario runs
// in its own process so its peak RSS is its own. Prints figures; asserts nothing.
//
//   bun scripts/bench/build.ts
import { spawnSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { loadKernels } from '../../server/kernels/load.ts'
import { buildModel } from '../../server/engine/build.ts'
import type { BuildInput, Interaction } from '../../server/engine/types.ts'
import { mulberry32, syntheticStore } from '../eval/synthetic.ts'
import { retailInteraction, retailItems } from '../eval/online-retail.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'

const SCENARIOS = ['retail', 'expanded', 'synthetic'] as const
type Scenario = (typeof SCENARIOS)[number]

const MB = 2 ** 20
const fmt = (x: number, digits = 0): string => x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function input(scenario: Scenario): BuildInput {
  if (scenario === 'synthetic') {
    return syntheticStore({ itemsPerCategory: 500, itemsPerCluster: 300, usersPerCluster: 5_000, sessionsPerUser: 8 }).input
  }
  const lines = loadOnlineRetail()
  const items = retailItems(lines)
  let interactions: Interaction[] = lines.map(retailInteraction)
  if (scenario === 'expanded') {
    const rand = mulberry32(1)
    const browsed: Interaction[] = []
    for (const p of interactions) {
      browsed.push({ userId: p.userId, productId: p.productId, eventType: 'product_viewed', ts: p.ts - 300_000 })
      browsed.push({ userId: p.userId, productId: items[Math.floor(rand() * items.length)]!.productId, eventType: 'product_viewed', ts: p.ts - 600_000 })
    }
    interactions = interactions.concat(browsed)
  }
  const now = lines.reduce((t, l) => Math.max(t, l.date.getTime()), 0) + 60_000
  return { items, interactions, now, weights: {}, halfLifeDays: 90 }
}

async function run(scenario: Scenario): Promise<void> {
  // The kernels the server builds with (WebAssembly: the content vectors' hashing, EASE's inverse).
  const kernels = await loadKernels()
  const { items, interactions, now, weights, halfLifeDays } = input(scenario)
  const rssBefore = process.memoryUsage().rss
  const started = performance.now()
  const model = buildModel({ items, interactions, now, weights, halfLifeDays }, kernels)
  const ms = performance.now() - started
  const peak = process.resourceUsage().maxRSS * 1024
  const json = JSON.stringify(model)
  const bytes = Buffer.byteLength(json)
  const gzipped = gzipSync(json).length
  const neighbours = model.itemNeighbors.reduce((s, l) => s + l.length, 0)
  const pairs = model.fbt.reduce((s, l) => s + l.length, 0)
  console.log(`${scenario}: ${fmt(interactions.length)} interactions, ${fmt(model.stats.users)} users, ${fmt(items.length)} items`)
  console.log(`  build ${fmt(ms)} ms; RSS before build ${fmt(rssBefore / MB)} MiB (input loaded), peak ${fmt(peak / MB)} MiB`)
  console.log(`  model JSON ${fmt(bytes / MB, 1)} MiB, ${fmt(gzipped / MB, 1)} MiB gzipped (${fmt(neighbours)} neighbour entries, ${fmt(pairs)} bought-together pairs, ${model.content.dim}-dim content vectors)`)
}

const only = process.argv[2] as Scenario | undefined
if (only) await run(only)
else {
  // Built here, not in the scenarios: the compiler would sit in their memory figures.
  const { ensureKernels } = await import('../build-kernels.ts')
  await ensureKernels()
  for (const scenario of SCENARIOS) {
    const r = spawnSync(process.execPath, [import.meta.path, scenario], { stdio: 'inherit' })
    if (r.status !== 0) process.exit(r.status ?? 1)
  }
}
