// Ingestion benchmark (issue 3): starts the real server (bun server/main.ts)
// on the embedded PGlite or on PostgreSQL (+ Redis), drives it from a
// separate load-generator process with real purchases from
// online_retail.csv.gz, and checks that the stored count equals the
// accepted count after every phase.
//
//   bun scripts/bench/ingest.ts [pglite|postgres] [--sustained-seconds 60]
import postgres from 'postgres'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const engine = (process.argv[2] ?? 'pglite') as 'pglite' | 'postgres'
const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt }
const SUSTAINED = arg('--sustained-seconds', 60)
const SINGLE_RATE = arg('--single-rate', 200)
const BATCH_RATE = arg('--batch-rate', 10)
const root = join(import.meta.dir, '../..')
const PG_ADMIN = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const port = 21000 + Math.floor(Math.random() * 10000)
const base = `http://127.0.0.1:${port}`

const env: Record<string, string> = { ...process.env as Record<string, string>, PORT: String(port), LOG_LEVEL: 'error' }
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ingest-'))
let dbName: string | undefined
env.DATA_DIR = dataDir
if (engine === 'postgres') {
  dbName = `recomengine_bench_${Date.now()}`
  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${dbName}`)
  await admin.end()
  env.DATABASE_URL = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`)
  env.REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
}

const server = Bun.spawn([process.execPath, 'server/main.ts'], { cwd: root, env, stdout: 'inherit', stderr: 'inherit' })
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break } catch { /* starting */ }
    if (i > 300) throw new Error('server did not start')
    await Bun.sleep(100)
  }
  const post = async (path: string, body: unknown, token?: string) => (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json() as Promise<any>
  const token = (await post('/api/v1/auth/signup', { email: `bench-${Date.now()}@example.com`, password: 'benchmark password', name: 'Bench' })).data.accessToken
  // Rate limits out of the way: this measures ingestion, not the limiter.
  const tenant = (await post('/api/v1/tenants', { name: 'Bench', config: { rateLimits: { read: 10_000_000, write: 10_000_000 } } }, token)).data
  const key = (await post(`/api/v1/tenants/${tenant.id}/api-keys`, { name: 'bench', permissions: 'write' }, token)).data.key
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
  server.kill('SIGTERM')
  await server.exited
  rmSync(dataDir, { recursive: true, force: true })
  if (dbName) {
    const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
    await admin.unsafe(`drop database if exists ${dbName} with (force)`)
    await admin.end()
  }
}
