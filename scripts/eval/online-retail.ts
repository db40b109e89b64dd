// Offline evaluation on UCI Online Retail (../shared/data/online_retail.csv.gz): a time
// split (train before 2011-11-01, test from then on), for the customers who buy in both.
// Each strategy ranks 10 items per customer, with what they bought in training excluded
// from the ranking and from the truth (the task is "what new will they buy"), exactly as
// served: recommend() with excludePurchased, including cold-start fallbacks and padding.
//
//   bun scripts/eval/online-retail.ts [--half-life 90] [--shrinkage 5] [--max-items-per-user 50] [--min-support 2]
//   bun scripts/eval/online-retail.ts --auto
//
// With --auto, as a tenant that leaves every setting "auto": the training lines go to the
// engine as timestamped events and the build chooses its settings on a validation split of
// them (each customer's newest lines; server/engine/tune.ts); the test period stays unseen.
//
// The data has purchases only (no views, no categories), so content_based works from the
// product descriptions alone and trending from purchase counts.
import { buildModel, BUILD_DEFAULTS } from '../../server/engine/build.ts'
import { buildTunedModel } from '../../server/engine/tune.ts'
import { MAX_RECENT } from '../../db/queries/events.ts'
import { recommend } from '../../server/engine/recommend.ts'
import type { Interaction, Item, StrategyName, TenantModel, UserState } from '../../server/engine/types.ts'
import { loadOnlineRetail, type RetailLine } from '../lib/online-retail.ts'
import { groupBy, topN, type TopN } from './top-n.ts'
import { arg } from '../lib/args.ts'

const K = 10
const SPLIT = Date.UTC(2011, 10, 1)

/** One catalog item per stock code: its first description, its median unit price. */
export function retailItems(lines: readonly RetailLine[]): Item[] {
  const byCode = new Map<string, { name: string; prices: number[] }>()
  for (const l of lines) {
    const x = byCode.get(l.stockCode)
    if (x) x.prices.push(l.price)
    else byCode.set(l.stockCode, { name: l.description || l.stockCode, prices: [l.price] })
  }
  return [...byCode].map(([productId, { name, prices }]) => {
    prices.sort((a, b) => a - b)
    return { productId, name, description: null, category: null, price: prices[prices.length >> 1]!, imageUrl: null, url: null, attributes: {}, available: true }
  })
}

export const retailInteraction = (l: RetailLine): Interaction => ({ userId: l.customer, productId: l.stockCode, eventType: 'purchase', ts: l.date.getTime(), orderId: l.invoice })

interface Metrics extends TopN { padded: number }

interface Customer { id: string; state: UserState; lastBasket: string[]; truth: Set<string> }

function customers(train: readonly RetailLine[], test: readonly RetailLine[]): Customer[] {
  const byCustomer = groupBy(train, (l) => l.customer)
  const testItems = new Map<string, Set<string>>()
  for (const l of test) {
    if (!byCustomer.has(l.customer)) continue
    const set = testItems.get(l.customer) ?? new Set<string>()
    set.add(l.stockCode)
    testItems.set(l.customer, set)
  }
  const out: Customer[] = []
  for (const [id, bought] of testItems) {
    const lines = byCustomer.get(id)!.sort((a, b) => b.date.getTime() - a.date.getTime())
    const purchased = new Set(lines.map((l) => l.stockCode))
    const truth = new Set([...bought].filter((p) => !purchased.has(p)))
    if (truth.size === 0) continue
    const lastInvoice = lines[0]!.invoice
    out.push({
      id,
      state: { recent: lines.slice(0, 100).map((l) => ({ productId: l.stockCode, eventType: 'purchase', ts: l.date.getTime() })), purchased: [...purchased], eventCount: lines.length },
      lastBasket: [...new Set(lines.filter((l) => l.invoice === lastInvoice).map((l) => l.stockCode))],
      truth,
    })
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1))
}

function served(model: TenantModel, c: Customer, strategy: StrategyName): { ranked: string[]; padded: number } {
  // An auto-tuned model serves with the intent half-life it chose; otherwise the engine's default.
  const r = recommend(model, c.state, { strategy, limit: K, excludePurchased: true, intentHalfLifeDays: model.settings?.intentHalfLifeDays })
  return { ranked: r.items.map((x) => x.productId), padded: r.padded }
}

