import { Elysia } from 'elysia'
import { cacheState, type Cache } from '../../cache/index.ts'
import type { ServiceMetrics } from '../../metrics.ts'
import { T } from '../../schemas.ts'

export interface HealthProbe { db: 'pglite' | 'postgres'; cache: Pick<Cache, 'kind' | 'healthy'>; ready: () => boolean }

export const healthRoutes = (p: HealthProbe) => new Elysia({ tags: ['Health'] })
  .get('/health', ({ set }) => {
    if (!p.ready()) set.status = 503
    // `degraded`: REDIS_URL is set but Redis does not answer; this instance serves on its in-process fallbacks meanwhile.
    return { status: p.ready() ? 'ok' as const : 'starting' as const, db: p.db, cache: cacheState(p.cache) }
  }, {
    response: { 200: T.Object({ status: T.Union([T.Literal('ok'), T.Literal('starting')]), db: T.Union([T.Literal('pglite'), T.Literal('postgres')]), cache: T.Union([T.Literal('memory'), T.Literal('redis'), T.Literal('degraded')]) }), 503: T.Any() },
    detail: { summary: 'Liveness and readiness' },
  })

/** Prometheus scrape endpoint (text format 0.0.4). Serve it on an internal network. */
export const metricsRoutes = (m: ServiceMetrics) => new Elysia({ tags: ['Health'] })
  .get('/metrics', () => new Response(m.registry.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } }), {
    detail: { summary: 'Prometheus metrics: request and recommendation latency, ingestion, group commit, cache, model builds, rate limits, errors' },
  })
