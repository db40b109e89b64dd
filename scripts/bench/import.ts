// Bulk import benchmark (issue 20): the real server (bun server/main.ts) on
// PGlite or PostgreSQL; the Online Retail purchases (time-shifted so the latest
// is an hour ago, kept within --days) as the CSV an export gives, imported with
// a mapping through POST /imports, against the same events sent through
// /events/batch (100 per request) by 8 parallel clients, to another tenant, in
// the same run. Then the same file again (every row must come back a duplicate).
// While the import runs, /health is polled every 50 ms: its slowest answer is
// reported, and the server's peak RSS.
// --whole instead imports the whole Online Retail file as it is (every line, cancellations and lines
// without a customer included, which are refused and reported), shifted so its last day is today, into a
// tenant keeping 400 days of history, and waits for the collaborative model built on it.
//
//   bun scripts/bench/import.ts [pglite|postgres] [--days 85] [--rows 0 (all; more than the file has: its lines again under other customers)]
//   bun scripts/bench/import.ts [pglite|postgres] --gb 1   (a ~1 GB CSV, written and uploaded as a stream; the import alone)
//   bun scripts/bench/import.ts [pglite|postgres] --whole
import { readFileSync, writeFileSync, rmSync, statSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBenchServer, type Engine } from '../lib/bench-server.ts'
import { arg } from '../lib/args.ts'
import { loadOnlineRetail, RETAIL_PATH } from '../lib/online-retail.ts'

