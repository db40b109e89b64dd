import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { BUILT_IN_SEGMENTS } from './membership.ts'
import { SegmentModel } from './model.ts'
import type { SegmentService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]
const BUILT_INS = `Built-in segments (${BUILT_IN_SEGMENTS.join(', ')}) are always there and cannot be changed.`

/** Shopper segments (F-014): named conditions over a shopper's live profile. */
export function segmentRoutes(segments: SegmentService, guards: ReturnType<typeof authGuards>) {
  const list = new Elysia({ prefix: '/segments', tags: ['Segments'] })
    .use(guards)
    .get('', async ({ principal, query }) => segments.list(principal.tenantId, query.sizes === true), {
      tenant: 'write', query: SegmentModel.listQuery,
      response: { 200: T.Object({ data: T.Array(SegmentModel.segment), meta: T.Optional(SegmentModel.sizesMeta) }), ...problems(400, 401, 403, 429) },
      detail: { summary: 'Segments: the built-in ones, then the tenant\'s by key; ?sizes=true counts the shoppers in each (last 30 days)', description: `${ACCESS.write} ${BUILT_INS}`, security },
    })
    .post('', async ({ principal, body, status }) => status(201, { data: await segments.create(principal.tenantId, body) }), {
      tenant: 'write', body: SegmentModel.create,
      response: { 201: Envelope(SegmentModel.segment), ...problems(400, 401, 403, 409, 429) },
      detail: {
        summary: 'Create a segment: { key, name, conditions } over the shopper\'s profile',
        description: `${ACCESS.write} A 400 names the bad path of the conditions (conditions.and[1].op). 409 when the key is taken or built in. ${BUILT_INS}`,
        security,
      },
    })
    .get('/:key', async ({ principal, params }) => ({ data: await segments.get(principal.tenantId, params.key) }), {
      tenant: 'write', params: SegmentModel.params,
      response: { 200: Envelope(SegmentModel.segment), ...problems(400, 401, 403, 404, 429) },
      detail: { summary: 'One segment', description: ACCESS.write, security },
    })
    .put('/:key', async ({ principal, params, body }) => ({ data: await segments.replace(principal.tenantId, params.key, body) }), {
      tenant: 'write', params: SegmentModel.params, body: SegmentModel.replace,
      response: { 200: Envelope(SegmentModel.segment), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: "Replace a segment's name and conditions (its key stays)", description: `${ACCESS.write} Serving uses the change within a second on every instance. ${BUILT_INS}`, security },
    })
    .delete('/:key', async ({ principal, params, set }) => { await segments.remove(principal.tenantId, params.key); set.status = 204; return null }, {
      tenant: 'write', params: SegmentModel.params,
      response: { 204: T.Null(), ...problems(400, 401, 403, 404, 409, 429) },
      detail: { summary: 'Delete a segment', description: `${ACCESS.write} Segment strategies and experiments naming it match nobody from then on. ${BUILT_INS}`, security },
    })
  const members = new Elysia({ prefix: '/users', tags: ['Segments'] })
    .use(guards)
    .get('/:userId/segments', async ({ principal, params }) => ({ data: { userId: params.userId, segments: await segments.forShopper(principal.tenantId, params.userId) } }), {
      tenant: 'write', params: SegmentModel.userParams,
      response: { 200: Envelope(SegmentModel.userSegments), ...problems(400, 401, 403, 429) },
      detail: {
        summary: "The shopper's segments now, from their live profile (an event counts as soon as it is accepted)",
        description: `${ACCESS.write} A shopper never seen is a new_visitor.`,
        security,
      },
    })
  return new Elysia().use(list).use(members)
}
