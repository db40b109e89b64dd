// Reads ../shared/data/online_retail.csv.gz (UCI Online Retail) with the
// cleaning most studies apply: rows with a customer, no cancellations,
// positive quantity and price. Used by benchmarks and the offline evaluation.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

export interface RetailLine { invoice: string; stockCode: string; description: string; quantity: number; date: Date; price: number; customer: string; country: string }

export const RETAIL_PATH = process.env.RETAIL_CSV ?? join(import.meta.dir, '../../../shared/data/online_retail.csv.gz')

/** Splits one CSV line, honouring double quotes ("" inside quotes is a quote). */
export function splitCsv(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++ } else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"') quoted = true
    else if (c === ',') { out.push(cur); cur = '' } else cur += c
  }
  out.push(cur)
  return out
}

export function loadOnlineRetail(path = RETAIL_PATH): RetailLine[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8')
  const lines = text.split('\n')
  const rows: RetailLine[] = []
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue
    const [invoice, stockCode, description, q, date, p, customer, country] = splitCsv(lines[i].replace(/\r$/, ''))
    const quantity = Number(q)
    const price = Number(p)
    if (!customer || invoice.startsWith('C') || !(quantity > 0) || !(price > 0)) continue
    rows.push({ invoice, stockCode, description: description.trim(), quantity, date: new Date(date.replace(' ', 'T') + 'Z'), price, customer: customer.replace(/\.0$/, ''), country })
  }
  return rows
}

if (import.meta.main) {
  const rows = loadOnlineRetail()
  console.log(`${rows.length} purchase lines, ${new Set(rows.map((r) => r.customer)).size} customers, ${new Set(rows.map((r) => r.stockCode)).size} products, ${new Set(rows.map((r) => r.invoice)).size} invoices`)
}
