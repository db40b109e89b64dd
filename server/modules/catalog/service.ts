// A tenant's product catalog (F-004). Writes are upserts keyed by the shop's
// own productId, so a sync job can resend everything; deletion is soft, so
// recommendations and analytics can still name a product that was removed.
import { getSchemaValidator, type Static } from 'elysia'
import type { Db, RawSql } from '../../../db/client.ts'
import { primaryReads, type LagTolerantReads } from '../../../db/lag-tolerant.ts'
import {
  exportCatalogPage, findCatalogItem, listCatalogItems, markCatalogUnavailableBefore, softDeleteCatalogItem, updateCatalogItem, upsertCatalogItems,
  type CatalogFilter, type CatalogValues,
} from '../../../db/queries/catalog.ts'
import type { CatalogItem } from '../../../db/schema.ts'
import { decodeCursor, encodeCursor, keysetPages } from '../../cursor.ts'
import { fieldErrors, NotFound, PayloadTooLarge, ValidationFailed, type FieldError } from '../../errors.ts'
import type { Logger } from '../../logger.ts'
import { iso } from '../../http/schemas.ts'
import { CatalogItemInput, CatalogModel, MAX_ATTRIBUTES_BYTES, MAX_BATCH, SEARCH_TOTAL_CAP } from './model.ts'
import type { SearchGate } from './search-gate.ts'

type ItemInput = Static<typeof CatalogItemInput>
type Replacement = Static<typeof CatalogModel.replace>
type Patch = Static<typeof CatalogModel.patch>

const catalogItemDto = (i: CatalogItem) => ({
  productId: i.productId, name: i.name, description: i.description, category: i.category, price: i.price,
  currency: i.currency, imageUrl: i.imageUrl, url: i.url, attributes: i.attributes as Record<string, unknown>,
  available: i.available, createdAt: i.createdAt.toISOString(), updatedAt: i.updatedAt.toISOString(), deletedAt: iso(i.deletedAt),
})

export type CatalogChangeListener = (tenantId: string, productIds: string[]) => void

/**
 * Who wants to hear that items changed (recommendations drop unavailable
 * ones). A failing listener is logged; it cannot fail a write already made.
 */
export function catalogChanges(log: Logger) {
  const listeners = new Set<CatalogChangeListener>()
  return {
    emit(tenantId: string, productIds: string[]) {
      for (const fn of listeners) {
        try { fn(tenantId, productIds) } catch (error) { log.error('catalog change listener failed', { tenantId, error }) }
      }
    },
    /** Returns the unsubscribe function. */
    subscribe(fn: CatalogChangeListener) { listeners.add(fn); return () => { listeners.delete(fn) } },
  }
}

// Batch items are checked one by one by the compiled TypeBox checker Elysia
// builds for a POST /catalog body: a valid item costs ~1 µs, and only a
// failing one is walked again for its errors.
const itemSchema = getSchemaValidator(CatalogItemInput)
const bytes = new TextEncoder()

/** What the schema cannot say: the serialised size of attributes. (Unstorable text is refused by the body parser.) */
function contentErrors(v: Partial<ItemInput>): FieldError[] {
  if (v.attributes === undefined) return []
  return bytes.encode(JSON.stringify(v.attributes)).byteLength > MAX_ATTRIBUTES_BYTES
    ? [{ field: 'attributes', message: `must be at most ${MAX_ATTRIBUTES_BYTES} bytes as JSON` }]
    : []
}

const valuesOf = (productId: string, v: Replacement): CatalogValues => ({
  productId, name: v.name, description: v.description ?? null, category: v.category ?? null, price: v.price ?? null,
  currency: v.currency ?? null, imageUrl: v.imageUrl ?? null, url: v.url ?? null, attributes: v.attributes ?? {}, available: v.available ?? true,
})

