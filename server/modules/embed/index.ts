// Embedded analytics (F-016). Two halves:
//  - minting and revoking, for the tenant's account (a member with the admin role, or an account key): POST /tenants/:id/embed-tokens, POST /tenants/:id/embed-key/rotate;
//  - what the embedded console pages read, with nothing but an embed session (X-Embed-Session): the session
//    exchange, then read-only analytics and experiment results scoped to the session's tenant and views.
import { Elysia } from 'elysia'
import type { authGuards } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems, T } from '../../http/schemas.ts'
import type { AnalyticsService } from '../analytics/service.ts'
import { AnalyticsModel } from '../analytics/model.ts'
import type { ExperimentService } from '../experiments/service.ts'
import { ExperimentModel } from '../experiments/model.ts'
import type { TenantService } from '../tenants/service.ts'
import { EmbedModel } from './model.ts'
import { requireView, type EmbedPrincipal, type EmbedService } from './service.ts'

const adminSecurity: Record<string, string[]>[] = [{ bearer: [] }, { accountKey: [] }]
const WHO = 'A member access token of the tenant\'s account with the admin role or above (X-Account-ID picks the account), or an account key (ak_live_…) of that account.'
const sessionSecurity = [{ embedSession: [] }]
const SESSION_HEADER = 'An embed session (X-Embed-Session, from POST /embed/sessions) whose token includes this view. Read-only.'

export function embedAdminRoutes(embed: EmbedService, tenants: TenantService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ tags: ['Embed'] })
    .use(guards)
    .post('/tenants/:id/embed-tokens', async ({ actor, params, body, status }) => {
      await tenants.owned(actor.accountId, params.id)
      return status(201, { data: await embed.mint(params.id, body) })
    }, {
      account: true, params: EmbedModel.params, body: EmbedModel.mint,
      response: { 201: Envelope(EmbedModel.minted), ...problems(400, 401, 403, 404, 429) },
      detail: {
        summary: 'Mint an embed token: a signed, read-only link to this tenant\'s analytics or experiments for an iframe',
        description: `${WHO} The token is a JWT signed with the tenant's own embed key (never the admin one), `
          + "scoped to the tenant and `views`; put `url` in an iframe on a site listed in the tenant's `config.embed.allowedOrigins`. "
          + 'A view naming an experiment of another tenant is 404.',
        security: adminSecurity,
      },
    })
    .post('/tenants/:id/embed-key/rotate', async ({ actor, params }) => {
      await tenants.owned(actor.accountId, params.id)
      return { data: await embed.rotate(params.id) }
    }, {
      account: true, params: EmbedModel.params,
      response: { 200: Envelope(EmbedModel.rotated), ...problems(401, 403, 404, 429) },
      detail: { summary: 'Rotate the tenant\'s embed key: every embed token and session issued so far stops working at once', description: WHO, security: adminSecurity },
    })
}

