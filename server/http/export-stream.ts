// Bulk exports as streamed downloads (NDJSON or CSV): one page of rows is read
// from the database only when the client has taken the previous one, so an
// export of millions of rows holds one page in memory, never the whole set.
// The encoding is plain RFC 4180 (no spreadsheet formula guard, unlike the
// analytics CSV): an export must import back byte for byte.
import { TooManyRequests } from '../errors.ts'

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** One CSV field per RFC 4180: quoted when it holds a comma, quote or line break; null is an empty field. */
export function csvField(v: string | null): string {
  if (v === null) return ''
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

export const csvLine = (fields: readonly (string | null)[]) => fields.map(csvField).join(',') + '\r\n'

/** What an export reads and how each row is written in either format. */
export interface ExportSource<R> {
  /** Column names: the CSV header and the order of `cells`. */
  columns: readonly string[]
  /** Pages in order until an empty one; each a bounded read (a page size) from the database. */
  pages: AsyncIterator<R[]>
  /** The row as NDJSON writes it (fields that are null left out, so each line is a valid input). */
  json: (row: R) => Record<string, unknown>
  /** The row as CSV cells, in `columns` order (objects as JSON text). */
  cells: (row: R) => (string | null)[]
}

/**
 * How many exports each tenant may stream at once on this instance. An export is one request to the
 * rate limiter however long it reads, so this is what bounds what one tenant's downloads cost the
 * database; beyond it, 429 with Retry-After.
 */
export function exportSlots(perTenant: number) {
  const open = new Map<string, number>()
  return {
    /** Takes a slot for `tenantId`, or throws 429; the returned function gives it back (once). */
    take(tenantId: string): () => void {
      const n = open.get(tenantId) ?? 0
      if (n >= perTenant) throw new TooManyRequests(`At most ${perTenant} exports per tenant run at once; retry when one has finished`, 5)
      open.set(tenantId, n + 1)
      let given = false
      return () => {
        if (given) return
        given = true
        const left = (open.get(tenantId) ?? 1) - 1
        if (left) open.set(tenantId, left); else open.delete(tenantId)
      }
    },
  }
}
export type ExportSlots = ReturnType<typeof exportSlots>

const CONTENT_TYPES: Record<ExportFormat, string> = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' }

/**
 * A streamed download of `source` in `format`. Pulled, not pushed: the next page is read when the
 * client has consumed the last (highWaterMark 0), so a slow client holds one page, and a client that
 * goes away stops the reads (`onEnd` is called once the body is done, failed or cancelled). A read failing midway ends the body with an error (the download is
 * visibly cut short), after `onError` has been told.
 */
export function exportResponse<R>(format: ExportFormat, filename: string, source: ExportSource<R>, onError: (error: unknown) => void, onEnd: () => void = () => {}): Response {
  const enc = new TextEncoder()
  let headerSent = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = ''
      if (format === 'csv' && !headerSent) text += csvLine(source.columns)
      headerSent = true
      try {
        const next = await source.pages.next()
        const rows = next.done ? [] : next.value
        if (format === 'csv') for (const r of rows) text += csvLine(source.cells(r))
        else for (const r of rows) text += JSON.stringify(source.json(r)) + '\n'
        if (text) controller.enqueue(enc.encode(text))
        if (!rows.length) { controller.close(); onEnd() }
      } catch (error) {
        onEnd()
        onError(error)
        controller.error(error)
      }
    },
    async cancel() { onEnd(); await source.pages.return?.() },
  }, { highWaterMark: 0 })
  return new Response(body, {
    headers: {
      'content-type': CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="${filename}.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  })
}
