import type { UsageRecorder } from '../api-keys/usage.ts'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Elysia } from 'elysia'
import { ACCESS, type authGuards, WRITE_REQUIRED } from '../../http/auth.ts'
import { Forbidden } from '../../errors.ts'
import { requestInfo } from '../../http/request-context.ts'
import { jsonResponse } from '../../http/preserialized.ts'
import type { ServiceMetrics } from '../../infra/metrics.ts'
import { Envelope, problems, T } from '../../http/schemas.ts'
import { RecommendationModel } from './model.ts'
import type { RecommendationService, Served } from './service.ts'
import type { Recommendation } from '../../engine/types.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]

const metaOf = (s: Served, requestId: string) => ({
  strategy: s.strategy, context: s.context, requestId, modelVersion: s.modelVersion, cached: s.cached, padded: s.padded,
  ...(s.stale ? { stale: true } : {}), ...(s.modelLoading ? { modelLoading: true } : {}), ...(s.experiment ? { experiment: s.experiment } : {}), ...(s.segment ? { segment: s.segment } : {}),
})

export function recommendationRoutes(recs: RecommendationService, guards: ReturnType<typeof authGuards>, metrics?: ServiceMetrics, usage?: Pick<UsageRecorder, 'tally'>) {
  // Label sets bound once: this route records them on every request.
  const hits = metrics?.cache.labels({ result: 'hit' }), misses = metrics?.cache.labels({ result: 'miss' })
  const durations = new Map<string, { observe(ms: number): void }>()
  const durationOf = (strategy: string) => {
    let d = durations.get(strategy)
    if (!d && metrics) durations.set(strategy, (d = metrics.recommendationDuration.labels({ strategy })))
    return d
  }
  // Elysia's `t` is TypeBox; Deno's checker sees its declarations as another copy of the package.
  const validItems = TypeCompiler.Compile(T.Array(RecommendationModel.item) as unknown as TSchema)
  // An answer's meta, but for the request id, serialised once per answer (the list is
  // serialised already; a copy of it here would double what the cache holds).
  const tails = new WeakMap<Served, string>()
  const tailOf = (s: Served) => {
    const { requestId: _, ...rest } = metaOf(s, '')
    return `,${JSON.stringify(rest).slice(1)}}`
  }
  return new Elysia({ tags: ['Recommendations'] })
    .use(guards)
    .get('/recommendations', async ({ principal, query, request }) => {
      if (query.explain) {
        if (principal.permissions !== 'write') throw new Forbidden(`explain=true: ${WRITE_REQUIRED}`)
        const s = await recs.explain(principal.tenantId, principal.config, query)
        return { data: s.items!, meta: metaOf(s, requestInfo(request)?.id ?? ''), explain: s.trace }
      }
      const t0 = performance.now()
      const s = await recs.recommend(principal.tenantId, principal.config, query)
      usage?.tally(principal.tenantId, principal.keyId, 'recommendationRequests')
      durationOf(s.strategy)?.observe(performance.now() - t0)
      if (s.cached) hits?.inc()
      else misses?.inc()
      const requestId = requestInfo(request)?.id ?? ''
      // The list comes serialised (once, when it was worked out, for the cache
      // too): written as is, around the request id, it skips Elysia's second
      // serialisation and its validation of the value. A fresh list is checked
      // against the item schema here instead (compiled; hits were checked then).
      if (s.itemsJson !== undefined) {
        if (s.items && !s.cached && !validItems.Check(s.items)) throw new Error(`recommendation items do not match their schema: ${[...validItems.Errors(s.items)][0]?.message}`)
        // A hit's view is the same object every time: its meta is kept; a fresh answer's is made once.
        let tail = s.cached ? tails.get(s) : undefined
        if (tail === undefined) { tail = tailOf(s); if (s.cached) tails.set(s, tail) }
        // Request ids need no escaping (generated, or checked against [\w.:-] by request-context). Typed as the body it carries.
        return jsonResponse(request, `{"data":${s.itemsJson},"meta":{"requestId":"${requestId}"${tail}`) as unknown as { data: Recommendation[]; meta: ReturnType<typeof metaOf> }
      }
      return { data: s.items!, meta: metaOf(s, requestId) } // without its serialised form, a list comes as values
    }, {
      tenant: 'read', query: RecommendationModel.query,
      response: { 200: T.Object({ data: T.Array(RecommendationModel.item), meta: RecommendationModel.meta, explain: T.Optional(RecommendationModel.explain) }), ...problems(400, 401, 403, 429, 503) },
      detail: { summary: 'Recommendations for a shopper, each with a score and the reason it is there', description: `${ACCESS.read} explain=true needs a write key or an admin token.`, security },
    })
    .post('/models/rebuild', async ({ principal, status }) => status(202, { data: await recs.requestRebuild(principal.tenantId) }), {
      tenant: 'write',
      response: { 202: Envelope(RecommendationModel.status), ...problems(401, 403, 429) },
      detail: { summary: "Rebuild the tenant's model now (it is also refreshed every 15 minutes and fully rebuilt daily)", description: ACCESS.write, security },
    })
    .get('/models', async ({ principal }) => ({ data: await recs.status(principal.tenantId) }), {
      tenant: 'write',
      response: { 200: Envelope(RecommendationModel.status), ...problems(401, 403, 429) },
      detail: { summary: "The tenant's model: status, version, build time and statistics", description: ACCESS.write, security },
    })
}
