import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { MAY_LAG, problems, T } from '../../http/schemas.ts'
import { AnalyticsModel } from './model.ts'
import type { AnalyticsService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }, { accountKey: [] }]
const accountSecurity: Record<string, string[]>[] = [{ bearer: [] }, { accountKey: [] }]
/** A write key is a backend secret and may read its own tenant's analytics (a platform's reporting); a read key sits in pages (F-016). */
const tenantHeader = ACCESS.write + MAY_LAG

export function analyticsRoutes(analytics: AnalyticsService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/analytics', tags: ['Analytics'] })
    .use(guards)
    .get('/summary', ({ principal, query }) => analytics.summary(principal.tenantId, query), {
      tenant: 'write', query: AnalyticsModel.query,
      response: { 200: AnalyticsModel.summary, ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'KPIs for the range: impressions, clicks, CTR, attributed conversions and revenue', description: tenantHeader, security },
    })
    .get('/timeseries', ({ principal, query }) => analytics.timeseries(principal.tenantId, query), {
      tenant: 'write', query: AnalyticsModel.query,
      response: { 200: AnalyticsModel.timeseries, ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'One point per UTC day of the range (zeros included)', description: tenantHeader, security },
    })
    .get('/top-products', ({ principal, query }) => analytics.topProducts(principal.tenantId, query), {
      tenant: 'write', query: AnalyticsModel.topQuery,
      response: { 200: AnalyticsModel.topProducts, ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'The 10 most recommended (impressions) or most clicked recommended products, with catalog names', description: tenantHeader, security },
    })
    .get('/segments', ({ principal, query }) => analytics.segments(principal.tenantId, query), {
      tenant: 'write', query: AnalyticsModel.query,
      response: { 200: AnalyticsModel.segments, ...problems(400, 401, 403, 404) },
      detail: {
        summary: 'Recommendation impressions, clicks and CTR per shopper segment',
        description: `${tenantHeader} Counted from the raw impression and click events of the range, each shopper in the segments they are in now `
          + '(membership is evaluated at request time, not stored with events); a shopper in several segments counts in each; '
          + 'the 20,000 shoppers with most impressions are counted (meta.complete). Conversions are not split by segment.',
        security,
      },
    })
    .get('/placements', ({ principal, query }) => analytics.placements(principal.tenantId, query), {
      tenant: 'write', query: AnalyticsModel.query,
      response: { 200: AnalyticsModel.placements, ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'KPIs per placement (the 100 with most impressions)', description: tenantHeader, security },
    })
    .get('/export.csv', async ({ principal, query }) => {
      const { body, filename } = await analytics.exportCsv(principal.tenantId, query)
      return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' } })
    }, {
      tenant: 'write', query: AnalyticsModel.query,
      response: { 200: T.String({ description: 'text/csv: daily rows with a Total row, then placements, top recommended and top clicked products, each section with its header row' }), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Everything the analytics page shows, as a CSV download', description: tenantHeader, security },
    })
    .get('/overview', ({ actor, query }) => analytics.overview(actor.accountId, query), {
      account: true, query: AnalyticsModel.query,
      response: { 200: AnalyticsModel.overview, ...problems(400, 401, 403) },
      detail: { summary: "The same KPIs for each tenant of the account (no X-Tenant-ID; X-Account-ID picks the account)", description: MAY_LAG.trim(), security: accountSecurity },
    })
}
