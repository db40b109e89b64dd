import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../config.ts'
import { Metrics } from './metrics.ts'
import { BACKENDS } from '../test/backends.ts'
import { testApp } from '../test/harness.ts'
import { waitFor } from '../test/wait-for.ts'

test('the registry renders Prometheus text format', () => {
  const m = new Metrics()
  const c = m.counter('x_total', 'X things')
  c.inc({ kind: 'a' })
  c.child({ kind: 'a' }).inc(2) // a child adds to the same series
  c.inc({ kind: 'q"uote' })
  const h = m.histogram('lat_ms', 'Latency', [1, 10])
  h.observe({ route: '/r' }, 0.5)
  h.child({ route: '/r' }).observe(5)
  h.observe({ route: '/r' }, 50)
  m.gauge('g', 'A gauge', () => 7)
  const text = m.render()
  expect(text).toContain('# TYPE x_total counter\nx_total{kind="a"} 3\nx_total{kind="q\\"uote"} 1')
  expect(text).toContain('lat_ms_bucket{route="/r",le="1"} 1\nlat_ms_bucket{route="/r",le="10"} 2\nlat_ms_bucket{route="/r",le="+Inf"} 3\nlat_ms_sum{route="/r"} 55.5\nlat_ms_count{route="/r"} 3')
  expect(text).toContain('# TYPE g gauge\ng 7')
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
