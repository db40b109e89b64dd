import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../config.ts'
import { serviceMetrics } from './metrics.ts'
import { BACKENDS } from '../test/backends.ts'
import { testApp } from '../test/harness.ts'
import { waitFor } from '../test/wait-for.ts'

describe('serviceMetrics', () => {
  test('counters: a resolved series and labels passed per call add to the same series', async () => {
    const m = serviceMetrics()
    m.events.inc({ outcome: 'accepted' })
    m.events.labels({ outcome: 'accepted' }).inc(2)
    m.events.inc({ outcome: 'rejected' }, 5)
    const text = await m.registry.metrics()
    expect(text).toContain('# HELP recomengine_events_total Events by outcome: accepted, duplicate, rejected\n# TYPE recomengine_events_total counter\n')
    expect(text).toContain('recomengine_events_total{outcome="accepted"} 3\n')
    expect(text).toContain('recomengine_events_total{outcome="rejected"} 5\n')
  })

  test('histograms: cumulative buckets, +Inf, sum and count per label set', async () => {
    const m = serviceMetrics()
    for (const size of [0.5, 5, 2000]) m.groupSize.observe({}, size)
    const route = m.httpDuration.labels({ method: 'GET', route: '/r', status: '200' })
    route.observe(0.5)
    route.observe(30)
    m.httpDuration.observe({ method: 'POST', route: '/r', status: '202' }, 6000)
    const text = await m.registry.metrics()
    expect(text).toContain('# TYPE recomengine_group_commit_size histogram\n'
      + 'recomengine_group_commit_size_bucket{le="1"} 1\nrecomengine_group_commit_size_bucket{le="5"} 2\n'
      + 'recomengine_group_commit_size_bucket{le="10"} 2\nrecomengine_group_commit_size_bucket{le="50"} 2\n'
      + 'recomengine_group_commit_size_bucket{le="100"} 2\nrecomengine_group_commit_size_bucket{le="250"} 2\n'
      + 'recomengine_group_commit_size_bucket{le="500"} 2\nrecomengine_group_commit_size_bucket{le="1000"} 2\n'
      + 'recomengine_group_commit_size_bucket{le="+Inf"} 3\n'
      + 'recomengine_group_commit_size_sum 2005.5\nrecomengine_group_commit_size_count 3\n')
    const get = 'method="GET",route="/r",status="200"'
    expect(text).toContain(`recomengine_http_request_duration_ms_bucket{le="1",${get}} 1\n`)
    expect(text).toContain(`recomengine_http_request_duration_ms_bucket{le="25",${get}} 1\n`)
    expect(text).toContain(`recomengine_http_request_duration_ms_bucket{le="50",${get}} 2\n`)
    expect(text).toContain(`recomengine_http_request_duration_ms_bucket{le="+Inf",${get}} 2\n`)
    expect(text).toContain(`recomengine_http_request_duration_ms_sum{${get}} 30.5\n`)
    expect(text).toContain('recomengine_http_request_duration_ms_bucket{le="5000",method="POST",route="/r",status="202"} 0\n')
    expect(text).toContain('recomengine_http_request_duration_ms_count{method="POST",route="/r",status="202"} 1\n')
  })

  test('label values are escaped: backslash, double quote, newline', async () => {
    const m = serviceMetrics()
    m.dependencyErrors.inc({ dependency: 'a\\b"c\nd' })
    expect(await m.registry.metrics()).toContain('recomengine_dependency_errors_total{dependency="a\\\\b\\"c\\nd"} 1\n')
  })

  test('gauges are read when scraped; a value that is not finite reads as 0', async () => {
    const m = serviceMetrics()
    let backlog = 3
    m.gauge('recomengine_ingest_backlog', 'Events waiting', () => backlog)
    expect(await m.registry.metrics()).toContain('# TYPE recomengine_ingest_backlog gauge\nrecomengine_ingest_backlog 3\n')
    backlog = 40
    expect(await m.registry.metrics()).toContain('recomengine_ingest_backlog 40\n')
    backlog = NaN
    expect(await m.registry.metrics()).toContain('recomengine_ingest_backlog 0\n')
  })

  test('each call owns its registry: a second app neither collides with nor sees the first', async () => {
    const a = serviceMetrics()
    a.cache.inc({ result: 'hit' })
    a.gauge('recomengine_ready', 'Ready', () => 1)
    const b = serviceMetrics()
    b.gauge('recomengine_ready', 'Ready', () => 0)
    expect(await a.registry.metrics()).toContain('recomengine_recommendation_cache_total{result="hit"} 1\n')
    const text = await b.registry.metrics()
    expect(text).not.toContain('recomengine_recommendation_cache_total{')
    expect(text).toContain('recomengine_ready 0\n')
  })
})

