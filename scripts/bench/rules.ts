// What merchandising rules cost a computed answer (issue 21), in-process, without HTTP or the answer
// cache: the engine's recommend() on the retail store (online_retail.csv.gz, purchases before
// 2011-11-01), the same requests without rules and with N (scripts/lib/bench-rules.ts), in alternating
// blocks so a passing disturbance on a shared machine lands on both. Requests rotate over the four
// strategies, shoppers and products, as recommend.ts's mixed loop does.
//
//   bun scripts/bench/rules.ts [--rules 20] [--requests 4000] [--blocks 10]
import { arg } from '../lib/args.ts'
import { benchRules } from '../lib/bench-rules.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { userStateOf } from '../eval/synthetic.ts'
import { ensureKernels } from '../build-kernels.ts'
import { loadKernels } from '../../server/kernels/load.ts'
import { buildModel } from '../../server/engine/build.ts'
import { recommend } from '../../server/engine/recommend.ts'
import { pageOf } from '../../server/engine/page-context.ts'
import { checkRule } from '../../server/modules/rules/service.ts'
import { ruleBook, rulesFor } from '../../server/engine/rules/select.ts'
import { compactForServing } from '../../server/engine/strategies/model-index.ts'
import type { Interaction, Item, RecommendRequest, UserState } from '../../server/engine/types.ts'
import { STRATEGIES } from '../../server/vocabulary.ts'
import type { RuleInput } from '../../server/modules/rules/service.ts'

const N = arg('--rules', 20), REQUESTS = arg('--requests', 4000), BLOCKS = arg('--blocks', 10)

await ensureKernels()
const kernels = await loadKernels()
const retail = loadOnlineRetail().filter((r) => r.date < new Date('2011-11-01T00:00:00Z'))
const now = Math.max(...retail.map((r) => r.date.getTime())) + 3600_000
const recent = retail.filter((r) => r.date.getTime() >= now - 90 * 86400_000)
const items = new Map<string, Item>()
for (const r of retail) if (!items.has(r.stockCode)) {
  const name = r.description || r.stockCode
  items.set(r.stockCode, { productId: r.stockCode, name, description: name, category: name.trim().split(/\s+/).at(-1)!.toUpperCase(), price: r.price, imageUrl: null, url: null, attributes: {}, available: true })
}
const interactions: Interaction[] = recent.map((r) => ({ userId: r.customer, productId: r.stockCode, eventType: 'purchase', ts: r.date.getTime(), orderId: r.invoice }))
const model = buildModel({ items: [...items.values()], interactions, now, weights: {}, halfLifeDays: 30 }, kernels)
compactForServing(model)
const users = [...new Set(interactions.map((x) => x.userId))]
const byUser = new Map<string, Interaction[]>()
for (const x of interactions) { let l = byUser.get(x.userId); if (!l) byUser.set(x.userId, (l = [])); l.push(x) }
const states = new Map<string, UserState>(users.map((u) => [u, userStateOf(byUser.get(u)!, u)]))
const products = [...items.keys()]
const book = ruleBook('bench', benchRules([...items.values()], N).map((body, k) => ({ id: `r${k}`, ...checkRule(body as RuleInput) })))
console.log(`${items.size} products, ${interactions.length} purchases, ${users.length} shoppers; ${book.rules.length} rules: ${book.rules.map((r) => r.action).join(', ')}`)

// The mixed loop's requests: strategies in turn, content_based and frequently_bought_together on a product page.
const requests = Array.from({ length: REQUESTS }, (_, i) => {
  const strategy = STRATEGIES[i % 4]!
  const productId = strategy === 'frequently_bought_together' || strategy === 'content_based' ? products[(i * 31) % products.length] : undefined
  const req: RecommendRequest = { strategy, limit: 8, productId, excludePurchased: true }
  const rules = rulesFor(book, now, { strategy, context: pageOf(req) })
  return { user: states.get(users[(i * 7919) % users.length]!)!, req, ruled: { ...req, rules } }
})

const time = (withRules: boolean) => {
  const each: number[] = []
  for (const r of requests) {
    const t0 = performance.now()
    recommend(model, r.user, withRules ? r.ruled : r.req, kernels)
    each.push(performance.now() - t0)
  }
  return each
}
time(false); time(true) // warm-up: memo tables, JIT
const off: number[] = [], on: number[] = []
const means = { off: [] as number[], on: [] as number[] }
for (let b = 0; b < BLOCKS; b++) {
  const a = time(false), c = time(true)
  off.push(...a); on.push(...c)
  means.off.push(a.reduce((s, x) => s + x, 0) / a.length); means.on.push(c.reduce((s, x) => s + x, 0) / c.length)
}
const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const median = (xs: number[]) => pct(xs, 50)
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`
console.log(`per computed answer, ${BLOCKS} blocks of ${REQUESTS}: mean ${us(median(means.off))} → ${us(median(means.on))} (median of block means, +${(((median(means.on) - median(means.off)) / median(means.off)) * 100).toFixed(0)} %); p50 ${us(pct(off, 50))} → ${us(pct(on, 50))}; p95 ${us(pct(off, 95))} → ${us(pct(on, 95))}; p99 ${us(pct(off, 99))} → ${us(pct(on, 99))}`)
// Per strategy (the last block), where the cost lands.
for (const s of STRATEGIES) {
  const pick = (xs: number[]) => xs.slice(-REQUESTS).filter((_, i) => requests[i]!.req.strategy === s)
  const [a, c] = [pick(off), pick(on)]
  console.log(`  ${s}: mean ${us(a.reduce((x, y) => x + y, 0) / a.length)} → ${us(c.reduce((x, y) => x + y, 0) / c.length)}, p99 ${us(pct(a, 99))} → ${us(pct(c, 99))}`)
}
