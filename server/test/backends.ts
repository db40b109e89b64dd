// Test backends, shared by every test file in the run (bun test runs files in
// one process): one PGlite instance, and one throw-away PostgreSQL database
// plus a Redis key prefix. Creating a PGlite instance costs seconds, so it is
// made once; tests isolate themselves by creating their own admins and
// tenants, which is exactly the isolation the product promises.
import postgres from 'postgres'
import { openDatabase, type DatabaseHandle } from '../../db/client.ts'
import type { Cache } from '../infra/cache/index.ts'
import { MemoryCache } from '../infra/cache/memory.ts'
import { RedisCache } from '../infra/cache/redis.ts'
import { createLogger } from '../logger.ts'

export type BackendName = 'pglite' | 'postgres'
const ALL_BACKENDS: BackendName[] = ['pglite', 'postgres']
/** TEST_BACKENDS=pglite runs the suite without PostgreSQL or Redis (a first run); unset = both, as CI. */
export const BACKENDS: BackendName[] = process.env.TEST_BACKENDS
  ? ALL_BACKENDS.filter((b) => process.env.TEST_BACKENDS!.split(',').map((x) => x.trim()).includes(b))
  : ALL_BACKENDS
/** Whether the real PostgreSQL + Redis are part of this run (tests that need them skip otherwise). */
export const REAL_BACKENDS = BACKENDS.includes('postgres')

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const RUN_ID = `${Date.now().toString(36)}_${process.pid}`
export const quietLog = createLogger((process.env.TEST_LOG_LEVEL as 'error') ?? 'silent')

export interface Backend { name: BackendName; database: DatabaseHandle; makeCache(): Promise<Cache> }

const opened = new Map<BackendName, Promise<Backend>>()
const caches: Cache[] = []
let pgDbName: string | undefined

export function backend(name: BackendName): Promise<Backend> {
  let b = opened.get(name)
  if (!b) { b = open(name); opened.set(name, b) }
  return b
}

async function open(name: BackendName): Promise<Backend> {
  if (name === 'pglite') {
    const database = await openDatabase({ dataDir: 'memory://' })
    await database.migrate()
    return { name, database, makeCache: async () => track(new MemoryCache()) }
  }
  pgDbName = `recomengine_test_${RUN_ID}`
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${pgDbName}`)
  await admin.end()
  const database = await openDatabase({ databaseUrl: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${pgDbName}`) })
  await database.migrate()
  return {
    name, database,
    async makeCache() {
      // One prefix per run: every app in the run shares state, as instances do.
      const c = new RedisCache(REDIS_URL, quietLog, `test:${RUN_ID}:`)
      await c.ready()
      return track(c)
    },
  }
}

function track(c: Cache) { caches.push(c); return c }

/** Closes everything and drops the throw-away database and Redis keys. */
export async function teardownBackends() {
  for (const c of caches.splice(0)) await c.close().catch(() => {})
  for (const b of opened.values()) await (await b).database.close().catch(() => {})
  opened.clear()
  if (pgDbName) {
    const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`drop database if exists ${pgDbName} with (force)`).catch(() => {})
    await admin.end()
    pgDbName = undefined
  }
  if (!REAL_BACKENDS) return // no Redis in this run: nothing of ours there, and maybe no server to ask
  const { connectRedis, masters } = await import('../infra/cache/redis-client.ts')
  const { bySlotTag } = await import('../infra/cache/keys.ts')
  const r = connectRedis(REDIS_URL, { offlineQueue: true, maxRetriesPerRequest: 1 })
  r.on('error', () => {}) // a Redis that is down is reported below; unheard, ioredis raises it as an unhandled error
  try {
    await new Promise<void>((resolve, reject) => { r.once('ready', resolve); r.once('error', reject); setTimeout(() => reject(new Error('timeout')), 3000) })
    // On a cluster the run's keys live on every master, in many slots: one DEL per slot tag.
    for (const node of masters(r)) await Promise.all(bySlotTag(await node.keys(`test:${RUN_ID}:*`), (k) => k).map((g) => r.del(...g)))
  } catch { /* Redis may be the thing under test being down */ } finally { r.disconnect() }
}

/**
 * The PostgreSQL test database opened once more, with `statement_timeout` on its request pool
 * (the background pool has none). The caller closes it.
 */
export async function withStatementTimeout(ms: number): Promise<DatabaseHandle> {
  await backend('postgres')
  return openDatabase({ databaseUrl: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${pgDbName}`), statementTimeoutMs: ms })
}
