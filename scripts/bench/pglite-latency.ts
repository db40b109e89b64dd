// What a statement costs on PGlite as the API's thread sees it (in process, no network): `select 1` on the raw
// executor, then requests that read the database — one item (drizzle), a page of events (raw SQL), each one at a
// time, and the same page from 8 callers at once. Since PGlite runs in a worker thread (db/pglite-worker.ts), each
// statement is a message there and back: this prices that.
//   bun scripts/bench/pglite-latency.ts [--n 2000]
import { loadavg } from 'node:os'
import { arg } from '../lib/args.ts'
import { backend } from '../../server/test/backends.ts'
import { testApp } from '../../server/test/harness.ts'

const N = arg('--n', 2000)
const { database } = await backend('pglite')
const t = await testApp('pglite')
const k = await t.tenantWithKeys({ rateLimits: { read: 10_000_000, write: 10_000_000 } }) // the path, not the limiter
const items = Array.from({ length: 200 }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, category: `c${i % 10}`, price: 10 + i }))
await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })
const events = Array.from({ length: 500 }, (_, i) => ({ eventType: 'product_viewed', userId: `u${i % 50}`, productId: `p${i % 200}` }))
for (let i = 0; i < events.length; i += 100) await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: events.slice(i, i + 100) } })

const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]
const report = (label: string, ms: number[], wall: number) => {
  const s = [...ms].sort((a, b) => a - b)
  console.log(`${label.padEnd(34)} n ${s.length}: p50 ${q(s, 0.5).toFixed(3)} / p95 ${q(s, 0.95).toFixed(3)} / max ${s.at(-1)!.toFixed(1)} ms; ${(s.length / (wall / 1000)).toFixed(0)} a second`)
}
async function timed(label: string, n: number, one: () => Promise<unknown>, callers = 1) {
  for (let i = 0; i < 50; i++) await one() // warm
  const ms: number[] = []
  const began = performance.now()
  await Promise.all(Array.from({ length: callers }, async () => {
    for (let i = 0; i < n / callers; i++) { const t0 = performance.now(); await one(); ms.push(performance.now() - t0) }
  }))
  report(label, ms, performance.now() - began)
}
const ok = async (path: string, key: string) => {
  const r = await t.req('GET', path, { key })
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`)
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
await timed('raw select 1', N, () => database.raw.query('select 1'))
await timed('GET /catalog/p7 (drizzle)', N, () => ok('/api/v1/catalog/p7', k.readKey))
await timed('GET /events?limit=20', N, () => ok('/api/v1/events?limit=20', k.writeKey))
await timed('GET /events?limit=20, 8 callers', N, () => ok('/api/v1/events?limit=20', k.writeKey), 8)
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`)
process.exit(0)