/** FBT needs a product: the partners of every item in the customer's last basket, by summed score. */
function boughtWithLastBasket(model: TenantModel, c: Customer): { ranked: string[]; padded: number } {
  const sum = new Map<string, number>()
  let padded = 0
  for (const productId of c.lastBasket) {
    const r = recommend(model, c.state, { strategy: 'frequently_bought_together', productId, limit: K, excludePurchased: true })
    r.items.slice(0, r.items.length - r.padded).forEach((x) => sum.set(x.productId, (sum.get(x.productId) ?? 0) + x.score))
  }
  const ranked = [...sum].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p).slice(0, K)
  // Padded like every served list: with what is popular.
  if (ranked.length < K) {
    const pad = served(model, { ...c, state: { ...c.state, eventCount: 0 } }, 'collaborative').ranked.filter((p) => !ranked.includes(p))
    padded = Math.min(K - ranked.length, pad.length)
    ranked.push(...pad.slice(0, padded))
  }
  return { ranked, padded }
}

/** The baseline: the most bought items of the training period, minus what the customer bought. */
function mostBought(train: readonly RetailLine[]): (c: Customer) => { ranked: string[]; padded: number } {
  const counts = new Map<string, number>()
  for (const l of train) counts.set(l.stockCode, (counts.get(l.stockCode) ?? 0) + 1)
  const order = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p)
  return (c) => {
    const mine = new Set(c.state.purchased)
    return { ranked: order.filter((p) => !mine.has(p)).slice(0, K), padded: 0 }
  }
}

if (import.meta.main) {
  const halfLifeDays = arg('--half-life', 90)
  const options = {
    shrinkage: arg('--shrinkage', BUILD_DEFAULTS.shrinkage),
    maxItemsPerUser: arg('--max-items-per-user', BUILD_DEFAULTS.maxItemsPerUser),
    minSupport: arg('--min-support', BUILD_DEFAULTS.minSupport),
  }
  const lines = loadOnlineRetail()
  const train = lines.filter((l) => l.date.getTime() < SPLIT)
  const test = lines.filter((l) => l.date.getTime() >= SPLIT)
  const started = performance.now()
  const auto = process.argv.includes('--auto')
  const trainInput = { items: retailItems(lines), interactions: train.map(retailInteraction), now: SPLIT, weights: {}, halfLifeDays }
  const tuned = auto ? buildTunedModel(trainInput, { fixed: {}, excludePurchased: true, profileEvents: MAX_RECENT, build: options }) : undefined
  const model = tuned ? tuned.model : buildModel(trainInput, undefined, options)
  const buildMs = performance.now() - started
  const users = customers(train, test)
  console.log(`train ${train.length.toLocaleString('en')} lines before 2011-11-01, test ${test.length.toLocaleString('en')} lines; ${users.length.toLocaleString('en')} customers in both with new items to find (mean ${(users.reduce((s, u) => s + u.truth.size, 0) / users.length).toFixed(1)} new items each)`)
  if (tuned) {
    const e = tuned.evaluation
    console.log(`model: ${model.stats.items} items, ${model.stats.users} users, built in ${buildMs.toFixed(0)} ms with auto settings: chose ${JSON.stringify(model.settings)} on validation (${model.stats.settingsTried} tried, ${model.stats.tuneMs} ms); its own test grade on ${e?.holdoutUsers} customers: collaborative P@10 ${e?.strategies.collaborative.precisionAt10}, content ${e?.strategies.content_based.precisionAt10}, popularity ${e?.strategies.popularity.precisionAt10}\n`)
  } else console.log(`model: ${model.stats.items} items, ${model.stats.users} users, built in ${buildMs.toFixed(0)} ms (half-life ${halfLifeDays} d, shrinkage ${options.shrinkage}, ≤ ${options.maxItemsPerUser} items per user, FBT support ≥ ${options.minSupport} orders)\n`)

  const runs: [string, (c: Customer) => { ranked: string[]; padded: number }][] = [
    ['popularity baseline (most bought)', mostBought(train)],
    ['collaborative', (c) => served(model, c, 'collaborative')],
    ['content_based (from history)', (c) => served(model, c, 'content_based')],
    ['trending', (c) => served(model, c, 'trending')],
    ['frequently_bought_together (last basket)', (c) => boughtWithLastBasket(model, c)],
  ]
  console.log(`| strategy | P@${K} | R@${K} | NDCG@${K} | padded per list |`)
  console.log('|---|---|---|---|---|')
  for (const [name, run] of runs) {
    const total: Metrics = { precision: 0, recall: 0, ndcg: 0, padded: 0 }
    for (const c of users) {
      const { ranked, padded } = run(c)
      const m = topN(ranked, c.truth, K)
      total.precision += m.precision
      total.recall += m.recall
      total.ndcg += m.ndcg
      total.padded += padded
    }
    const mean = (x: number): string => (x / users.length).toFixed(4)
    console.log(`| ${name} | ${mean(total.precision)} | ${mean(total.recall)} | ${mean(total.ndcg)} | ${(total.padded / users.length).toFixed(2)} |`)
  }
}
