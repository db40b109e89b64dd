// Ingestion benchmark (issue 3): starts the real server (bun server/main.ts)
// on the embedded PGlite or on PostgreSQL (+ Redis), drives it from a
// separate load-generator process with real purchases from
// online_retail.csv.gz, and checks that the stored count equals the
// accepted count after every phase.
//
//   bun scripts/bench/ingest.ts [pglite|postgres] [--sustained-seconds 60]
import { ROOT as root, startBenchServer, type Engine } from '../lib/bench-server.ts'
import { arg } from '../lib/args.ts'

const engine = (process.argv[2] ?? 'pglite') as Engine
const SUSTAINED = arg('--sustained-seconds', 60)
const SINGLE_RATE = arg('--single-rate', 200)
const BATCH_RATE = arg('--batch-rate', 10)

const { base, key, stop } = await startBenchServer(engine, 'ingest')
try {
  const stored = async () => (await (await fetch(`${base}/api/v1/events?limit=1`, { headers: { 'x-api-key': key } })).json() as any).meta.pagination.total as number

  let offset = 0
  let acceptedTotal = 0
  const results: any[] = []
  for (const job of [
    { phase: 'single', rate: SINGLE_RATE, seconds: 10 },
    { phase: 'batch', rate: BATCH_RATE, seconds: 10 },
    { phase: 'sustained', seconds: SUSTAINED, concurrency: 8 },
  ]) {
    const gen = Bun.spawn([process.execPath, 'scripts/bench/ingest-load.ts', JSON.stringify({ base, key, offset, ...job })], { cwd: root, stdout: 'pipe', stderr: 'inherit' })
    const out = await new Response(gen.stdout).text()
    await gen.exited
    const r = JSON.parse(out.trim().split('\n').at(-1)!)
    offset = r.cursor
    acceptedTotal += r.accepted
    const count = await stored()
    r.storedTotal = count
    r.storedEqualsAccepted = count === acceptedTotal
    results.push(r)
    const f = (n: number) => n.toFixed(1)
    console.log(`${engine} ${r.phase.padEnd(9)} ${String(r.requests).padStart(6)} req  p50 ${f(r.p50)} ms  p95 ${f(r.p95)} ms  p99 ${f(r.p99)} ms  ${Math.round(r.eventsPerSecond)} events/s  accepted ${r.accepted}  dup ${r.duplicates}  errors ${r.errors}  stored==accepted ${r.storedEqualsAccepted}${r.errors ? '  ' + JSON.stringify(r.errorKinds) : ''}`)
  }
  if (results.some((r) => !r.storedEqualsAccepted || r.errors)) process.exitCode = 1
} finally {
  await stop()
}
