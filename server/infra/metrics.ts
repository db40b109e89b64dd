// A small Prometheus registry (text exposition format 0.0.4): counters,
// gauges read at scrape time, and histograms with fixed buckets. Pure; the
// app owns one instance and GET /metrics renders it.

type Labels = Record<string, string>
const render = (l: Labels) => Object.keys(l).sort().map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')
// Every request observes a few series: the rendered label string is memoised
// by a cheap raw join (label sets are few: routes and statuses, not paths).
const rendered = new Map<string, string>()
const key = (l: Labels) => {
  let raw = ''
  for (const k in l) raw += `${k}\u0000${l[k]}\u0001`
  let s = rendered.get(raw)
  if (s === undefined) {
    s = render(l)
    if (rendered.size < 10_000) rendered.set(raw, s)
  }
  return s
}
const fmt = (l: string) => (l ? `{${l}}` : '')

const LATENCY_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]

class Counter {
  private values = new Map<string, number>()
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1) { this.add(key(labels), by) }
  /** These labels resolved once, for a call site that counts the same ones on every request. */
  child(labels: Labels) { const k = key(labels); return { inc: (by = 1) => this.add(k, by) } }
  private add(k: string, by: number) { this.values.set(k, (this.values.get(k) ?? 0) + by) }
  render() { return [...this.values].map(([l, v]) => `${this.name}${fmt(l)} ${v}`) }
}

class Histogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(labels: Labels, value: number) { this.add(key(labels), value) }
  /** These labels resolved once, for a call site that observes the same ones on every request. */
  child(labels: Labels) { const k = key(labels); return { observe: (value: number) => this.add(k, value) } }
  private add(k: string, value: number) {
    let s = this.series.get(k)
    if (!s) { s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }; this.series.set(k, s) }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++
    s.sum += value
    s.count++
  }
  render() {
    const out: string[] = []
    for (const [l, s] of this.series) {
      const sep = l ? `${l},` : ''
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`))
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`, `${this.name}_sum${fmt(l)} ${s.sum}`, `${this.name}_count${fmt(l)} ${s.count}`)
    }
    return out
  }
}

export class Metrics {
  private counters: Counter[] = []
  private histograms: Histogram[] = []
  private gauges: { name: string; help: string; read: () => number }[] = []

  counter(name: string, help: string) { const c = new Counter(name, help); this.counters.push(c); return c }
  histogram(name: string, help: string, buckets = LATENCY_BUCKETS_MS) { const h = new Histogram(name, help, buckets); this.histograms.push(h); return h }
  /** A value read when scraped (queue length, hit ratio). */
  gauge(name: string, help: string, read: () => number) { this.gauges.push({ name, help, read }) }

  render(): string {
    const lines: string[] = []
    for (const c of this.counters) lines.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`, ...c.render())
    for (const h of this.histograms) lines.push(`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`, ...h.render())
    for (const g of this.gauges) {
      const v = g.read()
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${Number.isFinite(v) ? v : 0}`)
    }
    return lines.join('\n') + '\n'
  }
}

/** The service's own metrics (NFR-032/033), created once per app. */
export function serviceMetrics() {
  const m = new Metrics()
  return {
    registry: m,
    httpDuration: m.histogram('recomengine_http_request_duration_ms', 'HTTP request latency by route and status, in milliseconds'),
    recommendationDuration: m.histogram('recomengine_recommendation_duration_ms', 'Recommendation latency by strategy that ran, in milliseconds'),
    events: m.counter('recomengine_events_total', 'Events by outcome: accepted, duplicate, rejected'),
    groupSize: m.histogram('recomengine_group_commit_size', 'Events per group-commit transaction', [1, 5, 10, 50, 100, 250, 500, 1000]),
    groupWait: m.histogram('recomengine_group_commit_wait_ms', 'Time an event waited for its group to be written, in milliseconds'),
    cache: m.counter('recomengine_recommendation_cache_total', 'Recommendation answers by cache result: hit or miss'),
    modelBuilds: m.histogram('recomengine_model_build_duration_ms', 'Model build durations, in milliseconds', [100, 500, 1000, 5000, 10000, 30000, 60000, 300000]),
    rateLimited: m.counter('recomengine_rate_limited_total', 'Requests refused by a rate limit, by budget: read, write (per key), admin (per admin user), auth-failures (per address)'),
    dependencyErrors: m.counter('recomengine_dependency_errors_total', 'Database and Redis errors seen while serving'),
  }
}
export type ServiceMetrics = ReturnType<typeof serviceMetrics>
