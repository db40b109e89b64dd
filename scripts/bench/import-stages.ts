// The import's per-row stages in process, without a server or a database: CPU µs per row to read the CSV
// records, to build each row, to refuse what the body parser would, and to validate it as an event; then the
// COPY text of the rows (events + import_stored), as the direct path builds it. Profiles the hot path of
// scripts/bench/import.ts (whose server CPU a row includes these, the database driver and the listeners).
//
//   bun scripts/bench/import-stages.ts [--rows 200000]
import { arg } from '../lib/args.ts'
import { loadOnlineRetail } from '../lib/online-retail.ts'
import { csvRecords } from '../../server/modules/imports/records.ts'
import { columnTargets, fromCsv } from '../../server/modules/imports/rows.ts'
import { unacceptableValue } from '../../server/http/body.ts'
import { createEventService } from '../../server/modules/events/service.ts'
import { CopyPieces } from '../../db/queries/events.ts'
import type { Submitted } from '../../server/modules/events/ingest/group-commit.ts'

const ROWS = arg('--rows', 200_000)
const MAPPING = { InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price', Quantity: 'metadata.quantity', InvoiceNo: 'metadata.orderId' }
const retail = loadOnlineRetail()
const shift = Date.now() - 3600_000 - Math.max(...retail.map((r) => r.date.getTime()))
const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
let csv = 'InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID\n'
for (let i = 0; i < ROWS; i++) {
  const r = retail[i % retail.length]
  csv += [r.invoice, cell(r.stockCode), r.quantity, new Date(Math.max(r.date.getTime() + shift, Date.now() - 80 * 86400_000)).toISOString(), r.price, r.customer].join(',') + '\n'
}
const tenant = { id: '00000000-0000-4000-8000-000000000001', attributionWindowHours: 24 }
const events = createEventService({ clock: () => new Date() } as never)
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000 }
const spent = { read: 0, build: 0, body: 0, validate: 0, copy: 0 }

const records: { fields: string[] }[] = []
let t = cpu()
for await (const rec of csvRecords((async function* () { for (let i = 0; i < csv.length; i += 1 << 20) yield csv.slice(i, i + (1 << 20)) })())) records.push(rec as { fields: string[] })
spent.read = cpu() - t
const header = records.shift()!.fields
const targets = columnTargets('events', header, MAPPING)
t = cpu()
const built = records.map((r) => fromCsv('events', header, targets, r.fields, { eventType: 'purchase' }).value)
spent.build = cpu() - t
t = cpu()
for (const b of built) if (unacceptableValue(b)) throw new Error('refused')
spent.body = cpu() - t
t = cpu()
const rows: Submitted[] = []
for (const b of built) { const c = events.validate(tenant, b, 365); if ('row' in c) rows.push(c.row) }
spent.validate = cpu() - t
t = cpu()
const a = new CopyPieces()
const s = new CopyPieces()
for (const r of rows) {
  const m = r.metadataJson ?? null
  const ts = r.ts.toISOString()
  a.add(`${r.tenantId}\t${r.eventType}\t${r.userId}\t${r.productId}\t${ts}\t\\N\t${m}\t\\N\t\\N\t\\N\n`)
  s.add(`job\t${r.tenantId}\t${r.userId}\t${r.eventType}\t${r.productId}\t${ts}\t${m}\n`)
}
a.done(); s.done()
spent.copy = cpu() - t
const n = records.length
console.log(`${n} rows (${rows.length} valid): CPU µs a row — ${Object.entries(spent).map(([k, v]) => `${k} ${(v * 1000 / n).toFixed(1)}`).join(', ')}; total ${(Object.values(spent).reduce((x, y) => x + y, 0) * 1000 / n).toFixed(1)}`)
