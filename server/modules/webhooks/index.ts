import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems, T } from '../../http/schemas.ts'
import { WEBHOOK_EVENT_TYPES } from '../../vocabulary.ts'
import { WebhookModel, WithSecret, MAX_ENDPOINTS } from './model.ts'
import type { WebhookService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]
const DELIVERY = 'Each event is POSTed as JSON `{ type, timestamp, data }` with the Standard Webhooks headers webhook-id (the same on every attempt), '
  + 'webhook-timestamp (unix seconds) and webhook-signature (`v1,` + base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" under the secret; '
  + 'two space-separated signatures for 24 h after a rotation). A 2xx within 10 s is success; redirects are not followed; otherwise it is retried '
  + 'with backoff (about 5 s, 30 s, 2 min, 10 min, 30 min, 2 h, 6 h, then every 12 h) for 3 days, then failed; after 5 events in a row failed the '
  + 'endpoint is disabled and the tenant\'s admin mailed.'

export function webhookRoutes(webhooks: WebhookService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/webhooks', tags: ['Webhooks'] })
    .use(guards)
    .post('', async ({ principal, body, status }) => status(201, { data: await webhooks.create(principal.tenantId, body) }), {
      tenant: 'write', body: WebhookModel.create,
      response: { 201: Envelope(WithSecret), ...problems(400, 401, 403, 409, 429) },
      detail: {
        summary: 'Create a webhook endpoint (the signing secret is shown once)',
        description: `${ACCESS.write} Event types: ${WEBHOOK_EVENT_TYPES.join(', ')}. ${DELIVERY} The URL must be https and must not resolve to a loopback, `
          + `private, link-local or metadata address (checked now and before every send), unless the operator set WEBHOOK_ALLOW_PRIVATE=true. At most ${MAX_ENDPOINTS} per tenant: another is 409.`,
        security,
      },
    })
    .get('', async ({ principal, query }) => {
      const { rows, total } = await webhooks.list(principal.tenantId, query)
      return page(rows, total, query.limit, query.offset)
    }, {
      tenant: 'write', query: WebhookModel.listQuery,
      response: { 200: ListEnvelope(WebhookModel.endpoint), ...problems(400, 401, 403, 429) },
      detail: { summary: 'The tenant\'s webhook endpoints, newest first (never their secrets)', description: ACCESS.write, security },
    })
    .get('/:id', async ({ principal, params }) => ({ data: await webhooks.get(principal.tenantId, params.id) }), {
      tenant: 'write', params: WebhookModel.params,
      response: { 200: Envelope(WebhookModel.endpoint), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'One webhook endpoint', description: `${ACCESS.write} Another tenant's endpoint is 404.`, security },
    })
    .patch('/:id', async ({ principal, params, body }) => ({ data: await webhooks.update(principal.tenantId, params.id, body) }), {
      tenant: 'write', params: WebhookModel.params, body: WebhookModel.update,
      response: { 200: Envelope(WebhookModel.endpoint), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Change a webhook endpoint\'s URL, events, description or active flag', description: `${ACCESS.write} Setting active to true re-enables an endpoint disabled after failed events; its pending deliveries are sent again.`, security },
    })
    .delete('/:id', async ({ principal, params, set }) => { await webhooks.remove(principal.tenantId, params.id); set.status = 204; return null }, {
      tenant: 'write', params: WebhookModel.params,
      response: { 204: T.Null(), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Delete a webhook endpoint and its delivery log', description: ACCESS.write, security },
    })
    .post('/:id/rotate-secret', async ({ principal, params }) => ({ data: await webhooks.rotateSecret(principal.tenantId, params.id) }), {
      tenant: 'write', params: WebhookModel.params,
      response: { 200: Envelope(WithSecret), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Replace the signing secret (the new one is shown once)', description: `${ACCESS.write} For 24 hours the previous secret signs too: webhook-signature then carries two space-separated v1 signatures, so a receiver can switch secrets without missing an event.`, security },
    })
    .post('/:id/test', async ({ principal, params, status }) => status(202, { data: await webhooks.test(principal.tenantId, params.id) }), {
      tenant: 'write', params: WebhookModel.params,
      response: { 202: Envelope(WebhookModel.delivery), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Send a `ping` event to the endpoint now', description: `${ACCESS.write} Sent even while the endpoint is disabled; its outcome shows in the delivery log.`, security },
    })
    .get('/:id/deliveries', async ({ principal, params, query }) => {
      const { rows, total } = await webhooks.deliveries(principal.tenantId, params.id, query)
      return page(rows, total, query.limit, query.offset)
    }, {
      tenant: 'write', params: WebhookModel.params, query: WebhookModel.deliveriesQuery,
      response: { 200: ListEnvelope(WebhookModel.delivery), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'The endpoint\'s deliveries, newest first: event type, status, attempts, last answer (code and first 1 KB), next attempt', description: `${ACCESS.write} Kept 30 days.`, security },
    })
    .post('/:id/deliveries/:deliveryId/retry', async ({ principal, params, status }) => status(202, { data: await webhooks.retry(principal.tenantId, params.id, params.deliveryId) }), {
      tenant: 'write', params: WebhookModel.deliveryParams,
      response: { 202: Envelope(WebhookModel.delivery), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Send a delivery again now (same webhook-id)', description: ACCESS.write, security },
    })
}