const engine = (process.argv[2] ?? 'pglite') as Engine
const DAYS = arg('--days', 85)
const MAX_ROWS = arg('--rows', 0)
const CLIENTS = 8
const MAPPING = { InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price', Quantity: 'metadata.quantity', InvoiceNo: 'metadata.orderId' }

/** A fresh admin, tenant (limits out of the way, plus `config`) and write key on the bench server. */
async function tenantWithKey(base: string, name: string, config: Record<string, unknown> = {}) {
  const json = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<any>
  const token = (await json('/api/v1/auth/signup', { email: `bench-${name.toLowerCase()}-${Date.now()}@example.com`, password: 'benchmark password', name })).data.accessToken
  const admin = { authorization: `Bearer ${token}` }
  const tenant = (await json('/api/v1/tenants', { name, config: { rateLimits: { read: 10_000_000, write: 10_000_000 }, ...config } }, admin)).data
  return { tenantId: tenant.id as string, key: (await json(`/api/v1/tenants/${tenant.id}/api-keys`, { name: 'bench', permissions: 'write' }, admin)).data.key as string }
}
const WHOLE = process.argv.includes('--whole')
if (WHOLE) { await whole(); process.exit(process.exitCode ?? 0) }

const retail = loadOnlineRetail()
const latest = Math.max(...retail.map((r) => r.date.getTime()))
const shift = Date.now() - 3600_000 - latest
let base = retail.map((r) => ({ ...r, ts: new Date(r.date.getTime() + shift) })).filter((r) => r.ts.getTime() >= Date.now() - DAYS * 86400_000)
const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const csvLine = (r: (typeof base)[number]) => [r.invoice, cell(r.stockCode), r.quantity, r.ts.toISOString(), r.price, r.customer].join(',') + '\n'
// --gb: as many rows as make that many gigabytes of CSV (the import alone: no /events/batch run, no re-import).
const GB = arg('--gb', 0)
const bytesPerRow = base.slice(0, 10_000).reduce((n, r) => n + csvLine(r).length, 0) / Math.min(10_000, base.length)
const ROWS = GB ? Math.ceil((GB * 1e9) / bytesPerRow) : MAX_ROWS > base.length ? MAX_ROWS : MAX_ROWS ? MAX_ROWS : base.length
if (!GB && MAX_ROWS && MAX_ROWS < base.length) base = base.slice(-MAX_ROWS)
/** Row i: beyond the file, its lines again, each pass under other customers (17850 → 17850.2), so every row is new. */
const lineAt = (i: number) => {
  const r = base[i % base.length]
  const pass = Math.floor(i / base.length)
  return pass ? { ...r, customer: `${r.customer}.${pass + 1}` } : r
}
const csvPath = join(tmpdir(), `bench-import-${process.pid}.csv`)
// Written as it is generated (a 1 GB file is never held in memory).
{
  const out = Bun.file(csvPath).writer({ highWaterMark: 1 << 20 })
  out.write('InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n')
  for (let i = 0; i < ROWS; i++) {
    out.write(csvLine(lineAt(i)))
    if ((i & 65535) === 65535) await out.flush()
  }
  await out.end()
}
const bytes = statSync(csvPath).size
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')
console.log(`${engine}: ${ROWS} purchase lines (${(bytes / 1e6).toFixed(1)} MB CSV), the last ${DAYS} days of Online Retail shifted to now; load average ${load()} (${cpus().length} cores)`)

const server = await startBenchServer(engine, 'import')
try {
  const { base } = server
  // A second tenant for the /events/batch run: the same events, stored fresh.
  const keyB = (await tenantWithKey(base, 'BenchB')).key
  const json = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<any>

  // /events/batch: 8 clients, 100 events a request (not with --gb).
  const events = GB ? [] : Array.from({ length: ROWS }, (_, i) => {
    const r = lineAt(i)
    return { eventType: 'purchase', userId: r.customer, productId: r.stockCode, timestamp: r.ts.toISOString(), metadata: { price: r.price, quantity: r.quantity, orderId: r.invoice } }
  })
  const batchLoad = load()
  const batchCpu0 = server.cpuMs()
  let next = 0
  let batchAccepted = 0
  let batchDuplicates = 0
  let batchRejected = 0
  let batchRetries = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (;;) {
      const from = next
      next += 100
      if (from >= events.length) return
      // A busy store answers 503 (or the limiter 429) with Retry-After: the batch is sent again, as a client does.
      for (;;) {
        const res = await fetch(base + '/api/v1/events/batch', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': keyB }, body: JSON.stringify({ events: events.slice(from, from + 100) }) })
        const r = await res.json() as any
        if (res.status === 503 || res.status === 429) { batchRetries++; await Bun.sleep(1000 * Number(res.headers.get('retry-after') ?? 1)); continue }
        if (!res.ok) throw new Error(`/events/batch: ${res.status} ${JSON.stringify(r)}`)
        batchAccepted += r.data.accepted; batchDuplicates += r.data.duplicates; batchRejected += r.data.rejected.length
        break
      }
    }
  }))
  const batchSeconds = (performance.now() - t0) / 1000
  const batchCpu = (server.cpuMs() - batchCpu0) / 1000
  const batchLoadAfter = load()

  // The import, watched: /health latency every 50 ms, RSS.
  const run = async (label: string) => {
    let peakRss = server.rssMb()
    const health: number[] = []
    let watching = true
    const watch = (async () => {
      while (watching) {
        const h0 = performance.now()
        await fetch(`${base}/health`)
        health.push(performance.now() - h0)
        peakRss = Math.max(peakRss, server.rssMb())
        await Bun.sleep(50)
      }
    })()
    const s0 = performance.now()
    const cpu0 = server.cpuMs()
    const load0 = load()
    const res = await fetch(`${base}/api/v1/imports?type=events&eventType=purchase&mapping=${encodeURIComponent(JSON.stringify(MAPPING))}`, {
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
    const cpu = (server.cpuMs() - cpu0) / 1000
    watching = false
    await watch
    health.sort((a, b) => a - b)
    const pct = (q: number) => health[Math.min(health.length - 1, Math.floor(q * health.length))].toFixed(0)
    console.log(`${engine} ${label.padEnd(9)} ${job.status}: ${job.rowsRead} rows in ${seconds.toFixed(1)} s (upload ${uploaded.toFixed(1)} s) = ${Math.round(job.rowsRead / seconds)} rows/s; `
      + `accepted ${job.accepted}, duplicates ${job.duplicates}, rejected ${job.rejected}; server peak RSS ${Math.round(peakRss)} MB; /health p50 ${pct(0.5)} p95 ${pct(0.95)} max ${pct(1)} ms (${health.length} polls); `
      + `server CPU ${cpu.toFixed(1)} s (${(cpu * 1e6 / job.rowsRead).toFixed(0)} µs a row); load average ${load0} → ${load()}`)
    return { job, seconds }
  }
  // The noise floor: /health with no import running (the machine is shared).
  const idle: number[] = []
  for (let i = 0; i < 60; i++) { const h0 = performance.now(); await fetch(`${base}/health`); idle.push(performance.now() - h0); await Bun.sleep(50) }
  idle.sort((a, b) => a - b)
  console.log(`${engine} idle      /health with no import (3 s): p50 ${idle[30].toFixed(0)} p95 ${idle[57].toFixed(0)} max ${idle[59].toFixed(0)} ms`)
  const first = await run('import')
  if (GB) {
    const ok = first.job.status === 'completed' && first.job.rowsRead === ROWS
    console.log(`${engine} --gb ${GB}: the import alone (no /events/batch run, no re-import); all rows read ${first.job.rowsRead === ROWS}`)
    if (!ok) process.exitCode = 1
    await server.stop()
    rmSync(csvPath, { force: true })
    process.exit(process.exitCode ?? 0)
  }
  console.log(`${engine} batch     ${events.length} events via /events/batch x${CLIENTS} clients in ${batchSeconds.toFixed(1)} s = ${Math.round(events.length / batchSeconds)} events/s; accepted ${batchAccepted}, duplicates ${batchDuplicates}, rejected ${batchRejected} (${batchRetries} requests retried after a 503/429); `
    + `server CPU ${batchCpu.toFixed(1)} s (${(batchCpu * 1e6 / events.length).toFixed(0)} µs an event); load average ${batchLoad} → ${batchLoadAfter}`)
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

/** The whole file, as it is (dates shifted), into a tenant keeping 400 days; then the model trained on it. */
async function whole() {
  const text = gunzipSync(readFileSync(RETAIL_PATH)).toString('utf8')
  const DATE = /"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"/
  const stamps = [...text.matchAll(/"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"/g)].map((m) => Date.parse(m[1].replace(' ', 'T') + 'Z'))
  const shiftBy = Date.now() - 3600_000 - Math.max(...stamps)
  const path = join(tmpdir(), `bench-import-whole-${process.pid}.csv`)
  writeFileSync(path, text.split('\n').map((l) => l.replace(DATE, (_, d: string) => `"${new Date(Date.parse(d.replace(' ', 'T') + 'Z') + shiftBy).toISOString()}"`)).join('\n'))
  const size = statSync(path).size
  const server = await startBenchServer(engine, 'import-whole')
  try {
    const { base } = server
    const { key } = await tenantWithKey(base, 'Retail', { historyDays: 400 })
    // The catalog first, from the same file (a product's last line names and prices it): models recommend catalog items.
    const c0 = performance.now()
    const cat = await fetch(`${base}/api/v1/imports?type=catalog&mapping=${encodeURIComponent(JSON.stringify({ StockCode: 'productId', Description: 'name', UnitPrice: 'price' }))}`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'text/csv' }, body: Bun.file(path),
    })
    const catId = ((await cat.json()) as any).data.id
    let catJob: any
    for (;;) {
      catJob = ((await (await fetch(`${base}/api/v1/imports/${catId}`, { headers: { 'x-api-key': key } })).json()) as any).data
      if (['completed', 'failed', 'cancelled'].includes(catJob.status)) break
      await Bun.sleep(200)
    }
    console.log(`${engine} catalog from the whole file: ${catJob.status} in ${((performance.now() - c0) / 1000).toFixed(1)} s, ${catJob.rowsRead} rows; accepted ${catJob.accepted} (upserts), duplicates ${catJob.duplicates}, rejected ${catJob.rejected}`)
    let peakRss = server.rssMb()
    const t0 = performance.now()
    const res = await fetch(`${base}/api/v1/imports?type=events&eventType=purchase&mapping=${encodeURIComponent(JSON.stringify(MAPPING))}`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'text/csv' }, body: Bun.file(path),
    })
    const id = ((await res.json()) as any).data.id
    let job: any
    for (;;) {
      job = ((await (await fetch(`${base}/api/v1/imports/${id}`, { headers: { 'x-api-key': key } })).json()) as any).data
      peakRss = Math.max(peakRss, server.rssMb())
      if (['completed', 'failed', 'cancelled'].includes(job.status)) break
      await Bun.sleep(200)
    }
    const seconds = (performance.now() - t0) / 1000
    console.log(`${engine} whole file (${(size / 1e6).toFixed(1)} MB): ${job.status} in ${seconds.toFixed(1)} s, ${job.rowsRead} rows = ${Math.round(job.rowsRead / seconds)} rows/s; `
      + `accepted ${job.accepted}, duplicates ${job.duplicates}, rejected ${job.rejected}; server peak RSS ${Math.round(peakRss)} MB`)
    const report = await (await fetch(`${base}/api/v1/imports/${id}/errors.csv`, { headers: { 'x-api-key': key } })).text()
    const why = new Map<string, number>()
    for (const line of report.split('\r\n').slice(1, -1)) { const m = line.split(',').slice(2).join(',').replace(/\d+/g, 'N'); why.set(m, (why.get(m) ?? 0) + 1) }
    console.log(`${engine} errors.csv (first 10,000 refused rows) by message:`, Object.fromEntries([...why].sort((a, b) => b[1] - a[1]).slice(0, 4)))
    // The import asked for a rebuild; the embedded worker builds it.
    const b0 = performance.now()
    let model: any
    for (;;) {
      model = ((await (await fetch(`${base}/api/v1/models`, { headers: { 'x-api-key': key } })).json()) as any).data
      if ((model.status === 'ready' && model.stats?.interactions > 0) || model.status === 'failed' || performance.now() - b0 > 600_000) break
      await Bun.sleep(500)
    }
    console.log(`${engine} model after the import: ${model.status} ${((performance.now() - b0) / 1000).toFixed(1)} s later; stats ${JSON.stringify(model.stats)}`)
    const recs = await (await fetch(`${base}/api/v1/recommendations?userId=17850&limit=5&strategy=collaborative`, { headers: { 'x-api-key': key } })).json() as any
    console.log(`${engine} collaborative recommendations for customer 17850: ${JSON.stringify(recs.data?.map((r: any) => r.productId))} (${recs.meta?.strategy ?? ''})`)
    if (job.status !== 'completed' || model.status !== 'ready') process.exitCode = 1
  } finally {
    await server.stop()
    rmSync(path, { force: true })
  }
}
