import { Elysia } from 'elysia'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { UsageModel } from './model.ts'
import type { UsageService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }, { accountKey: [] }]

export function usageRoutes(usage: UsageService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ tags: ['Usage'] })
    .use(guards)
    .get('/tenants/:id/usage', async ({ actor, params, query }) => ({ data: await usage.tenant(actor.accountId, params.id, query) }), {
      account: true, params: UsageModel.params, query: UsageModel.query,
      response: { 200: Envelope(UsageModel.tenantUsage), ...problems(400, 401, 403, 404) },
      detail: { summary: "A tenant's usage per UTC day and key: events ingested, recommendation requests, API calls (for billing its store)", security },
    })
    .get('/account/usage', async ({ actor, query }) => {
      if (query.format === 'csv') {
        const { body, filename } = await usage.accountCsv(actor.accountId, query)
        return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' } }) as never
      }
      return { data: await usage.account(actor.accountId, query) }
    }, {
      account: true, query: UsageModel.accountQuery,
      response: { 200: T.Union([Envelope(UsageModel.accountUsage), T.String({ description: 'format=csv: date,tenantId,externalId,tenantName,eventsIngested,recommendationRequests,apiCalls' })]), ...problems(400, 401, 403) },
      detail: { summary: "Usage of every tenant of the account, per UTC day (JSON, or CSV with ?format=csv)", security },
    })
}
