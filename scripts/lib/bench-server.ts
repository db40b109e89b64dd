// The real server for benchmarks: `bun server/main.ts` on a fresh embedded
// PGlite data dir, or on a throw-away PostgreSQL database + Redis; plus a
// tenant and a write key with rate limits out of the way (benchmarks measure
// the path, not the limiter). stop() drains the server and drops the database.
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Engine = 'pglite' | 'postgres'
/** /proc/<pid>/stat counts CPU time in clock ticks: 100 per second on Linux. */
export const CLOCK_TICKS = 100
/** CPU time every process on the machine has used so far (ms, all cores, from /proc/stat: busy = all but idle and iowait). */
export const machineBusyMs = () => {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
  return ((f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!) * 1000) / CLOCK_TICKS
}
export const ROOT = join(import.meta.dir, '../..')
const PG_ADMIN = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface BenchServer {
  base: string
  key: string
  /** POSTs JSON with the write key and returns the parsed answer. */
  post: (path: string, body: unknown) => Promise<any>
  stop: () => Promise<void>
  /** Sends a signal to the server process; resolves with its exit code. */
  signal: (sig: 'SIGTERM' | 'SIGKILL') => Promise<number>
  /** CPU time the server process has used so far (ms, user + system, from /proc). */
  cpuMs: () => number
  /** The server process's resident memory (MB, VmRSS from /proc). */
  rssMb: () => number
  /** Starts the server again on the same database (after it exited), for checks after a fault; with a CPU profile to profileDir if given. */
  restart: (profileDir?: string) => Promise<void>
}

export async function startBenchServer(engine: Engine, tag: string): Promise<BenchServer> {
  const port = 21000 + Math.floor(Math.random() * 10000)
  const base = `http://127.0.0.1:${port}`
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${tag}-`))
  // Benchmarks give their tenant limits far above the operator's default ceiling; an explicit MAX_TENANT_RATE_LIMIT wins.
  const env: Record<string, string> = { ...process.env as Record<string, string>, PORT: String(port), LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error', DATA_DIR: dataDir,
    MAX_TENANT_RATE_LIMIT: process.env.MAX_TENANT_RATE_LIMIT ?? '10000000' }
  let dbName: string | undefined
  if (engine === 'postgres') {
    dbName = `recomengine_bench_${Date.now()}`
    const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${dbName}`)
    await admin.end()
    env.DATABASE_URL = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`)
    env.REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
  }
  // restart(dir) runs the server with a markdown CPU profile written to dir when it exits.
  // BENCH_CPU_PROF_DIR: every start of the server writes a markdown CPU profile there when it exits.
  let prof: string[] = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : []
  const spawn = () => Bun.spawn([process.execPath, ...prof, 'server/main.ts'], { cwd: ROOT, env, stdout: 'inherit', stderr: 'inherit' })
  let server = spawn()
  const healthy = async () => {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health`)).ok) return } catch { /* starting */ }
      if (i > 300) throw new Error('server did not start')
      await Bun.sleep(100)
    }
  }
  let tenantId: string | undefined
  const stop = async () => {
    server.kill('SIGTERM')
    await server.exited
    rmSync(dataDir, { recursive: true, force: true })
    // The shared cache's entries of the bench tenant (answers live an hour): gone with the run.
    if (env.REDIS_URL && tenantId) {
      const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
      try {
        await redis.connect()
        let cursor = '0'
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*${tenantId}*`, 'COUNT', 5000)
          if (keys.length) await redis.unlink(...keys)
          cursor = next
        } while (cursor !== '0')
      } finally { redis.disconnect() }
    }
    if (dbName) {
      const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
      await admin.unsafe(`drop database if exists ${dbName} with (force)`)
      await admin.end()
    }
  }
  try {
    await healthy()
    const send = async (path: string, body: unknown, headers: Record<string, string>) =>
      (await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })).json() as Promise<any>
    const token = (await send('/api/v1/auth/signup', { email: `bench-${Date.now()}@example.com`, password: 'benchmark password', name: 'Bench' }, {})).data.accessToken
    const admin = { authorization: `Bearer ${token}` }
    const tenant = (await send('/api/v1/tenants', { name: 'Bench', config: { rateLimits: { read: 10_000_000, write: 10_000_000 } } }, admin)).data
    tenantId = tenant.id
    const key = (await send(`/api/v1/tenants/${tenant.id}/api-keys`, { name: 'bench', permissions: 'write' }, admin)).data.key
    return {
      base, key, post: (path, body) => send(path, body, { 'x-api-key': key }), stop,
      cpuMs: () => { const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS },
      rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
      signal: async (sig) => { server.kill(sig); return server.exited },
      restart: async (profileDir?: string) => { if (profileDir) prof = ['--cpu-prof-md', `--cpu-prof-dir=${profileDir}`]; server = spawn(); await healthy() },
    }
  } catch (e) {
    await stop()
    throw e
  }
}
