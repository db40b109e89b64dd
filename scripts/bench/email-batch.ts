// Users per second through POST /api/v1/recommendations/batch (in-process, no network):
// a tenant of 2,000 products and 5,000 shoppers, built, then batches of 1,000 shoppers.
//   bun scripts/bench/email-batch.ts [pglite|postgres] [json|html]
import { backend, type BackendName } from '../../server/test/backends.ts'
import { testApp } from '../../server/test/harness.ts'

const name = (process.argv[2] ?? 'pglite') as BackendName
const format = process.argv[3] ?? 'json'
await backend(name)
const t = await testApp(name)
const k = await t.tenantWithKeys({ defaultStrategy: 'collaborative' })
const PRODUCTS = 2000, USERS = 5000
for (let i = 0; i < PRODUCTS; i += 500) {
  const items = Array.from({ length: 500 }, (_, j) => ({ productId: `p${i + j}`, name: `Product ${i + j}`, category: `c${(i + j) % 20}`, price: 10 + ((i + j) % 90), url: `https://shop.example/p${i + j}`, imageUrl: `https://cdn.shop.example/p${i + j}.jpg` }))
  await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })
}
let seed = 7
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
const events: object[] = []
for (let u = 0; u < USERS; u++) for (let e = 0; e < 8; e++) events.push({ eventType: e === 7 ? 'purchase' : 'product_viewed', userId: `u${u}`, productId: `p${Math.floor(rand() ** 2 * PRODUCTS)}` })
for (let i = 0; i < events.length; i += 100) await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: events.slice(i, i + 100) } })
await t.app.services.models.build(k.tenantId)

const run = async (from: number) => {
  const userIds = Array.from({ length: 1000 }, (_, i) => `u${(from + i) % USERS}`)
  const t0 = performance.now()
  const r = await t.req('POST', '/api/v1/recommendations/batch', { key: k.writeKey, body: { userIds, context: 'newsletter', limit: 4, format } })
  const ms = performance.now() - t0
  const lines = r.text.trimEnd().split('\n').length
  if (r.status !== 200 || lines !== 1000) throw new Error(`batch failed: ${r.status} ${lines} lines`)
  return ms
}
await run(0) // warm-up
const times: number[] = []
for (let b = 1; b <= 4; b++) times.push(await run(b * 1000))
const best = Math.min(...times), median = times.sort((a, b) => a - b)[2]
console.log(`${name} ${format}: 1,000 users per batch, median ${median.toFixed(0)} ms (${Math.round(1000 / (median / 1000))} users/s), best ${best.toFixed(0)} ms (${Math.round(1000 / (best / 1000))} users/s)`)
process.exit(0)
