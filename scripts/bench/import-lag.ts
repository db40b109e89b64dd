// An import on PGlite in process, with an event-loop lag monitor: the longest gaps between timer ticks (what a
// /health request would wait) and the statements that took longest, with their SQL's start.
// Finds what holds the API's thread during a PGlite import (scripts/bench/import.ts measures /health over HTTP);
// PGlite itself runs in a worker thread (db/pglite-worker.ts), so its statements are no longer among the causes.
//
//   bun scripts/bench/import-lag.ts [pglite|postgres] [--rows 20000]   (postgres: the statements' total times say where a chunk's time goes)
import { arg } from '../lib/args.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { backend, teardownBackends } from '../../server/test/backends.ts'
import { testApp } from '../../server/test/harness.ts'
import type { RawSql } from '../../db/client.ts'
import { loadavg } from 'node:os'

const ROWS = arg('--rows', 20_000)
const MAPPING = { InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price', Quantity: 'metadata.quantity', InvoiceNo: 'metadata.orderId' }
const retail = loadOnlineRetail()
const shift = Date.now() - 3600_000 - Math.max(...retail.map((r) => r.date.getTime()))
const base = retail.map((r) => ({ ...r, ts: new Date(r.date.getTime() + shift) })).filter((r) => r.ts.getTime() >= Date.now() - 85 * 86400_000)
const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
let csv = 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n'
for (let i = 0; i < ROWS; i++) {
  const r = base[i % base.length]
  const pass = Math.floor(i / base.length)
  csv += [r.invoice, cell(r.stockCode), r.quantity, r.ts.toISOString(), r.price, pass ? `${r.customer}.${pass + 1}` : r.customer].join(',') + '\n'
}

// Every statement timed (the PGlite handle's raw executor, wrapped before the app is built on it).
const slow: { ms: number; sql: string; end?: number }[] = []
const timed = (raw: RawSql): RawSql => ({
  ...raw,
  ...(raw.copyFrom ? { async copyFrom(table: string, columns: string[], pieces: (string | Uint8Array)[]) {
    const t0 = performance.now()
    try { return await raw.copyFrom!(table, columns, pieces) } finally { slow.push({ ms: performance.now() - t0, sql: `COPY ${table}` }) }
  } } : {}),
  async query(text, params) {
    const t0 = performance.now()
    try { return await raw.query(text, params) } finally { slow.push({ ms: performance.now() - t0, sql: text.replace(/\s+/g, ' ').slice(0, 90), end: performance.now() }) }
  },
  transaction: (fn) => raw.transaction((tx) => fn(timed(tx))),
})
const ENGINE = (process.argv.includes('postgres') ? 'postgres' : 'pglite') as 'pglite' | 'postgres'
const { database } = await backend(ENGINE)
database.raw = timed(database.raw)
database.background = { ...database.background, raw: timed(database.background.raw) }
const t = await testApp(ENGINE)
const k = await t.tenantWithKeys()

const gaps: { ms: number; at: number }[] = []
let last = performance.now()
const tick = setInterval(() => { const now = performance.now(); gaps.push({ ms: now - last, at: now }); last = now }, 5)
const began = performance.now()
const load0 = loadavg()[0]
const res = await t.app.handle(new Request(`http://localhost/api/v1/imports?type=events&eventType=purchase&mapping=${encodeURIComponent(JSON.stringify(MAPPING))}`, {
  method: 'POST', headers: { 'x-api-key': k.writeKey, 'content-type': 'text/csv' }, body: csv,
}))
const id = (await res.json() as any).data.id
slow.length = 0
let job: any
for (;;) {
  job = (await t.req('GET', `/api/v1/imports/${id}`, { key: k.writeKey })).body.data
  if (['completed', 'failed', 'cancelled'].includes(job.status)) break
  await new Promise((r) => setTimeout(r, 50))
}
clearInterval(tick)
const took = (performance.now() - began) / 1000
const sorted = gaps.map((g) => g.ms).sort((a, b) => a - b)
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(0)
console.log(`${ENGINE} in process, ${ROWS} rows: ${job.status}, accepted ${job.accepted}, duplicates ${job.duplicates}, ${took.toFixed(1)} s = ${(ROWS / took).toFixed(0)} rows/s; load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`)
console.log(`event-loop gaps (5 ms timer): p50 ${q(0.5)} / p95 ${q(0.95)} / p99 ${q(0.99)} / max ${sorted.at(-1)!.toFixed(0)} ms; over 200 ms: ${sorted.filter((g) => g > 200).length}, over 100 ms: ${sorted.filter((g) => g > 100).length}`)
const bySql = new Map<string, { n: number; total: number; max: number }>()
for (const s of slow) { const e = bySql.get(s.sql) ?? { n: 0, total: 0, max: 0 }; e.n++; e.total += s.ms; e.max = Math.max(e.max, s.ms); bySql.set(s.sql, e) }
console.log('statements by max time (ms):')
for (const [sql, e] of [...bySql].sort((a, b) => (ENGINE === 'pglite' ? b[1].max - a[1].max : b[1].total - a[1].total)).slice(0, 10)) console.log(`  max ${e.max.toFixed(0)} total ${e.total.toFixed(0)} n ${e.n}  ${sql}`)
if (process.argv.includes('--gaps')) {
  for (const g of [...gaps].sort((a, b) => b.ms - a.ms).slice(0, 5)) {
    const near = slow.filter((x) => x.end! > g.at - g.ms - 1 && x.end! - x.ms < g.at + 1).map((x) => `${x.ms.toFixed(0)} ms ${x.sql.slice(0, 40)}`)
    console.log(`gap ${g.ms.toFixed(0)} ms at ${((g.at - began) / 1000).toFixed(2)} s; statements in it: ${near.join(' | ') || '(none)'}`)
  }
}
// The throw-away database (PostgreSQL) goes, and the run's Redis keys.
await teardownBackends()
process.exit(0)
