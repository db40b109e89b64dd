// Bulk import benchmark (issue 20): the real server (bun server/main.ts) on
// PGlite or PostgreSQL; the Online Retail purchases (time-shifted so the latest
// is an hour ago, kept within --days) as the CSV an export gives, imported with
// a mapping through POST /imports, against the same events sent through
// /events/batch (100 per request) by 8 parallel clients, to another tenant, in
// the same run. Then the same file again (every row must come back a duplicate).
// While the import runs, /health is polled every 50 ms: its slowest answer is
// reported, and the server's peak RSS.
//
//   bun scripts/bench/import.ts [pglite|postgres] [--days 85] [--rows 0 (all)]
import { writeFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBenchServer, type Engine } from '../lib/bench-server.ts'
import { arg } from '../lib/args.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'

const engine = (process.argv[2] ?? 'pglite') as Engine
const DAYS = arg('--days', 85)
const MAX_ROWS = arg('--rows', 0)
const CLIENTS = 8

const retail = loadOnlineRetail()
const latest = Math.max(...retail.map((r) => r.date.getTime()))
const shift = Date.now() - 3600_000 - latest
let lines = retail.map((r) => ({ ...r, ts: new Date(r.date.getTime() + shift) })).filter((r) => r.ts.getTime() >= Date.now() - DAYS * 86400_000)
if (MAX_ROWS) lines = lines.slice(-MAX_ROWS)
const csvPath = join(tmpdir(), `bench-import-${process.pid}.csv`)
const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
writeFileSync(csvPath, 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n'
  + lines.map((r) => [r.invoice, cell(r.stockCode), r.quantity, r.ts.toISOString(), r.price, r.customer].join(',')).join('\n') + '\n')
const bytes = statSync(csvPath).size
const mapping = { InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price', Quantity: 'metadata.quantity', InvoiceNo: 'metadata.orderId' }
console.log(`${engine}: ${lines.length} purchase lines (${(bytes / 1e6).toFixed(1)} MB CSV), the last ${DAYS} days of Online Retail shifted to now`)

const server = await startBenchServer(engine, 'import')
try {
  const { base } = server
  // A second tenant for the /events/batch run: the same events, stored fresh.
  const json = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<any>
  const token = (await json('/api/v1/auth/signup', { email: `bench-b-${Date.now()}@example.com`, password: 'benchmark password', name: 'Bench B' })).data.accessToken
  const tenantB = (await json('/api/v1/tenants', { name: 'Bench B', config: { rateLimits: { read: 10_000_000, write: 10_000_000 } } }, { authorization: `Bearer ${token}` })).data
  const keyB = (await json(`/api/v1/tenants/${tenantB.id}/api-keys`, { name: 'bench', permissions: 'write' }, { authorization: `Bearer ${token}` })).data.key

  // /events/batch: 8 clients, 100 events a request.
  const events = lines.map((r) => ({ eventType: 'purchase', userId: r.customer, productId: r.stockCode, timestamp: r.ts.toISOString(), metadata: { price: r.price, quantity: r.quantity, orderId: r.invoice } }))
  let next = 0
  let batchAccepted = 0
  let batchDuplicates = 0
  let batchRejected = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (;;) {
      const from = next
      next += 100
      if (from >= events.length) return
      const r = await json('/api/v1/events/batch', { events: events.slice(from, from + 100) }, { 'x-api-key': keyB })
      batchAccepted += r.data.accepted; batchDuplicates += r.data.duplicates; batchRejected += r.data.rejected.length
    }
  }))
  const batchSeconds = (performance.now() - t0) / 1000

  // The import, watched: /health latency every 50 ms, RSS.
  const run = async (label: string) => {
    let peakRss = server.rssMb()
    let slowestHealth = 0
    let watching = true
    const watch = (async () => {
      while (watching) {
        const h0 = performance.now()
        await fetch(`${base}/health`)
        slowestHealth = Math.max(slowestHealth, performance.now() - h0)
        peakRss = Math.max(peakRss, server.rssMb())
        await Bun.sleep(50)
      }
    })()
    const s0 = performance.now()
    const res = await fetch(`${base}/api/v1/imports?type=events&eventType=purchase&mapping=${encodeURIComponent(JSON.stringify(mapping))}`, {
      method: 'POST', headers: { 'x-api-key': server.key, 'content-type': 'text/csv' }, body: Bun.file(csvPath),
    })
    const created = await res.json() as any
    if (res.status !== 202) throw new Error(`import: ${res.status} ${JSON.stringify(created)}`)
    const uploaded = (performance.now() - s0) / 1000
    let job: any
    for (;;) {
      job = (await (await fetch(`${base}/api/v1/imports/${created.data.id}`, { headers: { 'x-api-key': server.key } })).json() as any).data
      if (['completed', 'failed', 'cancelled'].includes(job.status)) break
      await Bun.sleep(100)
    }
    const seconds = (performance.now() - s0) / 1000
    watching = false
    await watch
    console.log(`${engine} ${label.padEnd(9)} ${job.status}: ${job.rowsRead} rows in ${seconds.toFixed(1)} s (upload ${uploaded.toFixed(1)} s) = ${Math.round(job.rowsRead / seconds)} rows/s; `
      + `accepted ${job.accepted}, duplicates ${job.duplicates}, rejected ${job.rejected}; server peak RSS ${Math.round(peakRss)} MB; slowest /health ${slowestHealth.toFixed(0)} ms`)
    return { job, seconds }
  }
  const first = await run('import')
  console.log(`${engine} batch     ${events.length} events via /events/batch x${CLIENTS} clients in ${batchSeconds.toFixed(1)} s = ${Math.round(events.length / batchSeconds)} events/s; accepted ${batchAccepted}, duplicates ${batchDuplicates}, rejected ${batchRejected}`)
  console.log(`${engine} import/batch speed-up: ${((first.job.rowsRead / first.seconds) / (events.length / batchSeconds)).toFixed(1)}x`)
  const again = await run('re-import')
  const stored = (await (await fetch(`${base}/api/v1/events?limit=1`, { headers: { 'x-api-key': server.key } })).json() as any).meta.pagination.total
  const ok = first.job.status === 'completed' && again.job.accepted === 0 && again.job.duplicates === first.job.accepted + first.job.duplicates && first.job.accepted === batchAccepted
  console.log(`${engine} checks: re-import stored nothing new ${again.job.accepted === 0}; import accepted == batch accepted ${first.job.accepted === batchAccepted}; events listed (capped at 10,001) ${stored}`)
  if (!ok) process.exitCode = 1
} finally {
  await server.stop()
  rmSync(csvPath, { force: true })
}
