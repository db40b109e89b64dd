// Many workers, one PostgreSQL (issue 26): builds per minute with 1 and with 2
// `bun server/worker.ts` processes on the same independent tenants, in one run. A
// throw-away database gets N tenants (a catalog and a few thousand events each),
// seeded suspended; the workers are started and idle, then the tenants are
// activated together and the clock runs until every one is built. Then every
// model is dropped (due again) and the same is timed with two workers.
//
//   bun scripts/bench/workers.ts [--tenants 20] [--items 300] [--events 4000] [--users 300]
import postgres from 'postgres'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { arg } from '../lib/args.ts'
import { openDatabase } from '../../db/client.ts'
import { activateTenants, seedTenants } from '../../server/test/seed-tenants.ts'

const TENANTS = arg('--tenants', 20), ITEMS = arg('--items', 300), EVENTS = arg('--events', 4000), USERS = arg('--users', 300)
const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const dbName = `recomengine_bench_workers_${Date.now().toString(36)}`
const url = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
const dataDir = mkdtempSync(join(tmpdir(), 'bench-workers-'))

const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database ${dbName}`)
const database = await openDatabase({ databaseUrl: url })
await database.migrate()
const raw = database.raw

const env = {
  ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'info', REDIS_URL: '', WORKER_POLL_MS: '200',
  JWT_SECRET: 'bench-workers-jwt-secret-0123456789-0123456789', API_KEY_PEPPER: 'bench-workers-pepper-0123456789-0123456789',
}

async function startWorker() {
  const proc = Bun.spawn([process.execPath, 'server/worker.ts'], { env, stdout: 'pipe', stderr: 'inherit' })
  const lines: Record<string, unknown>[] = []
  let started!: () => void
  const ready = new Promise<void>((r) => { started = r })
  void (async () => {
    const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      const parts = (rest + decoder.decode(value, { stream: true })).split('\n')
      rest = parts.pop() ?? ''
      for (const line of parts) {
        try { const l = JSON.parse(line); lines.push(l); if (l.msg === 'model worker started') started() } catch { /* not a log line */ }
      }
    }
  })()
  await ready
  return { proc, lines }
}

async function builtCount(ids: string[]) {
  const [r] = await raw.query<{ n: number }>(`select count(*)::int as n from recommendation_models where built_at is not null and tenant_id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)`, [JSON.stringify(ids)])
  return r.n
}

async function round(workers: number, ids: string[]) {
  const procs = await Promise.all(Array.from({ length: workers }, startWorker))
  const t0 = performance.now()
  await activateTenants(raw, ids)
  while ((await builtCount(ids)) < ids.length) await new Promise((r) => setTimeout(r, 50))
  const seconds = (performance.now() - t0) / 1000
  for (const p of procs) p.proc.kill('SIGTERM')
  await Promise.all(procs.map((p) => p.proc.exited))
  const builds = procs.map((p) => p.lines.filter((l) => l.msg === 'model built' && ids.includes(l.tenantId as string)).length)
  const buildMs = procs.flatMap((p) => p.lines.filter((l) => l.msg === 'model built').map((l) => Number(l.buildMs)))
  const meanBuildMs = buildMs.reduce((a, b) => a + b, 0) / Math.max(1, buildMs.length)
  // The workers' CPU over the whole run (start-up included): what a build costs a core.
  const cpuSeconds = procs.reduce((a, p) => { const u = p.proc.resourceUsage()?.cpuTime; return a + (u ? Number(u.user + u.system) / 1e6 : 0) }, 0)
  return { workers, seconds, perMinute: (ids.length / seconds) * 60, builds, meanBuildMs, cpuSeconds }
}

try {
  const t = performance.now()
  const ids = await seedTenants(raw, { tenants: TENANTS, items: ITEMS, events: EVENTS, users: USERS, label: 'bench', suspended: true })
  console.log(`seeded ${TENANTS} tenants × ${ITEMS} items × ${EVENTS} events in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  const one = await round(1, ids)
  // Everyone due again, and suspended until the two workers are up.
  await raw.query(`update tenants set status = 'suspended' where id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)`, [JSON.stringify(ids)])
  await raw.query(`delete from recommendation_models where tenant_id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)`, [JSON.stringify(ids)])
  const two = await round(2, ids)
  for (const r of [one, two]) {
    console.log(`${r.workers} worker(s): ${TENANTS} builds in ${r.seconds.toFixed(1)} s = ${r.perMinute.toFixed(1)} builds/min; builds per worker ${r.builds.join(' + ')}; engine build ${r.meanBuildMs.toFixed(0)} ms mean; workers' CPU ${r.cpuSeconds.toFixed(1)} s (${(r.cpuSeconds / TENANTS).toFixed(2)} s per tenant)`)
  }
  console.log(`speed-up 2 vs 1: ${(two.perMinute / one.perMinute).toFixed(2)}×; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores`)
} finally {
  await database.close()
  await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {})
  await admin.end()
  rmSync(dataDir, { recursive: true, force: true })
}