for (const name of BACKENDS) {
  describe(`GET /metrics [${name}]`, async () => {
    const t = await testApp(name)
    test('request latency by route and status, events by outcome, group commit, rate limits, recommendations', async () => {
      const k = await t.tenantWithKeys({ rateLimits: { read: 2, write: 1000 } })
      // One timestamp for both: read twice, the clock can tick between them, and the second is then no duplicate.
      const timestamp = new Date(Date.now() - 1000).toISOString()
      await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        { eventType: 'product_viewed', userId: 'u', productId: 'p', timestamp },
        { eventType: 'product_viewed', userId: 'u', productId: 'p', timestamp },
        { eventType: 'nope' },
      ] } })
      for (let i = 0; i < 3; i++) await t.req('GET', '/api/v1/recommendations?userId=u', { key: k.readKey })
      // Request latency is recorded in onAfterResponse, which runs after the response is handed back:
      // scrape until it is there.
      const httpSeries = /recomengine_http_request_duration_ms_count\{method="POST",route="\/api\/v1\/events\/batch",status="202"\} \d+/
      const r = await waitFor('the request series in /metrics', async () => { const r = await t.req('GET', '/metrics'); return httpSeries.test(r.text) && r })
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
      const text = r.text
      expect(text).toMatch(httpSeries)
      expect(text).toMatch(/recomengine_events_total\{outcome="accepted"\} \d+/)
      expect(text).toMatch(/recomengine_events_total\{outcome="duplicate"\} \d+/)
      expect(text).toMatch(/recomengine_events_total\{outcome="rejected"\} \d+/)
      expect(text).toMatch(/recomengine_group_commit_size_count \d+/)
      expect(text).toMatch(/recomengine_rate_limited_total\{budget="read"\} \d+/)
      expect(text).toMatch(/recomengine_recommendation_duration_ms_count\{strategy="trending_fallback"\} \d+/)
      expect(text).toMatch(/recomengine_recommendation_cache_total\{result="miss"\} \d+/)
      expect(text).toMatch(/recomengine_ingest_backlog \d+/)
      expect(text).toContain('recomengine_redis_up 1')
    })
  })
}

describe('GET /metrics access (METRICS_TOKEN)', async () => {
  const token = 'metrics-token-0123456789'
  const guarded = await testApp('pglite', { metricsToken: token })
  const production = await testApp('pglite', { nodeEnv: 'production' })
  const development = await testApp('pglite')
  test('with METRICS_TOKEN set: 401 without it, 403 with a wrong one, 200 with it', async () => {
    const none = await guarded.req('GET', '/metrics')
    expect(none.status).toBe(401)
    expect(none.headers.get('content-type')).toBe('application/problem+json')
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    const wrong = await guarded.req('GET', '/metrics', { token: `${token}x` })
    expect(wrong.status).toBe(403)
    expect(wrong.text).not.toContain('recomengine_')
    expect((await guarded.req('GET', '/metrics', { token: token.slice(0, -1) })).status).toBe(403)
    const ok = await guarded.req('GET', '/metrics', { token })
    expect(ok.status).toBe(200)
    expect(ok.text).toContain('recomengine_ready 1')
  })
  test('without METRICS_TOKEN: refused in production with how to open it, open in development', async () => {
    const closed = await production.req('GET', '/metrics')
    expect(closed.status).toBe(403)
    expect(closed.body.detail).toContain('METRICS_TOKEN')
    expect((await development.req('GET', '/metrics')).status).toBe(200)
  })
  test('METRICS_TOKEN shorter than 16 characters stops start-up', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/)
  })
})
