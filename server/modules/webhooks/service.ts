// Webhook endpoints of a tenant (F-015): create, change, rotate the signing secret, test, and the delivery log.
// The secret is returned only by create and rotate-secret and stored sealed (infra/crypto.ts secretBox).
import type { Db, RawSql } from '../../../db/client.ts'
import {
  countEndpoints, deleteEndpoint, findDelivery, findEndpoint, insertEndpoint, insertPing, listDeliveries, listEndpoints,
  retryDelivery, updateEndpoint, type DeliveryRow,
} from '../../../db/queries/webhooks.ts'
import type { WebhookEndpoint } from '../../../db/schema.ts'
import type { SecretBox } from '../../infra/crypto.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import { MAX_ENDPOINTS } from './model.ts'
import { addressProblem, urlProblem, type SendPolicy } from './send.ts'
import { newSigningSecret } from './signature.ts'

/** After a rotation the previous secret signs alongside the new one this long, so receivers can switch over. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null)

export interface WebhookDeps {
  db: Db
  raw: RawSql
  box: SecretBox
  clock: () => Date
  policy: SendPolicy
  /** A delivery is due now (a ping, a retry): the dispatcher in this process, if any, sends it at once. */
  onDue: () => void
}

export function createWebhookService(d: WebhookDeps) {
  const endpointDto = (w: WebhookEndpoint) => ({
    id: w.id, url: w.url, events: w.events, description: w.description, active: w.active, disabledAt: iso(w.disabledAt),
    consecutiveFailures: w.consecutiveFailures,
    previousSecretExpiresAt: w.previousSecretUntil && w.previousSecretUntil > d.clock() ? w.previousSecretUntil.toISOString() : null,
    createdAt: w.createdAt.toISOString(), updatedAt: w.updatedAt.toISOString(),
  })
  const deliveryDto = (r: DeliveryRow) => ({
    id: r.id, eventId: r.event_id, eventType: r.type, status: r.status, attempts: Number(r.attempts),
    lastResponseCode: r.last_response_code === null ? null : Number(r.last_response_code), lastResponseBody: r.last_response_body, lastError: r.last_error,
    nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null, lastAttemptAt: iso(r.last_attempt_at),
    createdAt: iso(r.created_at)!, completedAt: iso(r.completed_at),
  })

  async function checkUrl(url: string) {
    const why = urlProblem(url, d.policy.allowPrivate) ?? await addressProblem(url, d.policy)
    if (why) throw new ValidationFailed(`url ${why}`, [{ field: 'url', message: why }])
  }
  async function get(tenantId: string, id: string) {
    const w = await findEndpoint(d.db, tenantId, id)
    if (!w) throw new NotFound('Webhook endpoint not found')
    return w
  }

  return {
    async create(tenantId: string, v: { url: string; events: string[]; description?: string; active?: boolean }) {
      await checkUrl(v.url)
      if (await countEndpoints(d.db, tenantId) >= MAX_ENDPOINTS) throw new Conflict(`A tenant can have at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`)
      const secret = newSigningSecret()
      const w = await insertEndpoint(d.db, tenantId, { url: v.url, events: v.events, description: v.description?.trim() || null, active: v.active ?? true, secret: await d.box.seal(secret) })
      return { ...endpointDto(w), secret }
    },

    async list(tenantId: string, f: { limit: number; offset: number }) {
      const { rows, total } = await listEndpoints(d.db, tenantId, f)
      return { rows: rows.map(endpointDto), total }
    },

    get: async (tenantId: string, id: string) => endpointDto(await get(tenantId, id)),

    async update(tenantId: string, id: string, v: { url?: string; events?: string[]; description?: string | null; active?: boolean }) {
      const w = await get(tenantId, id)
      if (v.url !== undefined) await checkUrl(v.url)
      const enabling = v.active === true && !w.active
      const res = await updateEndpoint(d.db, tenantId, id, {
        ...(v.url !== undefined ? { url: v.url } : {}), ...(v.events ? { events: v.events } : {}),
        ...(v.description !== undefined ? { description: v.description?.trim() || null } : {}),
        ...(v.active !== undefined ? { active: v.active } : {}), ...(enabling ? { consecutiveFailures: 0, disabledAt: null } : {}),
      }, d.clock())
      if (!res) throw new NotFound('Webhook endpoint not found')
      if (enabling) d.onDue() // its pending deliveries go out again
      return endpointDto(res)
    },

    async remove(tenantId: string, id: string) {
      if (!(await deleteEndpoint(d.db, tenantId, id))) throw new NotFound('Webhook endpoint not found')
    },

    /** A new secret; the current one keeps signing alongside it for 24 hours. */
    async rotateSecret(tenantId: string, id: string) {
      const w = await get(tenantId, id)
      const secret = newSigningSecret()
      const now = d.clock()
      const res = await updateEndpoint(d.db, tenantId, id, { secret: await d.box.seal(secret), previousSecret: w.secret, previousSecretUntil: new Date(now.getTime() + ROTATION_OVERLAP_MS) }, now)
      if (!res) throw new NotFound('Webhook endpoint not found')
      return { ...endpointDto(res), secret }
    },

    /** Sends a `ping` to the endpoint now, whatever it subscribes to and even while disabled. */
    async test(tenantId: string, id: string) {
      const w = await get(tenantId, id)
      const deliveryId = await insertPing(d.raw, tenantId, w.id, { endpointId: w.id, message: 'Test event from RecomEngine' }, d.clock())
      d.onDue()
      return deliveryDto((await findDelivery(d.raw, tenantId, w.id, deliveryId))!)
    },

    async deliveries(tenantId: string, id: string, f: { limit: number; offset: number; status?: string }) {
      await get(tenantId, id)
      const { rows, total } = await listDeliveries(d.raw, tenantId, id, f)
      return { rows: rows.map(deliveryDto), total }
    },

    /** Sends a delivery again now (its webhook-id stays the same), whatever its state. */
    async retry(tenantId: string, id: string, deliveryId: string) {
      await get(tenantId, id)
      if (!(await retryDelivery(d.raw, tenantId, id, deliveryId, d.clock()))) throw new NotFound('Delivery not found')
      d.onDue()
      return deliveryDto((await findDelivery(d.raw, tenantId, id, deliveryId))!)
    },
  }
}
export type WebhookService = ReturnType<typeof createWebhookService>