/** `checkCredential`: the auth guards' failed-authentication limit per address (AUTH_FAILURE_LIMIT), for tokens and sessions too. */
export function embedRoutes(embed: EmbedService, analytics: AnalyticsService, exps: ExperimentService,
  checkCredential: ReturnType<typeof authGuards>['checkCredential']) {
  const sessions = new WeakMap<Request, EmbedPrincipal>()
  const guard = new Elysia({ name: 'embed-session' }).macro({
    // In transform, like the auth guards: an unauthenticated request is a 401 whatever its query.
    embedView: (view: 'any' | 'analytics' | 'experiments') => ({
      async transform({ request }) {
        const p = await checkCredential(request, () => embed.session(request.headers.get('x-embed-session')))
        if (view === 'analytics') requireView(p, 'analytics')
        sessions.set(request, p)
      },
      resolve: ({ request }) => ({ embedded: sessions.get(request)! }),
    }),
  })
  const analyticsRoute = { embedView: 'analytics' as const, detail: { description: SESSION_HEADER, security: sessionSecurity } }
  const bad = problems(400, 401, 403, 429)

  return new Elysia({ prefix: '/embed', tags: ['Embed'] })
    .use(guard)
    .post('/sessions', async ({ request, body, status }) => status(201, { data: await checkCredential(request, () => embed.openSession(body.token)) }), {
      body: EmbedModel.exchange,
      response: { 201: Envelope(EmbedModel.session), ...problems(400, 401, 429) },
      detail: { summary: 'Exchange an embed token for a short session (what the embedded page does on its first load)', description: 'No other credential: the token is the credential. An invalid, expired, revoked (rotated) or suspended tenant\'s token is 401.' },
    })
    .get('/session', ({ embedded }) => ({ data: embedded.dto }), {
      embedView: 'any',
      response: { 200: Envelope(EmbedModel.session), ...problems(401, 429) },
      detail: { summary: 'The embed session in use: views, theme, and the origins that may frame it', description: 'X-Embed-Session.', security: sessionSecurity },
    })
    .get('/analytics/summary', ({ embedded, query }) => analytics.summary(embedded.tenantId, query), {
      ...analyticsRoute, query: AnalyticsModel.query, response: { 200: AnalyticsModel.summary, ...bad },
      detail: { ...analyticsRoute.detail, summary: 'Embedded: KPIs for the range (as GET /analytics/summary)' },
    })
    .get('/analytics/timeseries', ({ embedded, query }) => analytics.timeseries(embedded.tenantId, query), {
      ...analyticsRoute, query: AnalyticsModel.query, response: { 200: AnalyticsModel.timeseries, ...bad },
      detail: { ...analyticsRoute.detail, summary: 'Embedded: one point per UTC day (as GET /analytics/timeseries)' },
    })
    .get('/analytics/top-products', ({ embedded, query }) => analytics.topProducts(embedded.tenantId, query), {
      ...analyticsRoute, query: AnalyticsModel.topQuery, response: { 200: AnalyticsModel.topProducts, ...bad },
      detail: { ...analyticsRoute.detail, summary: 'Embedded: the top 10 products (as GET /analytics/top-products)' },
    })
    .get('/analytics/placements', ({ embedded, query }) => analytics.placements(embedded.tenantId, query), {
      ...analyticsRoute, query: AnalyticsModel.query, response: { 200: AnalyticsModel.placements, ...bad },
      detail: { ...analyticsRoute.detail, summary: 'Embedded: KPIs per placement (as GET /analytics/placements)' },
    })
    .get('/analytics/export.csv', async ({ embedded, query }) => {
      const { body, filename } = await analytics.exportCsv(embedded.tenantId, query)
      return new Response(body, { headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' } })
    }, {
      ...analyticsRoute, query: AnalyticsModel.query,
      response: { 200: T.String({ description: 'text/csv, as GET /analytics/export.csv' }), ...bad },
      detail: { ...analyticsRoute.detail, summary: 'Embedded: the analytics CSV (as GET /analytics/export.csv)' },
    })
    .get('/experiments', async ({ embedded, query }) => {
      requireView(embedded, 'experiments')
      const { scope, tenantId } = embedded
      if (scope.experiments === 'all') {
        const { rows, total } = await exps.list(tenantId, query)
        return page(rows, total, query.limit, query.offset)
      }
      // The token's own experiments (at most 20), newest first like the full list.
      const named = await Promise.all(scope.experiments.map((id) => exps.get(tenantId, id).catch(() => null)))
      const rows = named.filter((e): e is NonNullable<typeof e> => e !== null && (!query.status || e.status === query.status))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      return page(rows.slice(query.offset, query.offset + query.limit), rows.length, query.limit, query.offset)
    }, {
      embedView: 'experiments', query: ExperimentModel.listQuery,
      response: { 200: ListEnvelope(ExperimentModel.experiment), ...bad },
      detail: { summary: 'Embedded: the experiments the token names (all with the `experiments` view)', description: SESSION_HEADER, security: sessionSecurity },
    })
    .get('/experiments/:id', async ({ embedded, params }) => {
      requireView(embedded, 'experiments', params.id)
      return { data: await exps.get(embedded.tenantId, params.id) }
    }, {
      embedView: 'experiments', params: ExperimentModel.params,
      response: { 200: Envelope(ExperimentModel.experiment), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Embedded: one experiment (as GET /experiments/{id})', description: `${SESSION_HEADER} An experiment the token does not name is 404.`, security: sessionSecurity },
    })
    .get('/experiments/:id/results', async ({ embedded, params }) => {
      requireView(embedded, 'experiments', params.id)
      return { data: await exps.results(embedded.tenantId, params.id, embedded.config.attributionWindowHours) }
    }, {
      embedView: 'experiments', params: ExperimentModel.params,
      response: { 200: Envelope(ExperimentModel.results), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Embedded: an experiment\'s results with their verdict inputs (as GET /experiments/{id}/results)', description: SESSION_HEADER, security: sessionSecurity },
    })
}

