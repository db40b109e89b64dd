// The load generator for scripts/bench/ingest.ts, run as its own process so
// it does not share an event loop with the server. Reads its job from argv
// (JSON) and prints one JSON result line.
import { loadOnlineRetail } from '../lib/online-retail.ts'

interface Job { base: string; key: string; phase: 'single' | 'batch' | 'sustained'; rate?: number; seconds: number; concurrency?: number; offset: number }
const job: Job = JSON.parse(process.argv[2])

const retail = loadOnlineRetail()
let cursor = job.offset
// The API takes events of the last 90 days only: the data's year (2010-12 to 2011-12) is squeezed into
// 80 days ending a day ago. From the day, not the instant, so that every load process agrees.
const DAY = 86400_000
const firstMs = retail.reduce((m, r) => Math.min(m, r.date.getTime()), Infinity)
const spanMs = retail.reduce((m, r) => Math.max(m, r.date.getTime()), -Infinity) - firstMs
const windowStart = Math.floor(Date.now() / DAY) * DAY - 81 * DAY
const squeezed = (t: number) => windowStart + Math.floor(((t - firstMs) / spanMs) * 80 * DAY / 1000) * 1000
/** The next real purchase, shifted by whole cycles through the data so that every event is new. */
function nextEvent() {
  const r = retail[cursor % retail.length]
  const cycle = Math.floor(cursor / retail.length)
  cursor++
  return {
    eventType: 'purchase', userId: r.customer, productId: r.stockCode,
    // Unique per line: the (squeezed) invoice time plus the line's index in milliseconds, plus a cycle offset in seconds.
    timestamp: new Date(squeezed(r.date.getTime()) + (cursor % 1000) + cycle * 1000).toISOString(),
    metadata: { price: r.price, quantity: r.quantity, orderId: r.invoice },
  }
}

const headers = { 'content-type': 'application/json', 'x-api-key': job.key }
const latencies: number[] = []
let accepted = 0, duplicates = 0, errors = 0, sent = 0
const errorKinds: Record<string, number> = {}

async function send(path: string, body: unknown, events: number) {
  const t0 = performance.now()
  try {
    const res = await fetch(job.base + path, { method: 'POST', headers, body: JSON.stringify(body) })
    const json = await res.json() as { data?: { status?: string; accepted?: number; duplicates?: number } }
    latencies.push(performance.now() - t0)
    if (res.status === 202 || res.status === 200) {
      if (path.endsWith('batch')) { accepted += json.data!.accepted!; duplicates += json.data!.duplicates! } else if (json.data!.status === 'accepted') accepted++; else duplicates++
    } else { errors += events; const k = `${res.status} ${(json as { detail?: string }).detail ?? ''}`.slice(0, 120); errorKinds[k] = (errorKinds[k] ?? 0) + 1 }
  } catch (e) { errors += events; const k = String(e).slice(0, 120); errorKinds[k] = (errorKinds[k] ?? 0) + 1 }
  sent += events
}

const t0 = performance.now()
const end = t0 + job.seconds * 1000
if (job.phase === 'sustained') {
  // Closed loop: `concurrency` clients each sending batches of 100 back to back.
  await Promise.all(Array.from({ length: job.concurrency ?? 8 }, async () => {
    while (performance.now() < end) await send('/api/v1/events/batch', { events: Array.from({ length: 100 }, nextEvent) }, 100)
  }))
} else {
  // Open loop at a fixed request rate: latency includes any queueing the server causes.
  const interval = 1000 / job.rate!
  const pending: Promise<void>[] = []
  for (let i = 0; performance.now() < end; i++) {
    const due = t0 + i * interval
    const wait = due - performance.now()
    if (wait > 0) await Bun.sleep(wait)
    pending.push(job.phase === 'single' ? send('/api/v1/events', nextEvent(), 1) : send('/api/v1/events/batch', { events: Array.from({ length: 100 }, nextEvent) }, 100))
  }
  await Promise.all(pending)
}
const elapsed = (performance.now() - t0) / 1000
latencies.sort((a, b) => a - b)
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
console.log(JSON.stringify({ phase: job.phase, requests: latencies.length, sent, accepted, duplicates, errors, seconds: elapsed, eventsPerSecond: accepted / elapsed, p50: pct(50), p95: pct(95), p99: pct(99), cursor, errorKinds }))