/** A catalog cursor's position; its µs must be a safe integer, or the database would be asked to overflow. */
function positionOf(cursor: string) {
  const [updatedUs, productId] = decodeCursor(cursor, ['number', 'string']) as [number, string]
  if (!Number.isSafeInteger(updatedUs)) {
    throw new ValidationFailed('The query string is invalid: cursor: is not a cursor this list gave out', [{ field: 'cursor', message: 'is not a cursor this list gave out' }])
  }
  return { updatedUs, productId }
}

/** Items per export read: one chunk of the download, bounded whatever the catalog's size. */
const EXPORT_PAGE = 1000

export interface CatalogDeps {
  db: Db
  raw: RawSql
  clock: () => Date
  /** Bounds each tenant's concurrent searches (`q`). */
  searches: SearchGate
  /** Called after every write with the productIds it changed. */
  onChange: CatalogChangeListener
  /** Where the list and the export read (a replica, when DATABASE_READ_URL names one); unset: `db`/`raw`. */
  lagTolerant?: LagTolerantReads
}

export function createCatalogService(d: CatalogDeps) {
  // The list and the export may lag a write by a few seconds; single-item reads (read right after a write) may not.
  const lagTolerant = d.lagTolerant ?? primaryReads({ db: d.db, raw: d.raw })
  function check(v: Partial<ItemInput>, pathId?: string) {
    const errors = contentErrors(v)
    if (pathId !== undefined && v.productId !== undefined && v.productId !== pathId) errors.unshift({ field: 'productId', message: 'must match the productId in the path' })
    if (errors.length) throw new ValidationFailed(`The request body is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors)
  }

  /** The tenant's item, or 404 (another tenant's item is not found either). */
  async function found(productId: string, row: Promise<CatalogItem | undefined>) {
    const item = await row
    if (!item) throw new NotFound(`No catalog item "${productId}"`)
    return item
  }

  /** The item a write left, announced to the listeners. */
  async function written(tenantId: string, productId: string, row: Promise<CatalogItem | undefined>) {
    const item = await found(productId, row)
    d.onChange(tenantId, [productId])
    return catalogItemDto(item)
  }

  return {
    /**
     * The tenant's catalog (deleted items left out) in productId order, `pageSize` items per read,
     * each as a write would send it: what GET /catalog/export streams.
     */
    exportPages: (tenantId: string, pageSize = EXPORT_PAGE): AsyncGenerator<CatalogValues[]> =>
      keysetPages(pageSize, (after: string | undefined, n) => exportCatalogPage(lagTolerant.raw, tenantId, after, n), (r) => r.productId),

    /** Creates the item, or replaces (and revives) the one with the same productId. */
    async upsert(tenantId: string, v: ItemInput) {
      check(v)
      const [{ inserted }] = await upsertCatalogItems(d.raw, tenantId, [valuesOf(v.productId, v)], d.clock())
      return { created: inserted, item: await written(tenantId, v.productId, findCatalogItem(d.db, tenantId, v.productId)) }
    },

    /**
     * Validates each item on its own and stores the valid ones in one
     * statement; of several valid items with one productId the last wins.
     */
    async batch(tenantId: string, items: unknown[]) {
      if (items.length > MAX_BATCH) throw new PayloadTooLarge(`At most ${MAX_BATCH} items per batch; this one has ${items.length}`)
      const rejected: { index: number; productId: string | null; errors: FieldError[] }[] = []
      const valid = new Map<string, CatalogValues>()
      items.forEach((value, index) => {
        let errors = itemSchema.Check(value) ? [] : fieldErrors(itemSchema.Errors(value))
        if (!errors.length) errors = contentErrors(value as ItemInput)
        if (errors.length) {
          const id = (value as { productId?: unknown } | null)?.productId
          rejected.push({ index, productId: typeof id === 'string' ? id : null, errors })
        } else {
          const item = value as ItemInput
          valid.set(item.productId, valuesOf(item.productId, item))
        }
      })
      const rows = await upsertCatalogItems(d.raw, tenantId, [...valid.values()], d.clock())
      if (rows.length) d.onChange(tenantId, rows.map((r) => r.productId))
      const created = rows.filter((r) => r.inserted).length
      return { created, updated: rows.length - created, rejected }
    },

    /** One item checked as a batch checks it, for a bulk import: field errors, or the values to store. */
    validate(value: unknown): { errors: FieldError[] } | { values: CatalogValues } {
      let errors = itemSchema.Check(value) ? [] : fieldErrors(itemSchema.Errors(value))
      if (!errors.length) errors = contentErrors(value as ItemInput)
      if (errors.length) return { errors }
      const item = value as ItemInput
      return { values: valuesOf(item.productId, item) }
    },

    /** Upserts checked items as a batch does, without its size limit (an import writes in chunks); `now` is their updatedAt. */
    async importItems(tenantId: string, values: CatalogValues[], now: Date) {
      const byId = new Map(values.map((v) => [v.productId, v])) // of several with one productId the last wins, as in a batch
      // In productId order: chunks written at once then lock shared rows in one order.
      const sorted = [...byId.values()].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
      const rows = await upsertCatalogItems(d.raw, tenantId, sorted, now)
      if (rows.length) d.onChange(tenantId, rows.map((r) => r.productId))
      const created = rows.filter((r) => r.inserted).length
      return { created, updated: rows.length - created }
    },

    /** After an import with replace=true: the items it did not write (not updated since it began) become unavailable. */
    async markAbsentUnavailable(tenantId: string, since: Date) {
      const gone = await markCatalogUnavailableBefore(d.raw, tenantId, since, d.clock())
      if (gone.length) d.onChange(tenantId, gone)
      return gone.length
    },

    async get(tenantId: string, productId: string) {
      return catalogItemDto(await found(productId, findCatalogItem(d.db, tenantId, productId)))
    },

    /**
     * One page, newest-updated first, by `offset` or by `cursor` (keyset: exact however deep). One row
     * more than the page is read, so `nextCursor` is null exactly on the last page. A search's `total`
     * counts at most SEARCH_TOTAL_CAP matches (exact on an offset page that reaches the end): counting
     * every match of a broad `q` cost a hundred times the page.
     */
    async list(tenantId: string, f: Omit<CatalogFilter, 'after'> & { cursor?: string }) {
      const after = f.cursor === undefined ? undefined : positionOf(f.cursor)
      const read = () => lagTolerant.run((side) => listCatalogItems(side.db, tenantId, { ...f, after, limit: f.limit + 1, countUpTo: f.q === undefined ? undefined : SEARCH_TOTAL_CAP }))
      const { rows, total } = f.q === undefined ? await read() : await d.searches.run(tenantId, read)
      const pageRows = rows.slice(0, f.limit)
      const last = pageRows[pageRows.length - 1]
      const nextCursor = rows.length > f.limit && last ? encodeCursor([last.updatedUs, last.productId]) : null
      return { rows: pageRows.map(catalogItemDto), total, nextCursor }
    },

    /** Replaces every field of an existing item (and revives it if deleted). */
    async replace(tenantId: string, productId: string, v: Replacement) {
      check(v, productId)
      const { productId: _, ...values } = valuesOf(productId, v)
      return written(tenantId, productId, updateCatalogItem(d.db, tenantId, productId, { ...values, deletedAt: null, updatedAt: d.clock() }))
    },

    /** Changes only the fields sent; `available: true` revives a deleted item. */
    async patch(tenantId: string, productId: string, v: Patch) {
      check(v, productId)
      const { productId: _, ...changes } = v
      return written(tenantId, productId, updateCatalogItem(d.db, tenantId, productId, { ...changes, ...(v.available ? { deletedAt: null } : {}), updatedAt: d.clock() }))
    },

    /** Soft delete: unavailable and marked deleted, still readable. */
    async remove(tenantId: string, productId: string) {
      return written(tenantId, productId, softDeleteCatalogItem(d.db, tenantId, productId, d.clock()))
    },
  }
}
export type CatalogService = ReturnType<typeof createCatalogService>
