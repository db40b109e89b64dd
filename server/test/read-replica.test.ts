// DATABASE_READ_URL against a real streaming replica: the test starts a private primary (initdb, on a free
// port, wal_level=replica — the shared cluster's pg_hba.conf does not allow replication, and a test must not
// change it), clones it with `pg_basebackup -R` and starts the standby with pg_ctl on another port. Writes
// through the API are read back by analytics, the catalog list and both exports from the replica — shown by
// pausing the replica's WAL replay: those reads stop seeing new writes while single-item reads (primary) do —
// and once the replica is stopped every request is still answered, from the primary.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { postgresBin, startStreamingReplica, type StreamingReplica } from '../../scripts/lib/streaming-replica.ts'
import { openDatabase, type DatabaseHandle } from '../../db/client.ts'
import { createApp, type App } from '../app.ts'
import { loadConfig } from '../config.ts'
import { MemoryCache } from '../infra/cache/memory.ts'
import { createLogger } from '../logger.ts'
import { TEST_SECRETS, uniqueEmail } from './harness.ts'
import { waitFor } from './wait-for.ts'

const BIN = postgresBin()
if (!BIN) console.warn('read-replica.test.ts skipped: no initdb/pg_ctl/pg_basebackup under /usr/lib/postgresql/*/bin')

