// Fault: SIGTERM during a burst of 4,000 events (issue 8). The server must stop
// accepting, finish what is in flight, and every event it acknowledged (202)
// must be in the database afterwards. Run on the embedded PGlite or on
// PostgreSQL:  bun scripts/fault/sigterm-burst.ts [pglite|postgres]
import { startBenchServer, type Engine } from '../lib/bench-server.ts'

const engine = (process.argv[2] ?? 'postgres') as Engine
const TOTAL = 4000, CONCURRENCY = 64, SIGNAL_AFTER_ACKS = 1000
const s = await startBenchServer(engine, 'fault')
let failed = false
try {
  const acked = new Set<string>()
  let refused = 0, otherErrors = 0, sent = 0, signalled: Promise<number> | undefined
  const t0 = Date.now()
  const one = async (i: number) => {
    const body = { eventType: 'product_viewed', userId: `u${i % 500}`, productId: `p${i}`, timestamp: new Date(t0 - 60_000 + i).toISOString() }
    try {
      const res = await fetch(`${s.base}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': s.key }, body: JSON.stringify(body) })
      const json = await res.json() as { data?: { id?: string } }
      if (res.status === 202 && json.data?.id) acked.add(json.data.id)
      else if (res.status === 503) refused++
      else otherErrors++
    } catch { refused++ } // connection refused or reset: not acknowledged, so the client retries
    if (acked.size >= SIGNAL_AFTER_ACKS && !signalled) signalled = s.signal('SIGTERM')
  }
  let next = 0
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < TOTAL) { const i = next++; sent++; await one(i) }
  }))
  const exitCode = await (signalled ?? s.signal('SIGTERM'))
  await s.restart()
  const stored = (await (await fetch(`${s.base}/api/v1/events?limit=100`, { headers: { 'x-api-key': s.key } })).json() as { meta: { pagination: { total: number } } }).meta.pagination.total
  // Every acknowledged id must be there: page through and collect ids.
  const ids = new Set<string>()
  for (let offset = 0; offset < stored; offset += 100) {
    const page = await (await fetch(`${s.base}/api/v1/events?limit=100&offset=${offset}`, { headers: { 'x-api-key': s.key } })).json() as { data: { id: string }[] }
    for (const e of page.data) ids.add(e.id)
  }
  const missing = [...acked].filter((id) => !ids.has(id)).length
  console.log(`${engine}: sent ${sent}, acknowledged ${acked.size}, refused or cut off ${refused}, other errors ${otherErrors}; server exit code ${exitCode}; stored after restart ${stored}; acknowledged but missing ${missing}`)
  failed = missing > 0 || exitCode !== 0 || otherErrors > 0 || stored < acked.size
} finally {
  await s.stop()
}
process.exit(failed ? 1 : 0)
