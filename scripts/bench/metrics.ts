// The metrics registry's cost, side by side in one run: the hand-written registry
// the service used before (copied below as the baseline) against prom-client
// (server/infra/metrics.ts). (a) What every request pays: one histogram
// observation through a series resolved once plus one counter increment, and the
// same with labels passed on each call. (b) One scrape: rendering a registry with
// ~50 label sets. Rounds alternate between the two; medians are printed.
//
//   bun scripts/bench/metrics.ts [--ops 1000000] [--rounds 5] [--renders 2000]
import { loadavg } from 'node:os'
import { arg } from '../lib/args.ts'
import { serviceMetrics } from '../../server/infra/metrics.ts'

const OPS = arg('--ops', 1_000_000)
const ROUNDS = arg('--rounds', 5)
const RENDERS = arg('--renders', 2000)

// ---- baseline: server/infra/metrics.ts before prom-client (c87846f), its code verbatim but for `export` and two `!` ----
type Labels = Record<string, string>
const render = (l: Labels) => Object.keys(l).sort().map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')
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
class OldCounter {
  private values = new Map<string, number>()
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1) { this.add(key(labels), by) }
  child(labels: Labels) { const k = key(labels); return { inc: (by = 1) => this.add(k, by) } }
  private add(k: string, by: number) { this.values.set(k, (this.values.get(k) ?? 0) + by) }
  render() { return [...this.values].map(([l, v]) => `${this.name}${fmt(l)} ${v}`) }
}
class OldHistogram {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, readonly buckets: number[]) {}
  observe(labels: Labels, value: number) { this.add(key(labels), value) }
  child(labels: Labels) { const k = key(labels); return { observe: (value: number) => this.add(k, value) } }
  private add(k: string, value: number) {
    let s = this.series.get(k)
    if (!s) { s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 }; this.series.set(k, s) }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++
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
class OldMetrics {
  private counters: OldCounter[] = []
  private histograms: OldHistogram[] = []
  private gauges: { name: string; help: string; read: () => number }[] = []
  counter(name: string, help: string) { const c = new OldCounter(name, help); this.counters.push(c); return c }
  histogram(name: string, help: string, buckets = LATENCY_BUCKETS_MS) { const h = new OldHistogram(name, help, buckets); this.histograms.push(h); return h }
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
function oldServiceMetrics() {
  const m = new OldMetrics()
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

// ---- the workload, identical for both ----
/** Latencies spread over the buckets (mostly fast, a long tail), drawn once. */
const values = Float64Array.from({ length: 4096 }, (_, i) => Math.exp(((i * 2654435761) % 4096) / 4096 * 9) / 8)
const MASK = values.length - 1
const ROUTES = ['/api/v1/recommendations', '/api/v1/events', '/api/v1/events/batch', '/api/v1/catalog', '/api/v1/catalog/batch',
  '/api/v1/catalog/:productId', '/api/v1/models', '/api/v1/analytics/summary', '/health', '/ready']
const LABEL_SETS = ROUTES.flatMap((route) => ['GET', 'POST'].flatMap((method) => [200, 400, 429].map((status) => ({ method, route, status: String(status) })))).slice(0, 50)

type Hot = { observe(ms: number): void }
type HotCounter = { inc(by?: number): void }
interface Subject {
  name: string
  resolved(): { h: Hot; c: HotCounter }
  direct(): (v: number) => void
  fill(): { render(): string | Promise<string> }
}
const oldSubject: Subject = {
  name: 'hand-written (before)',
  resolved() { const m = oldServiceMetrics(); return { h: m.httpDuration.child(LABEL_SETS[0]!), c: m.cache.child({ result: 'hit' }) } },
  direct() { const m = oldServiceMetrics(); return (v) => { m.httpDuration.observe(LABEL_SETS[0]!, v); m.cache.inc({ result: 'hit' }) } },
  fill() { const m = oldServiceMetrics(); fillWith(m.httpDuration, m.events, m.cache); m.registry.gauge('recomengine_ready', 'ready', () => 1); return { render: () => m.registry.render() } },
}
const promSubject: Subject = {
  name: 'prom-client 15.1.3',
  resolved() { const m = serviceMetrics(); return { h: m.httpDuration.labels(LABEL_SETS[0]!), c: m.cache.labels({ result: 'hit' }) } },
  direct() { const m = serviceMetrics(); return (v) => { m.httpDuration.observe(LABEL_SETS[0]!, v); m.cache.inc({ result: 'hit' }) } },
  fill() { const m = serviceMetrics(); fillWith(m.httpDuration, m.events, m.cache); m.gauge('recomengine_ready', 'ready', () => 1); return { render: () => m.registry.metrics() } },
}
function fillWith(h: { observe(l: Labels, v: number): void }, events: { inc(l: Labels, by?: number): void }, cache: { inc(l: Labels, by?: number): void }) {
  LABEL_SETS.forEach((l, i) => { for (let j = 0; j < 100; j++) h.observe(l, values[(i * 100 + j) & MASK]!) })
  for (const outcome of ['accepted', 'duplicate', 'rejected']) events.inc({ outcome }, 7)
  for (const result of ['hit', 'miss']) cache.inc({ result }, 3)
}

let sink = 0
function perRequestResolved(s: Subject): number {
  const { h, c } = s.resolved()
  const t0 = performance.now()
  for (let i = 0; i < OPS; i++) { h.observe(values[i & MASK]!); c.inc() }
  return ((performance.now() - t0) * 1e6) / OPS
}
function perRequestDirect(s: Subject): number {
  const f = s.direct()
  const t0 = performance.now()
  for (let i = 0; i < OPS; i++) f(values[i & MASK]!)
  return ((performance.now() - t0) * 1e6) / OPS
}
async function scrape(s: Subject): Promise<{ us: number; bytes: number; lines: number }> {
  const r = s.fill()
  const text = await r.render()
  const t0 = performance.now()
  for (let i = 0; i < RENDERS; i++) sink += (await r.render()).length
  return { us: ((performance.now() - t0) * 1e3) / RENDERS, bytes: text.length, lines: text.split('\n').length - 1 }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!
const subjects = [oldSubject, promSubject]
type Result = { resolved: number[]; direct: number[]; scrape: number[]; bytes: number; lines: number }
const results = new Map<string, Result>(subjects.map((s) => [s.name, { resolved: [], direct: [], scrape: [], bytes: 0, lines: 0 }]))
// One warm-up round, not recorded: both implementations reach the JIT's optimised tiers.
for (let round = -1; round < ROUNDS; round++) {
  for (const s of round % 2 ? subjects : [...subjects].reverse()) {
    const r = results.get(s.name)!
    const a = perRequestResolved(s), d = perRequestDirect(s), sc = await scrape(s)
    if (round < 0) continue
    r.resolved.push(a); r.direct.push(d); r.scrape.push(sc.us); r.bytes = sc.bytes; r.lines = sc.lines
  }
}

const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
console.log(`${OPS.toLocaleString('en-US')} ops per measurement, ${RENDERS} renders, ${ROUNDS} rounds (medians; range in brackets), Bun ${Bun.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`)
console.log('| | ' + subjects.map((s) => s.name).join(' | ') + ' |')
console.log('|---|' + subjects.map(() => '---|').join(''))
const row = (label: string, pick: (r: Result) => number[], unit: string, digits = 0) =>
  console.log(`| ${label} | ` + subjects.map((s) => {
    const xs = pick(results.get(s.name)!)
    return `${f(median(xs), digits)} ${unit} (${f(Math.min(...xs), digits)}–${f(Math.max(...xs), digits)})`
  }).join(' | ') + ' |')
row('per request: observe a 3-label histogram + inc a 1-label counter, series resolved once', (r) => r.resolved, 'ns', 0)
row('the same, labels passed on each call', (r) => r.direct, 'ns', 0)
row(`render ${LABEL_SETS.length} histogram label sets + 2 counters + 1 gauge`, (r) => r.scrape, 'µs', 0)
console.log('| output | ' + subjects.map((s) => { const r = results.get(s.name)!; return `${r.lines} lines, ${f(r.bytes)} B` }).join(' | ') + ' |')
if (sink < 0) console.log(sink)
