// The service's Prometheus metrics (text exposition format 0.0.4), kept by prom-client.
// Each app owns its own Registry: tests build many apps in one process, and a
// registry refuses a name registered twice. No default process metrics: they read
// Node's process and perf_hooks internals, which differ between Bun and Deno.
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]

/** The service's own metrics (NFR-032/033), created once per app. */
export function serviceMetrics() {
  const registry = new Registry()
  const registers = [registry]
  // Label names are declared: prom-client throws on an undeclared one, and the types catch it first.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers })
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets = LATENCY_BUCKETS_MS) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers })
  return {
    registry,
    httpDuration: histogram('recomengine_http_request_duration_ms', 'HTTP request latency by route and status, in milliseconds', ['method', 'route', 'status']),
    recommendationDuration: histogram('recomengine_recommendation_duration_ms', 'Recommendation latency by strategy that ran, in milliseconds', ['strategy']),
    events: counter('recomengine_events_total', 'Events by outcome: accepted, duplicate, rejected', ['outcome']),
    groupSize: histogram('recomengine_group_commit_size', 'Events per group-commit transaction', [], [1, 5, 10, 50, 100, 250, 500, 1000]),
    groupWait: histogram('recomengine_group_commit_wait_ms', 'Time an event waited for its group to be written, in milliseconds', []),
    cache: counter('recomengine_recommendation_cache_total', 'Recommendation answers by cache result: hit or miss', ['result']),
    modelBuilds: histogram('recomengine_model_build_duration_ms', 'Model build durations, in milliseconds', [], [100, 500, 1000, 5000, 10000, 30000, 60000, 300000]),
    rateLimited: counter('recomengine_rate_limited_total', 'Requests refused by a rate limit, by budget: read, write (per key), admin (per admin user), auth-failures (per address)', ['budget']),
    replicaFallbacks: counter('recomengine_read_replica_fallbacks_total', 'Lag-tolerant reads served by the primary because the DATABASE_READ_URL replica was unreachable or cancelled them, by reason', ['reason']),
    dependencyErrors: counter('recomengine_dependency_errors_total', 'Database and Redis errors seen while serving', ['dependency']),
    /** A value read when scraped (queue length, readiness); a value that is not finite reads as 0. */
    gauge(name: string, help: string, read: () => number) {
      new Gauge({ name, help, registers, collect() { const v = read(); this.set(Number.isFinite(v) ? v : 0) } })
    },
    /** A count kept elsewhere (only ever growing), read when scraped. */
    counterFrom(name: string, help: string, read: () => number) {
      new Counter({ name, help, registers, collect() { this.reset(); const v = read(); if (Number.isFinite(v) && v > 0) this.inc(v) } })
    },
    /**
     * Several values from one read when scraped (one database query for a queue's figures): the
     * gauges of a scrape share the read. A failed read leaves the last values.
     */
    gaugesFrom<K extends string>(read: () => Promise<Record<K, number>>, gauges: Record<K, { name: string; help: string }>) {
      let last: { at: number; values: Promise<Record<K, number> | undefined> } | undefined
      const values = () => {
        if (!last || performance.now() - last.at > 1000) last = { at: performance.now(), values: read().catch(() => undefined) }
        return last.values
      }
      for (const key of Object.keys(gauges) as K[]) {
        new Gauge({ ...gauges[key], registers, async collect() {
          const v = (await values())?.[key]
          if (v !== undefined && Number.isFinite(v)) this.set(v)
        } })
      }
    },
  }
}
export type ServiceMetrics = ReturnType<typeof serviceMetrics>
