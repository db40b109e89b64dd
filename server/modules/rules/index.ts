import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { MAX_RULES_PER_TENANT, RuleModel } from './model.ts'
import type { RuleInput, RulePatch, RuleService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]
const ORDER = 'Rules run after the strategy, its fallback and padding, in a fixed order: hard exclusions (unavailable, purchased, the context product, the cart) → filters and excludes → boosts and buries (rescore, re-rank) → diversity caps → pins → truncate to the limit. Within a stage, higher priority first.'

export function ruleRoutes(rules: RuleService, guards: ReturnType<typeof authGuards>) {
  return new Elysia({ prefix: '/rules', tags: ['Rules'] })
    .use(guards)
    .post('', async ({ principal, body, status }) => status(201, { data: await rules.create(principal.tenantId, body as RuleInput) }), {
      tenant: 'write', body: RuleModel.create,
      response: { 201: Envelope(RuleModel.rule), ...problems(400, 401, 403, 409, 429) },
      detail: { summary: 'Create a merchandising rule (filter, exclude, boost, bury, pin or diversify)', description: `${ACCESS.write} ${ORDER} A tenant keeps at most ${MAX_RULES_PER_TENANT} rules (409 past that). Invalid conditions are a 400 whose errors name the path, e.g. condition.and[1].op.`, security },
    })
    .get('', async ({ principal }) => ({ data: await rules.list(principal.tenantId) }), {
      tenant: 'write',
      response: { 200: T.Object({ data: T.Array(RuleModel.rule) }), ...problems(401, 403, 429) },
      detail: { summary: "The tenant's rules, oldest first", description: `${ACCESS.write} ${ORDER}`, security },
    })
    .get('/:id', async ({ principal, params }) => ({ data: await rules.get(principal.tenantId, params.id) }), {
      tenant: 'write', params: RuleModel.params,
      response: { 200: Envelope(RuleModel.rule), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'One rule', description: ACCESS.write, security },
    })
    .put('/:id', async ({ principal, params, body }) => ({ data: await rules.replace(principal.tenantId, params.id, body as RuleInput) }), {
      tenant: 'write', params: RuleModel.params, body: RuleModel.create,
      response: { 200: Envelope(RuleModel.rule), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Replace a rule (applies to the next answers on every instance)', description: ACCESS.write, security },
    })
    .patch('/:id', async ({ principal, params, body }) => ({ data: await rules.patch(principal.tenantId, params.id, body as RulePatch) }), {
      tenant: 'write', params: RuleModel.params, body: RuleModel.patch,
      response: { 200: Envelope(RuleModel.rule), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Change some fields of a rule (e.g. { "active": false })', description: ACCESS.write, security },
    })
    .delete('/:id', async ({ principal, params, set }) => { await rules.remove(principal.tenantId, params.id); set.status = 204; return null }, {
      tenant: 'write', params: RuleModel.params,
      response: { 204: T.Null(), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'Delete a rule', description: ACCESS.write, security },
    })
}
