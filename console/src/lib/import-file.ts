// The import page's reading of a chosen file, in the browser, from a slice of
// it only: its format (name, then type), its columns (a CSV's header, the keys
// of the first NDJSON or JSON-array object) and the field each column fills
// by default — the server's own recognition (server/modules/imports/rows.ts).
import { CATALOG_FIELDS, EVENT_FIELDS, targetOf, type ImportType } from '../../../server/modules/imports/rows.ts'

export type ImportFormat = 'csv' | 'ndjson' | 'json'
export type { ImportType }
/** The largest upload the console takes: Bun.serve's default request body limit, which the console server keeps
 *  (its form actions are read whole); larger files go through the CLI (`npm run import`), straight to the API. */
export const MAX_CONSOLE_UPLOAD = 128 * 1024 * 1024
/** How much of the file is read to find its columns. */
export const HEAD_BYTES = 64 * 1024

/** The format a file's name (then its MIME type) says, or undefined. */
export function formatOfFile(name: string, mime = ''): ImportFormat | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase()
  if (ext === 'csv') return 'csv'
  if (ext === 'ndjson' || ext === 'jsonl') return 'ndjson'
  if (ext === 'json') return 'json'
  if (/csv/i.test(mime)) return 'csv'
  if (/ndjson|jsonl/i.test(mime)) return 'ndjson'
  if (/json/i.test(mime)) return 'json'
  return undefined
}

/** The first record of CSV text (RFC 4180 quoting), or null when it does not end within `text`. */
function firstCsvRecord(text: string): string[] | null {
  const out: string[] = []
  let cell = '', quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { out.push(cell); cell = '' }
    else if (c === '\n' || c === '\r') { out.push(cell); return out }
    else cell += c
  }
  return null
}

/** The first JSON object of `text` starting at `from` (balanced braces, strings respected), parsed, or null. */
function firstObject(text: string, from: number): Record<string, unknown> | null {
  const start = text.indexOf('{', from)
  if (start < 0) return null
  let depth = 0, inString = false
  for (let i = start; i < text.length; i++) {
    const c = text[i]
    if (inString) { if (c === '\\') i++; else if (c === '"') inString = false; continue }
    if (c === '"') inString = true
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) {
      try { const v = JSON.parse(text.slice(start, i + 1)); return v && typeof v === 'object' && !Array.isArray(v) ? v : null } catch { return null }
    }
  }
  return null
}

/** The columns of a file's head, or an error message saying why there are none. */
export function columnsOf(format: ImportFormat, head: string): { columns: string[] } | { error: string } {
  const text = head.replace(/^\ufeff/, '')
  if (format === 'csv') {
    const rec = firstCsvRecord(text.endsWith('\n') || text.length < HEAD_BYTES ? `${text}\n` : text)
    const cols = rec?.map((c) => c.trim()) ?? []
    return cols.some((c) => c) ? { columns: cols } : { error: 'The file has no header row: the first line of a CSV import names its columns.' }
  }
  if (format === 'json' && !/^\s*\[/.test(text)) return { error: 'A JSON import must be one array of objects: the file does not start with "[".' }
  const obj = firstObject(text, 0)
  return obj ? { columns: Object.keys(obj) } : { error: `No ${format === 'json' ? 'object in the array' : 'JSON object on the first line'} within the first ${HEAD_BYTES / 1024} KB.` }
}

/** The fields a column may fill, for the mapping editor (plus metadata.<column> / attributes.<column>). */
export const fieldsFor = (type: ImportType): readonly string[] => (type === 'events' ? EVENT_FIELDS : CATALOG_FIELDS)
export const nestedFor = (type: ImportType) => (type === 'events' ? 'metadata' : 'attributes')

/** The field each column fills when the mapping does not say (our names in any case or spacing), or ''. */
export const guessMapping = (type: ImportType, columns: string[]): string[] => columns.map((c) => targetOf(type, c, {}) ?? '')

/** The mapping to send: every column given a field that recognition alone would not give it. */
export function mappingOf(type: ImportType, columns: string[], chosen: string[]): Record<string, string> {
  const m: Record<string, string> = {}
  columns.forEach((c, i) => { if (chosen[i] && chosen[i] !== (targetOf(type, c, {}) ?? '')) m[c] = chosen[i] })
  return m
}

/** Bytes as B, KB, MB or GB (powers of 1,000). */
export function formatBytes(b: number): string {
  if (b < 1000) return `${b} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = b / 1000, i = 0
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++ }
  return `${v.toFixed(1)} ${units[i]}`
}
