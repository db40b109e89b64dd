// What the import CLI prints: its flags, read into options, and a job's
// progress as one line (a bar on a terminal, plain text in a log). Pure, so
// the wording is tested without a server.
import { parseArgs } from 'node:util'

export const FORMATS = ['csv', 'ndjson', 'json'] as const
export type Format = (typeof FORMATS)[number]
export const CONTENT_TYPE: Record<Format, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json' }

export interface ImportOptions {
  api: string
  key: string
  type: 'events' | 'catalog'
  file: string
  format: Format
  mapping?: string
  eventType?: string
  replace: boolean
  pollMs: number
}

/** The fields of GET /imports/:id this prints. */
export interface JobView {
  status: string
  rowsRead: number
  accepted: number
  duplicates: number
  rejected: number
  bytesRead: number
  bytesTotal?: number
  error?: string
}

export const USAGE = `Usage: npm run import -- --api http://localhost:3000 --key rk_… --type events|catalog --file orders.csv
  [--format csv|ndjson|json]   (default: from the file's extension: .csv, .ndjson/.jsonl, .json)
  [--mapping '{"InvoiceDate":"timestamp","CustomerID":"userId","StockCode":"productId"}']
  [--event-type purchase]      (events: the type of rows that name none)
  [--replace]                  (catalog: mark items absent from the file unavailable)
  [--poll-ms 1000]`

/** The format a file name's extension says, or undefined. */
export function formatOfName(name: string): Format | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase()
  return ext === 'csv' ? 'csv' : ext === 'ndjson' || ext === 'jsonl' ? 'ndjson' : ext === 'json' ? 'json' : undefined
}

/** The options of a command line, or an Error whose message says what is wrong. */
export function parseOptions(argv: string[]): ImportOptions | Error {
  let v
  try {
    v = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        api: { type: 'string' }, key: { type: 'string' }, type: { type: 'string' }, file: { type: 'string' }, format: { type: 'string' },
        mapping: { type: 'string' }, 'event-type': { type: 'string' }, replace: { type: 'boolean' }, 'poll-ms': { type: 'string' },
      },
    }).values
  } catch (e) { return e as Error }
  for (const k of ['api', 'key', 'type', 'file'] as const) if (!v[k]) return new Error(`--${k} is required`)
  if (v.type !== 'events' && v.type !== 'catalog') return new Error('--type must be events or catalog')
  const format = v.format ?? formatOfName(v.file!)
  if (!format || !(FORMATS as readonly string[]).includes(format)) return new Error(`--format must be csv, ndjson or json${v.format ? '' : ' (the file\'s extension does not say)'}`)
  if (v.mapping !== undefined) {
    let m: unknown
    try { m = JSON.parse(v.mapping) } catch { return new Error('--mapping is not JSON') }
    if (!m || typeof m !== 'object' || Array.isArray(m)) return new Error('--mapping must be a JSON object: source column → our field')
  }
  const pollMs = v['poll-ms'] === undefined ? 1000 : Number(v['poll-ms'])
  if (!Number.isFinite(pollMs) || pollMs < 10) return new Error('--poll-ms must be a number ≥ 10')
  return {
    api: v.api!.replace(/\/+$/, ''), key: v.key!, type: v.type, file: v.file!, format: format as Format,
    ...(v.mapping !== undefined ? { mapping: v.mapping } : {}), ...(v['event-type'] ? { eventType: v['event-type'] } : {}),
    replace: v.replace ?? false, pollMs,
  }
}

/** The POST /imports URL for these options. */
export function createUrl(o: ImportOptions): string {
  const q = new URLSearchParams({ type: o.type, format: o.format })
  if (o.mapping !== undefined) q.set('mapping', o.mapping)
  if (o.eventType) q.set('eventType', o.eventType)
  if (o.replace) q.set('replace', 'true')
  return `${o.api}/api/v1/imports?${q}`
}

const n = (x: number) => x.toLocaleString('en')
/** Bytes as B, KB, MB or GB (powers of 1,000, one decimal above B). */
export function size(b: number): string {
  if (b < 1000) return `${b} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = b / 1000, i = 0
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++ }
  return `${v.toFixed(1)} ${units[i]}`
}

/** A bar of `width` cells for a fraction in [0, 1]. */
export function bar(fraction: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`
}

/** The upload's progress: bytes sent of the file's size. */
export function uploadLine(sent: number, total: number, tty: boolean): string {
  const pct = total > 0 ? Math.floor((sent / total) * 100) : 100
  return tty ? `uploading ${bar(total > 0 ? sent / total : 1, 30)} ${pct}% ${size(sent)} / ${size(total)}` : `uploading: ${size(sent)} of ${size(total)} (${pct}%)`
}

/** A job's progress: its status, rows read and bytes read of the file's size. */
export function jobLine(j: JobView, tty: boolean): string {
  const total = j.bytesTotal ?? 0
  const pct = total > 0 ? Math.floor((j.bytesRead / total) * 100) : 0
  const bytes = total > 0 ? `${size(j.bytesRead)} / ${size(total)}` : size(j.bytesRead)
  return tty
    ? `${j.status.padEnd(9)} ${bar(total > 0 ? j.bytesRead / total : 0, 30)} ${pct}% ${n(j.rowsRead)} rows · ${bytes}`
    : `${j.status}: ${n(j.rowsRead)} rows read, ${bytes} (${pct}%)`
}

/** The final counts, one line. */
export const countsLine = (j: JobView) =>
  `${j.status}: ${n(j.rowsRead)} rows read, ${n(j.accepted)} accepted, ${n(j.duplicates)} duplicates, ${n(j.rejected)} rejected`