describe.skipIf(!BIN)('DATABASE_READ_URL on a real streaming replica', () => {
  let servers: StreamingReplica | undefined
  let database: DatabaseHandle | undefined
  let app: App | undefined
  let primarySql: ReturnType<typeof postgres> | undefined
  let replicaSql: ReturnType<typeof postgres> | undefined
  const warnings: string[] = []

  beforeAll(async () => {
    servers = await startStreamingReplica(BIN!)
    const { primaryUrl, replicaUrl } = servers
    primarySql = postgres(primaryUrl, { max: 1, onnotice: () => {} })
    replicaSql = postgres(replicaUrl, { max: 1, onnotice: () => {} })
    database = await openDatabase({ databaseUrl: primaryUrl, readUrl: replicaUrl, maxConnections: 4, statementTimeoutMs: 5000 })
    await database.migrate()
    const log = createLogger('warn', (line) => { warnings.push(line) })
    app = await createApp({
      config: loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'warn', DATABASE_URL: primaryUrl, DATABASE_READ_URL: replicaUrl }),
      database, cache: new MemoryCache(), log, mailer: { send: async () => {} }, usageFlushMs: 0, secrets: TEST_SECRETS,
    })
    app.markReady()
  }, 45_000)

  afterAll(async () => {
    await app?.shutdown().catch(() => {})
    await Promise.all([database?.close(), primarySql?.end({ timeout: 1 }), replicaSql?.end({ timeout: 1 })].map((p) => p?.catch(() => {})))
    await servers?.close()
  }, 20_000)

  const req = async (method: string, path: string, o: { body?: unknown; key?: string; token?: string; tenant?: string } = {}) => {
    const headers: Record<string, string> = {}
    if (o.body !== undefined) headers['content-type'] = 'application/json'
    if (o.key) headers['x-api-key'] = o.key
    if (o.token) headers.authorization = `Bearer ${o.token}`
    if (o.tenant) headers['x-tenant-id'] = o.tenant
    const res = await app!.handle(new Request(`http://localhost${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) }))
    const text = await res.text()
    let body: any = text
    try { body = JSON.parse(text) } catch { /* a download */ }
    return { status: res.status, body, text }
  }

  /** The replica has replayed everything the primary has written so far. */
  const caughtUp = async () => {
    const [{ lsn }] = await primarySql!`select pg_current_wal_lsn()::text as lsn`
    await waitFor('the replica to replay the primary\'s WAL', async () =>
      (await replicaSql!`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`)[0]!.ok, { timeoutMs: 15_000 })
  }

  test('lag-tolerant reads come from the replica; the replica stopped, the primary answers them', async () => {
    expect((await replicaSql!`select pg_is_in_recovery() as r`)[0]!.r).toBe(true)

    // A tenant with keys, 20 items and a few recommendation events, all written through the API (to the primary).
    const signup = await req('POST', '/api/v1/auth/signup', { body: { email: uniqueEmail(), password: 'correct horse battery', name: 'Ada' } })
    expect(signup.status).toBe(201)
    const token = signup.body.data.accessToken
    const tenant = await req('POST', '/api/v1/tenants', { token, body: { name: 'Replica shop' } })
    expect(tenant.status).toBe(201)
    const tenantId = tenant.body.data.id
    const writeKey = (await req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'w', permissions: 'write' } })).body.data.key
    const items = Array.from({ length: 20 }, (_, i) => ({ productId: `p${i}`, name: `Item ${i}`, price: 10 + i, currency: 'EUR' }))
    expect((await req('POST', '/api/v1/catalog/batch', { key: writeKey, body: { items } })).body.data.rejected).toEqual([])
    const impressions = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ eventType: 'recommendation_impressed', userId: `${tag}${i}`, productId: `p${i % 20}`, placement: 'home', strategy: 'trending' }))
    expect((await req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: impressions(6, 'u') } })).body.data.accepted).toBe(6)

    const asAdmin = { token, tenant: tenantId }
    const listed = async () => (await req('GET', '/api/v1/catalog?limit=100', { key: writeKey })).body
    const catalogExport = async () => (await req('GET', '/api/v1/catalog/export?format=ndjson', { key: writeKey })).text.trim().split('\n').filter(Boolean).length
    const eventsExport = async () => (await req('GET', '/api/v1/events/export?format=ndjson', { key: writeKey })).text.trim().split('\n').filter(Boolean).length
    const impressed = async () => (await req('GET', '/api/v1/analytics/summary?range=7d', asAdmin)).body.data.impressions

    // Replayed on the replica: every lag-tolerant read sees the writes.
    await caughtUp()
    expect((await listed()).meta.pagination.total).toBe(20)
    expect(await catalogExport()).toBe(20)
    expect(await eventsExport()).toBe(6)
    expect(await impressed()).toBe(6)

    // Replay paused: the primary takes new writes, the replica does not show them, so reads that stay
    // at the old state were served by the replica.
    await replicaSql!`select pg_wal_replay_pause()`
    await waitFor('replay to pause', async () => (await replicaSql!`select pg_get_wal_replay_pause_state() as s`)[0]!.s === 'paused')
    expect((await req('POST', '/api/v1/catalog', { key: writeKey, body: { productId: 'late', name: 'Written while replay is paused' } })).status).toBe(201)
    expect((await req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: impressions(4, 'v') } })).body.data.accepted).toBe(4)
    expect(Number((await primarySql!`select count(*) as n from catalog_items where tenant_id = ${tenantId}`)[0]!.n)).toBe(21)
    // A single-item read (what a client does right after a write) is the primary's: it sees the item.
    expect((await req('GET', '/api/v1/catalog/late', { key: writeKey })).status).toBe(200)
    const lagging = await listed()
    expect(lagging.meta.pagination.total).toBe(20)
    expect(lagging.data.map((i: { productId: string }) => i.productId)).not.toContain('late')
    expect(await catalogExport()).toBe(20)
    expect(await eventsExport()).toBe(6)
    expect(await impressed()).toBe(6)

    // Replay resumed: the replica catches up and the same reads show the new writes.
    await replicaSql!`select pg_wal_replay_resume()`
    await caughtUp()
    expect((await listed()).meta.pagination.total).toBe(21)
    expect(await catalogExport()).toBe(21)
    expect(await eventsExport()).toBe(10)
    expect(await impressed()).toBe(10)
    expect(warnings.filter((w) => w.includes('read replica unavailable'))).toEqual([])

    // The replica stopped: nothing fails; the same reads are answered from the primary, with one warning.
    await replicaSql!.end({ timeout: 1 })
    await servers!.stopReplica()
    expect((await req('POST', '/api/v1/catalog', { key: writeKey, body: { productId: 'after', name: 'Written with the replica down' } })).status).toBe(201)
    for (let round = 0; round < 2; round++) {
      const page = await listed()
      expect(page.meta.pagination.total).toBe(22)
      expect(page.data.map((i: { productId: string }) => i.productId)).toContain('after')
      expect(await catalogExport()).toBe(22)
      expect(await eventsExport()).toBe(10)
      expect(await impressed()).toBe(10)
      const csv = await req('GET', '/api/v1/analytics/export.csv?range=7d', asAdmin)
      expect(csv.status).toBe(200)
    }
    expect(warnings.filter((w) => w.includes('read replica unavailable')).length).toBe(1)
    // The first read after the stop found the replica gone; the rest skipped it (5 s), so few reads count as fallbacks.
    const fallbacks = Number((await req('GET', '/metrics')).text.match(/recomengine_read_replica_fallbacks_total\{reason="unreachable"\} (\d+)/)?.[1])
    expect(fallbacks).toBeGreaterThanOrEqual(1)
  }, 45_000)
})
