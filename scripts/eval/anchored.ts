// Offline evaluation of the lists a product page and a cart page show, on UCI Online
// Retail (../shared/data/online_retail.csv.gz): next item in the basket. The model is
// built from the purchases before 2011-11-01 (as online-retail.ts); then, in every later
// invoice, each item in the order the invoice lists them is the anchor (the product in
// view) and the item after it is the truth. Hit rate @10: how often that next item is
// among the 10 the list shows. Every list is served by recommend() as the API serves it
// (fallbacks and padding included), with nothing excluded but the anchor: a product
// page does not know what else is in the basket.
//
//   bun scripts/eval/anchored.ts [--half-life 90] [--max-basket 0]
//
// Lists compared: popularity (the most bought items of the training period), content_based
// (from the anchor's description), frequently_bought_together (the anchor's partners),
// collaborative anchored (the anchor's neighbours; anonymous, and blended with the
// customer's own history: their training purchases and the basket so far, as carts), and
// the cart page (collaborative with context=cart_page, the cart = the basket so far).
import { BUILD_DEFAULTS, buildModel } from '../../server/engine/build.ts'
import { recommend } from '../../server/engine/recommend.ts'
import type { RecommendRequest, TenantModel, UserState } from '../../server/engine/types.ts'
import { arg } from '../lib/args.ts'
import { loadOnlineRetail, type RetailLine } from '../lib/online-retail.ts'
import { retailInteraction, retailItems } from './online-retail.ts'
import { groupBy } from './top-n.ts'

const K = 10
const SPLIT = Date.UTC(2011, 10, 1)
const anonymous: UserState = { recent: [], purchased: [], eventCount: 0 }

/** One next-item case: the items of the basket so far (the last one is the anchor), the item after them, and all the items after them. */
interface Case { customer: string; basket: string[]; next: string; rest: string[]; ts: number }

/** Every consecutive pair of distinct items in every test invoice, in the invoice's own order. */
export function nextItemCases(test: readonly RetailLine[], maxBasket: number): Case[] {
  const out: Case[] = []
  for (const lines of groupBy(test, (l) => l.invoice).values()) {
    const items = [...new Set(lines.map((l) => l.stockCode))]
    if (maxBasket > 0 && items.length > maxBasket) continue
    for (let k = 1; k < items.length; k++) out.push({ customer: lines[0]!.customer, basket: items.slice(0, k), next: items[k]!, rest: items.slice(k), ts: lines[0]!.date.getTime() })
  }
  return out
}

/** What serving knows about the customer at the case: the basket so far (carts, newest first), then their training purchases. */
function stateAt(c: Case, history: readonly RetailLine[] | undefined): UserState {
  const recent: UserState['recent'] = c.basket.map((productId) => ({ productId, eventType: 'add_to_cart' as const, ts: c.ts })).reverse()
  for (const l of history ?? []) { if (recent.length >= 100) break; recent.push({ productId: l.stockCode, eventType: 'purchase', ts: l.date.getTime() }) }
  return { recent, purchased: [], eventCount: c.basket.length + (history?.length ?? 0) }
}

const ids = (model: TenantModel, user: UserState, req: RecommendRequest) => recommend(model, user, req).items.map((x) => x.productId)

if (import.meta.main) {
  const halfLifeDays = arg('--half-life', 90)
  const maxBasket = arg('--max-basket', 0)
  const lines = loadOnlineRetail()
  const train = lines.filter((l) => l.date.getTime() < SPLIT)
  const test = lines.filter((l) => l.date.getTime() >= SPLIT)
  const model = buildModel({ items: retailItems(lines), interactions: train.map(retailInteraction), now: SPLIT, weights: {}, halfLifeDays }, undefined, BUILD_DEFAULTS)
  const histories = groupBy(train, (l) => l.customer)
  for (const h of histories.values()) h.sort((a, b) => b.date.getTime() - a.date.getTime())
  const cases = nextItemCases(test, maxBasket)
  const known = cases.filter((c) => histories.has(c.customer)).length
  console.log(`train ${train.length.toLocaleString('en')} lines before 2011-11-01; ${cases.length.toLocaleString('en')} next-item cases in ${new Set(test.map((l) => l.invoice)).size.toLocaleString('en')} test invoices${maxBasket ? ` of ≤ ${maxBasket} items` : ''}, ${known.toLocaleString('en')} of customers with a training history`)
  console.log(`model: ${model.stats.items} items, ${model.stats.users} users (half-life ${halfLifeDays} d, build defaults)\n`)

  const counts = new Map<string, number>()
  for (const l of train) counts.set(l.stockCode, (counts.get(l.stockCode) ?? 0) + 1)
  const popular = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p).slice(0, K + 1)
  const base = { limit: K, excludePurchased: false } as const
  const anchor = (c: Case) => c.basket[c.basket.length - 1]!
  const runs: [string, (c: Case) => string[]][] = [
    ['popularity (most bought, anchor left out)', (c) => popular.filter((p) => p !== anchor(c)).slice(0, K)],
    ['content_based (anchor)', (c) => ids(model, anonymous, { ...base, strategy: 'content_based', productId: anchor(c) })],
    ['frequently_bought_together (anchor)', (c) => ids(model, anonymous, { ...base, strategy: 'frequently_bought_together', productId: anchor(c) })],
    ['collaborative anchored (no history)', (c) => ids(model, anonymous, { ...base, strategy: 'collaborative', productId: anchor(c) })],
    ['collaborative anchored + own history', (c) => ids(model, stateAt(c, histories.get(c.customer)), { ...base, strategy: 'collaborative', productId: anchor(c) })],
    ['cart page (cart = the anchor alone)', (c) => ids(model, anonymous, { ...base, strategy: 'collaborative', context: 'cart_page', cartProductIds: [anchor(c)] })],
    ['cart page (cart = basket so far)', (c) => ids(model, anonymous, { ...base, strategy: 'collaborative', context: 'cart_page', cartProductIds: c.basket })],
  ]
  console.log(`| list | HR@${K} (all cases) | HR@${K} (customers with a history) | ms per list |`)
  console.log('|---|---|---|---|')
  for (const [name, run] of runs) {
    let hits = 0, knownHits = 0
    const t0 = performance.now()
    for (const c of cases) {
      if (!run(c).includes(c.next)) continue
      hits++
      if (histories.has(c.customer)) knownHits++
    }
    const ms = (performance.now() - t0) / cases.length
    console.log(`| ${name} | ${(hits / cases.length).toFixed(4)} | ${(knownHits / known).toFixed(4)} | ${ms.toFixed(3)} |`)
  }
  // What a cart page is for: any item still to come in the basket, not only the next one.
  const cartPage = runs.at(-1)![1]
  let later = 0
  for (const c of cases) { const shown = new Set(cartPage(c)); if (c.rest.some((p) => shown.has(p))) later++ }
  console.log(`\ncart page (cart = basket so far): some later item of the basket among the ${K}: ${(later / cases.length).toFixed(4)}`)
}
