import { Elysia } from 'elysia'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems } from '../../http/schemas.ts'
import { CreatedTenant, TenantModel } from './model.ts'
import type { TenantService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }, { accountKey: [] }]
const who = 'A member access token (X-Account-ID picks the account; the role table says which roles) or an account key (ak_live_…).'

export function tenantRoutes(tenants: TenantService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/tenants', tags: ['Tenants'] })
    .use(guards)
    .post('', async ({ actor, body, headers, set }) => {
      const { data, replayed } = await tenants.create(actor.accountId, actor.userId ?? null, body, headers['idempotency-key'])
      set.status = 201
      if (replayed) set.headers['idempotent-replayed'] = 'true'
      return { data }
    }, {
      account: true, body: TenantModel.create, headers: TenantModel.idempotencyHeaders, response: { 201: Envelope(CreatedTenant), ...problems(400, 401, 403, 409) },
      detail: { summary: 'Create a tenant, with its API keys if asked (provisioning in one call)', description: `${who} With an Idempotency-Key header, the same key and body answer the same (Idempotent-Replayed: true) for 24 hours.`, security },
    })
    .get('', async ({ actor, query }) => {
      const { rows, total } = await tenants.list(actor.accountId, query)
      return page(rows, total, query.limit, query.offset)
    }, { account: true, query: TenantModel.listQuery, response: { 200: ListEnvelope(TenantModel.tenant), ...problems(400, 401, 403) }, detail: { summary: "List the account's tenants (?externalId= finds one by the platform's id)", description: who, security } })
    .get('/:id', async ({ actor, params }) => ({ data: await tenants.get(actor.accountId, params.id) }),
      { account: true, params: TenantModel.params, response: { 200: Envelope(TenantModel.tenant), ...problems(401, 403, 404) }, detail: { summary: 'Get a tenant', description: who, security } })
    .put('/:id', async ({ actor, params, body }) => ({ data: await tenants.update(actor.accountId, params.id, body) }),
      { account: true, params: TenantModel.params, body: TenantModel.update, response: { 200: Envelope(TenantModel.tenant), ...problems(400, 401, 403, 404, 409) }, detail: { summary: 'Update name, config (merged) or status', security } })
    .delete('/:id', async ({ actor, params }) => ({ data: await tenants.remove(actor.accountId, params.id) }),
      { account: true, params: TenantModel.params, response: { 200: Envelope(TenantModel.tenant), ...problems(401, 403, 404) }, detail: { summary: 'Delete a tenant (purged after 30 days)', security } })
}
