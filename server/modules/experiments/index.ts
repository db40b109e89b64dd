import { Elysia } from 'elysia'
import { Forbidden } from '../../errors.ts'
import { ACCESS, type authGuards, WRITE_REQUIRED } from '../../http/auth.ts'
import { Envelope, ListEnvelope, page, problems, T } from '../../http/schemas.ts'
import { ExperimentModel } from './model.ts'
import type { ExperimentService } from './service.ts'

const security: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }]

export function experimentRoutes(exps: ExperimentService, guards: ReturnType<typeof authGuards>) {
  const routes = new Elysia({ prefix: '/experiments', tags: ['Experiments'] })
    .use(guards)
    .post('', async ({ principal, body, status }) => status(201, { data: await exps.create(principal.tenantId, body) }), {
      tenant: 'write', body: ExperimentModel.create,
      response: { 201: Envelope(ExperimentModel.experiment), ...problems(400, 401, 403, 409, 429) },
      detail: { summary: 'Create an experiment (running by default, or draft)', description: ACCESS.write, security },
    })
    .get('', async ({ principal, query }) => {
      const { rows, total } = await exps.list(principal.tenantId, query)
      return page(rows, total, query.limit, query.offset)
    }, {
      tenant: 'write', query: ExperimentModel.listQuery,
      response: { 200: ListEnvelope(ExperimentModel.experiment), ...problems(400, 401, 403, 429) },
      detail: { summary: 'List experiments', description: ACCESS.write, security },
    })
    // Before '/:id', which would take 'traffic' as an id.
    .get('/traffic', async ({ principal }) => ({ data: await exps.traffic(principal.tenantId) }), {
      tenant: 'write',
      response: { 200: Envelope(ExperimentModel.traffic), ...problems(401, 403, 429) },
      detail: {
        summary: "The tenant's traffic per placement over the last 14 days, for estimating an experiment's duration",
        description: `${ACCESS.write} The window is the 14 whole UTC days before today. Impressions, clicks and conversions come from the daily rollups. Shoppers a day are distinct (shopper, UTC day) pairs among recommendation_impressed events, read from at most the newest 200,000 such events of the tenant; when that cap is reached, the pairs of the whole days those events cover are divided by that number of days (within a single day, by the part of it read) instead of 14.`,
        security,
      },
    })
    .get('/:id', async ({ principal, params }) => {
      const e = await exps.get(principal.tenantId, params.id)
      // The SDK's getVariant reads a running experiment with the public read key; nothing else is public.
      if (principal.permissions !== 'write' && e.status !== 'running') throw new Forbidden(WRITE_REQUIRED)
      return { data: e }
    }, {
      tenant: 'read', params: ExperimentModel.params,
      response: { 200: Envelope(ExperimentModel.experiment), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Get an experiment', description: ACCESS.runningExperiment, security },
    })
    .patch('/:id', async ({ principal, params, body }) => ({ data: await exps.patch(principal.tenantId, params.id, body) }), {
      tenant: 'write', params: ExperimentModel.params, body: ExperimentModel.patch,
      response: { 200: Envelope(ExperimentModel.experiment), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: 'Change a draft; once started, only its name', description: ACCESS.write, security },
    })
    .delete('/:id', async ({ principal, params, set }) => { await exps.remove(principal.tenantId, params.id); set.status = 204; return null }, {
      tenant: 'write', params: ExperimentModel.params,
      response: { 204: T.Null(), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: 'Delete a draft experiment', description: ACCESS.write, security },
    })
  routes
    .get('/:id/results', async ({ principal, params }) => ({ data: await exps.results(principal.tenantId, params.id, principal.config.attributionWindowHours) }), {
      tenant: 'write', params: ExperimentModel.params,
      response: { 200: Envelope(ExperimentModel.results), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Results: metric per arm, relative lift with CI, p-value, significance, sample ratio mismatch, minimum sample size, daily', description: ACCESS.write, security },
    })
    .post('/:id/promote', async ({ principal, params }) => ({ data: await exps.promote(principal.tenantId, params.id, principal.config.attributionWindowHours) }), {
      tenant: 'write', params: ExperimentModel.params,
      response: { 200: Envelope(T.Object({
        experiment: ExperimentModel.experiment,
        winner: T.String({ description: "the promoted arm's key ('control' | 'variant' in the two-arm form)" }),
        promoted: T.Object({ placement: T.Union([T.String(), T.Null()], { description: 'null: the tenant default' }), strategy: T.String() }),
        results: ExperimentModel.results,
      })), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: 'Complete the experiment and make the winning strategy the default for its placement (or the tenant)', description: ACCESS.write, security },
    })
  // The state machine's four transitions, one route each.
  for (const [t, summary] of [['start', 'Start a draft'], ['pause', 'Pause a running experiment'], ['resume', 'Resume a paused experiment'], ['complete', 'Complete a running or paused experiment']] as const) {
    routes.post(`/:id/${t}`, async ({ principal, params }) => ({ data: await exps.transition(principal.tenantId, params.id, t) }), {
      tenant: 'write', params: ExperimentModel.params,
      response: { 200: Envelope(ExperimentModel.experiment), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: `${summary} (draft → running ⇄ paused → completed; anything else is 409)`, description: ACCESS.write, security },
    })
  }
  return routes
}
