// @recomengine/client: the RecomEngine API, typed from its OpenAPI document
// (api-types.ts, generated; the console uses the same file), over openapi-fetch.
// On top of the generated calls (client.GET('/api/v1/recommendations', …)):
// retries on 429/503 as the server asks (retry.ts), an eventId on every event
// sent through the helpers so a retried event is stored once, batch helpers
// that split any number of events or items into the server's batch sizes, and
// webhook signature verification (webhooks.ts).
import createFetchClient from 'openapi-fetch'
import type { components, paths } from './api-types.ts'
import { retryingFetch, type RetryOptions } from './retry.ts'

export type { components, paths } from './api-types.ts'
export { backoffMs, retryAfterMs, retryingFetch, type RetryOptions } from './retry.ts'
export { verifyWebhook, WebhookVerificationError, type VerifyOptions } from './webhooks.ts'

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never

/** One event as POST /api/v1/events takes it. */
export type EventInput = Json<paths['/api/v1/events']['post']['requestBody']>
/** One catalog item as POST /api/v1/catalog takes it. */
export type CatalogItemInput = Json<paths['/api/v1/catalog']['post']['requestBody']>
export type EventResult = Json<paths['/api/v1/events']['post']['responses'][202]>['data'] | Json<paths['/api/v1/events']['post']['responses'][200]>['data']
export type EventBatchResult = Json<paths['/api/v1/events/batch']['post']['responses'][202]>['data']
export type CatalogBatchResult = Json<paths['/api/v1/catalog/batch']['post']['responses'][200]>['data']
export type Problem = components['schemas']['Problem']

/** The server's batch limits (POST /api/v1/events/batch, POST /api/v1/catalog/batch). */
export const EVENTS_PER_BATCH = 100
export const CATALOG_ITEMS_PER_BATCH = 500

export interface ClientOptions {
  /** Where the API is, e.g. http://localhost:5008 */
  baseUrl: string
  /** A tenant API key (rk_live_…), sent as X-API-Key. */
  apiKey?: string
  /** An admin access token (POST /api/v1/auth/login), sent as Authorization: Bearer. */
  accessToken?: string
  /** With an admin token: the tenant to act on (X-Tenant-ID). */
  tenantId?: string
  headers?: Record<string, string>
  /** Retries on 429/503 (and network failures of idempotent methods); `{ retries: 0 }` turns them off. */
  retry?: RetryOptions
  /** The fetch to send with (default: the global one); tests pass an app's handler. */
  fetch?: (request: Request) => Promise<Response>
}

/** A failed call, carrying the RFC 7807 problem document the API answered with. */
export class RecomEngineError extends Error {
  override name = 'RecomEngineError'
  constructor(readonly status: number, readonly problem: Partial<Problem> | undefined) {
    super(problem?.detail ?? problem?.title ?? `Request failed with status ${status}`)
  }
}

const newEventId = () => crypto.randomUUID()

/** The envelope's `data` of a success, or the problem as a RecomEngineError. */
function unwrap<R extends { data?: { data: unknown }; error?: unknown; response: Response }>(r: R): NonNullable<R['data']>['data'] {
  if (r.data === undefined) throw new RecomEngineError(r.response.status, (r.error ?? undefined) as Partial<Problem> | undefined)
  return r.data.data
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createClient(options: ClientOptions) {
  const headers: Record<string, string> = { ...options.headers }
  if (options.apiKey) headers['x-api-key'] = options.apiKey
  if (options.accessToken) headers.authorization = `Bearer ${options.accessToken}`
  if (options.tenantId) headers['x-tenant-id'] = options.tenantId
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request))
  const api = createFetchClient<paths>({ baseUrl: options.baseUrl.replace(/\/$/, ''), headers, fetch: retryingFetch(send, options.retry) })

  const events = {
    /** Sends one event. Without an eventId it gets one, so a retry of this call is acknowledged as a duplicate. */
    async send(event: EventInput): Promise<EventResult> {
      return unwrap(await api.POST('/api/v1/events', { body: { ...event, eventId: event.eventId ?? newEventId() } }))
    },
    /**
     * Sends any number of events, EVENTS_PER_BATCH at a time, each with an eventId (one is made when absent).
     * Rejected events keep their index in `events`.
     */
    async sendBatch(list: readonly EventInput[]): Promise<EventBatchResult> {
      const total: EventBatchResult = { accepted: 0, duplicates: 0, rejected: [] }
      let offset = 0
      for (const chunk of chunks(list, EVENTS_PER_BATCH)) {
        const body = { events: chunk.map((e) => ({ ...e, eventId: e.eventId ?? newEventId() })) }
        const r = unwrap(await api.POST('/api/v1/events/batch', { body }))
        total.accepted += r.accepted
        total.duplicates += r.duplicates
        total.rejected.push(...r.rejected.map((x) => ({ ...x, index: x.index + offset })))
        offset += chunk.length
      }
      return total
    },
  }

  const catalog = {
    /** Creates or replaces any number of items, CATALOG_ITEMS_PER_BATCH at a time; rejected items keep their index. */
    async upsertMany(items: readonly CatalogItemInput[]): Promise<CatalogBatchResult> {
      const total: CatalogBatchResult = { created: 0, updated: 0, rejected: [] }
      let offset = 0
      for (const chunk of chunks(items, CATALOG_ITEMS_PER_BATCH)) {
        const r = unwrap(await api.POST('/api/v1/catalog/batch', { body: { items: chunk } }))
        total.created += r.created
        total.updated += r.updated
        total.rejected.push(...r.rejected.map((x) => ({ ...x, index: x.index + offset })))
        offset += chunk.length
      }
      return total
    },
  }

  return Object.assign(api, { events, catalog })
}

export type RecomEngineClient = ReturnType<typeof createClient>
