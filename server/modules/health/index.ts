import { Elysia } from 'elysia'
import { cacheState, type Cache } from '../../infra/cache/index.ts'
import { Forbidden, Unauthorized, type AppError } from '../../errors.ts'
import type { ServiceMetrics } from '../../infra/metrics.ts'
import { problems, T } from '../../http/schemas.ts'

export interface HealthProbe { db: 'pglite' | 'postgres'; cache: Pick<Cache, 'kind' | 'healthy'>; ready: () => boolean }

const HealthStatus = T.Object({ status: T.Union([T.Literal('ok'), T.Literal('starting')]), db: T.Union([T.Literal('pglite'), T.Literal('postgres')]), cache: T.Union([T.Literal('memory'), T.Literal('redis'), T.Literal('degraded')]) })

export const healthRoutes = (p: HealthProbe) => new Elysia({ tags: ['Health'] })
  .get('/health', ({ set }) => {
    if (!p.ready()) set.status = 503
    // `degraded`: REDIS_URL is set but Redis does not answer; this instance serves on its in-process fallbacks meanwhile.
    return { status: p.ready() ? 'ok' as const : 'starting' as const, db: p.db, cache: cacheState(p.cache) }
  }, {
    response: { 200: HealthStatus, 503: HealthStatus },
    detail: { summary: 'Liveness and readiness' },
  })

export interface MetricsAccess {
  /** METRICS_TOKEN: the Bearer token a scraper sends. */
  token?: string
  /** Without a token, production refuses every scrape (the figures name tenants' routes and volumes). */
  production: boolean
}

/** Why a scrape is refused, or undefined when it may proceed. */
function metricsRefusal(authorization: string | null, access: MetricsAccess): AppError | undefined {
  if (!access.token) {
    return access.production
      ? new Forbidden('/metrics is closed in production until METRICS_TOKEN is set (16+ characters); scrape with Authorization: Bearer <METRICS_TOKEN>')
      : undefined
  }
  const sent = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim()
  if (!sent) return new Unauthorized('Send Authorization: Bearer <METRICS_TOKEN> to scrape /metrics')
  if (!sameText(sent, access.token)) return new Forbidden('The metrics token is not valid')
  return undefined
}

/** Compares in time independent of where the strings first differ. */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i % (a.length || 1)) || 0) ^ b.charCodeAt(i)
  return diff === 0
}

/** Prometheus scrape endpoint (text format 0.0.4), behind METRICS_TOKEN (see docs/production.md). */
export const metricsRoutes = (m: ServiceMetrics, access: MetricsAccess) => new Elysia({ tags: ['Health'] })
  .get('/metrics', async ({ request }) => {
    const refused = metricsRefusal(request.headers.get('authorization'), access)
    if (refused) throw refused
    return new Response(await m.registry.metrics(), { headers: { 'content-type': m.registry.contentType } })
  }, {
    response: { 200: T.String({ description: 'Prometheus text exposition format 0.0.4 (text/plain)' }), ...problems(401, 403) },
    detail: {
      summary: 'Prometheus metrics: request and recommendation latency, ingestion, group commit, cache, model builds, rate limits, errors',
      description: 'Requires `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set (401 without it, 403 with a wrong one). '
        + 'Without METRICS_TOKEN it is open in development and refused (403) when NODE_ENV=production.',
    },
  })
