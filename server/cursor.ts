// Keyset-pagination cursors: the sort key of the last row served, as opaque
// base64url JSON. Opaque so clients do not build them; checked on the way in
// so a forged cursor is a 400 naming `cursor`, never a query error.
import { ValidationFailed } from './errors.ts'

export type CursorValue = string | number

export function encodeCursor(values: CursorValue[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

/**
 * Decodes a cursor made by encodeCursor for a sort key of the given shape
 * ('string' or 'number' per position), or throws a 400 naming `cursor`.
 */
export function decodeCursor(cursor: string, shape: readonly ('string' | 'number')[]): CursorValue[] {
  let values: unknown
  try { values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) } catch { values = undefined }
  const ok = Array.isArray(values) && values.length === shape.length &&
    values.every((v, i) => (shape[i] === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === 'string' && v.length <= 256))
  if (!ok) throw new ValidationFailed('The query string is invalid: cursor: is not a cursor this list gave out', [{ field: 'cursor', message: 'is not a cursor this list gave out' }])
  return values as CursorValue[]
}

/**
 * A cursor says where the page starts, so an `offset` beside it (even 0) is refused
 * rather than silently ignored or misread: one rule for every cursor-paged list.
 */
export function refuseOffsetBesideCursor(url: string, cursor: string | undefined): void {
  if (cursor === undefined || !new URL(url).searchParams.has('offset')) return
  throw new ValidationFailed('The query string is invalid: offset: cannot be combined with `cursor` (the cursor already says where the page starts)', [{ field: 'offset', message: 'cannot be combined with `cursor`' }])
}

/**
 * A whole keyset-paged set, a page at a time (exports): pages until one comes back short.
 * `read(after, size)` returns up to `size` rows after the position `after` (undefined: from the start).
 */
export async function* keysetPages<R, P>(size: number, read: (after: P | undefined, size: number) => Promise<R[]>, positionOf: (row: R) => P): AsyncGenerator<R[]> {
  let after: P | undefined
  for (;;) {
    const rows = await read(after, size)
    if (rows.length) yield rows
    if (rows.length < size) return
    after = positionOf(rows.at(-1)!)
  }
}
