import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, problems } from '../../http/schemas.ts'
import { ShopperModel } from './model.ts'
import type { ShopperService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

/** Shoppers (the userIds events carry; not the console's admin users): their data, and its erasure. */
export function shopperRoutes(shoppers: ShopperService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/users', tags: ['Shoppers'] })
    .use(guards)
    .get('/:userId', async ({ principal, params }) => ({ data: await shoppers.summary(principal.tenantId, params.userId) }), {
      tenant: 'write', params: ShopperModel.params,
      response: { 200: Envelope(ShopperModel.summary), ...problems(400, 401, 403, 404, 429) },
      detail: {
        summary: 'A shopper\'s profile summary: events counted, products bought, newest interactions (404 when none is stored)',
        description: ACCESS.write + ' After DELETE /users/{userId}, 404 means the erasure is complete.',
        security,
      },
    })
    .post('/:userId/traits', async ({ principal, params, body }) => ({ data: await shoppers.setTraits(principal.tenantId, params.userId, body.traits) }), {
      tenant: 'write', params: ShopperModel.params, body: ShopperModel.traitsBody,
      response: { 200: Envelope(ShopperModel.traits), ...problems(400, 401, 403, 429) },
      detail: {
        summary: "Set a shopper's traits (tier, country, …): merged into what they hold; segments test them as traits.<name>",
        description: ACCESS.write + ' Events may carry traits too, as metadata.traits (same rules). A null value removes a trait. '
          + 'A shopper never seen before gets a profile with no events (still in new_visitor). Segment membership reflects the write at once.',
        security,
      },
    })
    .delete('/:userId', async ({ principal, params, status }) => {
      await shoppers.requestErasure(principal.tenantId, params.userId)
      return status(202, { data: { userId: params.userId, status: 'erasing' as const } })
    }, {
      tenant: 'write', params: ShopperModel.params,
      response: { 202: Envelope(ShopperModel.erasing), ...problems(400, 401, 403, 404, 429, 503) },
      detail: {
        summary: 'Erase a shopper (GDPR right to erasure): raw events, profile, purchases, clicks, experiment exposures and cached answers',
        description: ACCESS.write + ' Accepted at once (202) and done in the background within a minute, in short batches; '
          + 'GET /users/{userId} answers 404 once everything is gone; an erasure whose process stops is finished by another once its lease expires (sending DELETE again is harmless). '
          + '404 when nothing is stored for that userId (never seen, or erased already). '
          + 'Rollups and the model keep only anonymous counts. Events sent for the same userId afterwards start a new profile.',
        security,
      },
    })
}
