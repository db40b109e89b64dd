import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { refuseOffsetBesideCursor } from '../../cursor.ts'
import { Envelope, ListEnvelope, MAY_LAG, cursorPage, problems } from '../../http/schemas.ts'
import { CatalogModel } from './model.ts'
import type { CatalogService } from './service.ts'
import type { CatalogValues } from '../../../db/queries/catalog.ts'
import { exportResponse, type ExportSlots, type ExportSource } from '../../http/export-stream.ts'
import type { Logger } from '../../logger.ts'
import { T } from '../../http/schemas.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

/** The export's columns: the fields POST /catalog takes, which an import of the file recognises. */
const EXPORT_COLUMNS = ['productId', 'name', 'description', 'category', 'price', 'currency', 'imageUrl', 'url', 'attributes', 'available'] as const
const exported = (pages: AsyncGenerator<CatalogValues[]>): ExportSource<CatalogValues> => ({
  columns: EXPORT_COLUMNS, pages,
  json: (i) => Object.fromEntries(Object.entries(i).filter(([, v]) => v !== null)),
  cells: (i) => [i.productId, i.name, i.description, i.category, i.price === null ? null : String(i.price), i.currency, i.imageUrl, i.url, JSON.stringify(i.attributes), String(i.available)],
})

export function catalogRoutes(catalog: CatalogService, guards: ReturnType<typeof authGuards>, exports: { log: Logger; slots: ExportSlots }) {
  return new Elysia({ prefix: '/catalog', tags: ['Catalog'] })
    .use(guards)
    .post('', async ({ principal, body, set }) => {
      const { created, item } = await catalog.upsert(principal.tenantId, body)
      set.status = created ? 201 : 200
      return { data: item }
    }, {
      tenant: 'write', body: CatalogModel.item,
      response: { 201: Envelope(CatalogModel.dto), 200: Envelope(CatalogModel.dto), ...problems(400, 401, 403, 413, 429) },
      detail: { summary: 'Create an item, or replace the one with the same productId (201 created, 200 replaced)', description: ACCESS.write, security },
    })
    .post('/batch', async ({ principal, body }) => ({ data: await catalog.batch(principal.tenantId, body.items) }), {
      tenant: 'write', body: CatalogModel.batch,
      response: { 200: Envelope(CatalogModel.batchResult), ...problems(400, 401, 403, 413, 429) },
      detail: { summary: 'Create or replace up to 500 items; valid ones are stored even when others are rejected', description: ACCESS.write, security },
    })
    .get('', async ({ principal, query, request }) => {
      refuseOffsetBesideCursor(request.url, query.cursor)
      const { rows, total, nextCursor } = await catalog.list(principal.tenantId, query)
      return cursorPage(rows, total, query.limit, query.cursor === undefined ? query.offset : 0, nextCursor)
    }, {
      tenant: 'read', query: CatalogModel.listQuery,
      response: { 200: ListEnvelope(CatalogModel.dto), ...problems(400, 401, 403, 429, 503) },
      detail: {
        summary: 'List items, newest-updated first; filter by category, availability or a search in name and description',
        description: ACCESS.read + ' Page with `offset` (up to 10,000) or, deeper and exactly, with `cursor` = the previous page\'s `meta.pagination.nextCursor`. '
          + 'A search (`q`, 2–200 characters) counts at most 1,000 matches in `total` and runs one at a time per tenant; more than four waiting → 429 with Retry-After. '
          + 'A query that runs past the statement timeout → 503 with Retry-After.' + MAY_LAG + ' `GET /catalog/{productId}` reads the primary.',
        security,
      },
    })
    // Before /:productId, so that "export" is this route (an item with that id is read through the list).
    .get('/export', ({ principal, query }) =>
      exportResponse(query.format, `catalog-${principal.tenantId}`, exported(catalog.exportPages(principal.tenantId)),
        (error) => exports.log.error('catalog export failed midway', { tenantId: principal.tenantId, error }), exports.slots.take(principal.tenantId)), {
      tenant: 'write', query: CatalogModel.exportQuery,
      response: {
        200: T.String({ description: `The catalog as a download, in productId order, deleted items left out: application/x-ndjson (one item per line, null fields left out) or text/csv (header ${EXPORT_COLUMNS.join(',')}; CRLF; empty = none; attributes as JSON text). Fields as POST /catalog takes them, so the file imports again.` }),
        ...problems(400, 401, 403, 429),
      },
      detail: {
        summary: 'Export the catalog as NDJSON or CSV (streamed; two at once per tenant, then 429)',
        description: ACCESS.write + ' Streamed: read from the database 1,000 items at a time as the client takes them, so any size exports in bounded memory.' + MAY_LAG,
        security,
      },
    })
    .get('/:productId', async ({ principal, params }) => ({ data: await catalog.get(principal.tenantId, params.productId) }), {
      tenant: 'read', params: CatalogModel.params,
      response: { 200: Envelope(CatalogModel.dto), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Get one item (deleted ones too)', description: ACCESS.read, security },
    })
    .put('/:productId', async ({ principal, params, body }) => ({ data: await catalog.replace(principal.tenantId, params.productId, body) }), {
      tenant: 'write', params: CatalogModel.params, body: CatalogModel.replace,
      response: { 200: Envelope(CatalogModel.dto), ...problems(400, 401, 403, 404, 413, 429) },
      detail: { summary: 'Replace an existing item (fields left out become empty); revives a deleted item', description: ACCESS.write, security },
    })
    .patch('/:productId', async ({ principal, params, body }) => ({ data: await catalog.patch(principal.tenantId, params.productId, body) }), {
      tenant: 'write', params: CatalogModel.params, body: CatalogModel.patch,
      response: { 200: Envelope(CatalogModel.dto), ...problems(400, 401, 403, 404, 413, 429) },
      detail: { summary: 'Change some fields of an existing item; available: true revives a deleted item', description: ACCESS.write, security },
    })
    .delete('/:productId', async ({ principal, params }) => ({ data: await catalog.remove(principal.tenantId, params.productId) }), {
      tenant: 'write', params: CatalogModel.params,
      response: { 200: Envelope(CatalogModel.dto), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Soft-delete an item: it becomes unavailable but stays readable', description: ACCESS.write, security },
    })
}
