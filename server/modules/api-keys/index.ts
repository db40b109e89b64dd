import { Elysia } from 'elysia'
import { BadRequest } from '../../errors.ts'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems } from '../../http/schemas.ts'
import { ApiKeyModel, CreatedKey } from './model.ts'
import type { ApiKeyService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }, { accountKey: [] }]

export function apiKeyRoutes(keys: ApiKeyService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ tags: ['API keys'] })
    .use(guards)
    .post('/tenants/:id/api-keys', async ({ actor, params, body, set }) => { set.status = 201; return { data: await keys.create(actor.accountId, params.id, body) } },
      { account: true, params: ApiKeyModel.params, body: ApiKeyModel.create, response: { 201: Envelope(CreatedKey), ...problems(400, 401, 403, 404, 409) }, detail: { summary: 'Create an API key (the key is shown once)', security } })
    .get('/tenants/:id/api-keys', async ({ actor, params, query }) => {
      const { rows, total } = await keys.list(actor.accountId, params.id, query)
      return page(rows, total, query.limit, query.offset)
    }, { account: true, params: ApiKeyModel.params, query: ApiKeyModel.listQuery, response: { 200: ListEnvelope(ApiKeyModel.key), ...problems(400, 401, 403, 404) }, detail: { summary: 'List API keys (never the key itself)', security } })
    .delete('/tenants/:id/api-keys/:keyId', async ({ actor, params }) => ({ data: await keys.revoke(actor.accountId, params.id, params.keyId) }),
      { account: true, params: ApiKeyModel.keyParams, response: { 200: Envelope(ApiKeyModel.key), ...problems(401, 403, 404) }, detail: { summary: 'Revoke one API key', security } })
    .get('/me', ({ principal }) => {
      if (principal.kind !== 'key') throw new BadRequest('GET /me describes the API key in use: send one as X-API-Key')
      return { data: { tenantId: principal.tenantId, keyId: principal.keyId!, name: principal.keyName!, permissions: principal.permissions } }
    }, { tenant: 'read', response: { 200: Envelope(ApiKeyModel.introspection), ...problems(400, 401, 403, 429) }, detail: { summary: 'Introspect the API key in use', description: ACCESS.read, security: [{ apiKey: [] }] } })
}
