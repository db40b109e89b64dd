import { Elysia } from 'elysia'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems } from '../../http/schemas.ts'
import { TenantModel } from './model.ts'
import type { TenantService } from './service.ts'

const security = [{ bearer: [] }]

export function tenantRoutes(tenants: TenantService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/tenants', tags: ['Tenants'] })
    .use(guards)
    .post('', async ({ userId, body, set }) => { set.status = 201; return { data: await tenants.create(userId, body) } },
      { admin: true, body: TenantModel.create, response: { 201: Envelope(TenantModel.tenant), ...problems(400, 401, 409) }, detail: { summary: 'Create a tenant', security } })
    .get('', async ({ userId, query }) => {
      const { rows, total } = await tenants.list(userId, query)
      return page(rows, total, query.limit, query.offset)
    }, { admin: true, query: TenantModel.listQuery, response: { 200: ListEnvelope(TenantModel.tenant), ...problems(400, 401) }, detail: { summary: 'List your tenants', security } })
    .get('/:id', async ({ userId, params }) => ({ data: await tenants.get(userId, params.id) }),
      { admin: true, params: TenantModel.params, response: { 200: Envelope(TenantModel.tenant), ...problems(401, 404) }, detail: { summary: 'Get a tenant', security } })
    .put('/:id', async ({ userId, params, body }) => ({ data: await tenants.update(userId, params.id, body) }),
      { admin: true, params: TenantModel.params, body: TenantModel.update, response: { 200: Envelope(TenantModel.tenant), ...problems(400, 401, 404, 409) }, detail: { summary: 'Update name, config (merged) or status', security } })
    .delete('/:id', async ({ userId, params }) => ({ data: await tenants.remove(userId, params.id) }),
      { admin: true, params: TenantModel.params, response: { 200: Envelope(TenantModel.tenant), ...problems(401, 404) }, detail: { summary: 'Delete a tenant (purged after 30 days)', security } })
}
