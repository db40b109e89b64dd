// Many workers over one database: each due tenant is built once however many workers race for
// it, a dead worker's lease is taken over once it expires, tenants are built oldest due first,
// periodic duties run once per period across processes, and /metrics reports the build queue.
// In-process workers on both backends (on PGlite, one process, the same code runs inline), and
// three real `bun server/worker.ts` processes on PostgreSQL, one of them SIGKILLed mid-build.
import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { openDatabase } from '../../db/client.ts'
import { claimBuild, saveModel, tenantsDue } from '../../db/queries/models.ts'
import { claimDuty } from '../../db/queries/duties.ts'
import { DutyScheduler } from '../infra/duties.ts'
import { jsKernels } from '../kernels/load.ts'
import { backend, BACKENDS, PG_ADMIN_URL, quietLog, REAL_BACKENDS, RUN_ID } from '../test/backends.ts'
import { testApp } from '../test/harness.ts'
import { activateTenants, seedTenants } from '../test/seed-tenants.ts'
import { waitFor } from '../test/wait-for.ts'
import { DEFAULT_MODEL_OPTIONS, ModelStore } from './store.ts'
import { ModelWorker } from './worker.ts'

const MIN = 60_000
const OPTS = { pollMs: 50, refreshMinutes: 15, fullRebuildHours: 24 }

for (const name of BACKENDS) {
  describe(`many workers [${name}]`, async () => {
    const { database, makeCache } = await backend(name)
    const raw = database.raw

    /** A worker as one `bun server/worker.ts` has it (its own store and holder id), on a movable clock; records the tenants it built. */
    async function workerAt(clock: () => Date) {
      const store = new ModelStore(raw, await makeCache(), quietLog, jsKernels(), clock, { ...DEFAULT_MODEL_OPTIONS, leaseMs: MIN })
      const built: string[] = []
      const build = store.build.bind(store)
      store.build = async (tenantId, due) => { const v = await build(tenantId, due); if (v) built.push(tenantId); return v }
      return { worker: new ModelWorker(raw, store, quietLog, clock, OPTS), store, built }
    }

    test('three workers racing over the same due tenants build each exactly once', async () => {
      const ids = await seedTenants(raw, { tenants: 6, items: 40, events: 400, users: 30, label: `race-${name}` })
      const ws = await Promise.all([0, 1, 2].map(() => workerAt(() => new Date())))
      await Promise.all(ws.map((w) => w.worker.runOnce()))
      const mine = ws.flatMap((w) => w.built).filter((id) => ids.includes(id))
      expect(mine.sort()).toEqual([...ids].sort())
      // Built: no longer due, so nobody builds them again.
      await Promise.all(ws.map((w) => w.worker.runOnce()))
      expect(ws.flatMap((w) => w.built).filter((id) => ids.includes(id))).toHaveLength(ids.length)
    }, 60_000)

    test('a claim whose holder died is taken over once its lease expires (clock moved, no waiting); the dead holder cannot store late', async () => {
      const [id] = await seedTenants(raw, { tenants: 1, items: 30, events: 200, users: 20, label: `dead-${name}` })
      let now = Date.now()
      expect(await claimBuild(raw, id, { holder: 'dead-host:1:x', now: new Date(now), leaseMs: MIN })).toBe(true)
      const w = await workerAt(() => new Date(now))
      now += MIN - 1000
      expect(await tenantsDue(raw, new Date(now), { refreshMs: 15 * MIN, fullMs: 24 * 60 * MIN })).not.toContain(id)
      await w.worker.runOnce()
      expect(w.built).not.toContain(id)
      now += 2000 // past the lease
      await w.worker.runOnce()
      expect(w.built).toContain(id)
      // The dead holder, had it only stalled, finds its lease gone: its model is not stored over the new one.
      expect(await saveModel(raw, id, { version: 'late', builtAt: new Date(now), model: new Uint8Array([1]), stats: {} }, new Date(now), 'dead-host:1:x')).toBe(false)
      const [row] = await raw.query<{ version: string; lease_holder: string | null }>('select version, lease_holder from recommendation_models where tenant_id = $1', [id])
      expect(row.version).not.toBe('late')
      expect(row.lease_holder).toBeNull()
    }, 60_000)

    test('fairness: oldest due first, so a tenant that is rebuilt again and again waits behind the others', async () => {
      const [a, b, big] = await seedTenants(raw, { tenants: 3, items: 20, events: 100, users: 10, label: `fair-${name}` })
      const now = Date.now()
      const at = (ms: number) => new Date(now - ms).toISOString()
      // `big` was just built and asked again at once (a catalog that changes all day); a and b have waited longer.
      for (const [id, built, asked] of [[big, MIN, MIN / 2], [a, 120 * MIN, 10 * MIN], [b, 120 * MIN, 5 * MIN]] as const) {
        await raw.query(`insert into recommendation_models (tenant_id, status, built_at, requested_at) values ($1, 'ready', $2, $3)`, [id, at(built), at(asked)])
      }
      const order = (await tenantsDue(raw, new Date(now), { refreshMs: 15 * MIN, fullMs: 24 * 60 * MIN })).filter((id) => [a, b, big].includes(id))
      expect(order).toEqual([a, b, big])
      // A tenant waiting for its first build since before them goes first.
      const [first] = await seedTenants(raw, { tenants: 1, items: 5, events: 10, users: 2, label: `fair-first-${name}` })
      await raw.query('update tenants set created_at = $2 where id = $1', [first, at(60 * MIN)])
      expect((await tenantsDue(raw, new Date(now), { refreshMs: 15 * MIN, fullMs: 24 * 60 * MIN })).filter((id) => [a, b, big, first].includes(id))).toEqual([first, a, b, big])
    })

    test('/metrics reports the build queue: due, building, built per minute, oldest due', async () => {
      const t = await testApp(name)
      const [waiting, leased] = await seedTenants(raw, { tenants: 2, items: 5, events: 10, users: 2, label: `queue-${name}` })
      await raw.query('update tenants set created_at = now() - interval \'2 hours\' where id = $1', [waiting])
      expect(await claimBuild(raw, leased, { holder: 'metrics-test', now: new Date(), leaseMs: MIN })).toBe(true)
      const text = await (await t.app.handle(new Request('http://localhost/metrics'))).text()
      const value = (metric: string) => Number(new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1])
      expect(value('recomengine_model_builds_due')).toBeGreaterThanOrEqual(1)
      expect(value('recomengine_model_builds_building')).toBeGreaterThanOrEqual(1)
      expect(value('recomengine_model_builds_per_minute')).toBeGreaterThanOrEqual(0)
      expect(value('recomengine_model_build_oldest_due_seconds')).toBeGreaterThanOrEqual(2 * 3600 - 60)
      await t.app.shutdown()
    })

    test('a periodic duty runs once per period across processes, and a dead holder\'s duty is taken over after its lease', async () => {
      let now = Date.now()
      const runs: string[] = []
      const duty = { name: `test-duty-${RUN_ID}-${name}`, everyMs: 60 * MIN, run: async () => { runs.push('ran') } }
      const schedulers = [0, 1, 2].map(() => new DutyScheduler(raw, [duty], quietLog, () => new Date(now), { tickMs: MIN, leaseMs: MIN }))
      await Promise.all(schedulers.map((s) => s.runOnce()))
      expect(runs).toHaveLength(1)
      now += 30 * MIN
      await Promise.all(schedulers.map((s) => s.runOnce()))
      expect(runs).toHaveLength(1)
      now += 31 * MIN
      // A process claims it and dies before finishing: the others wait for its lease, then run it.
      expect(await claimDuty(raw, duty.name, duty.everyMs, { holder: 'dead-host:2:y', now: new Date(now), leaseMs: MIN })).toBe(true)
      await Promise.all(schedulers.map((s) => s.runOnce()))
      expect(runs).toHaveLength(1)
      now += MIN + 1000
      await Promise.all(schedulers.map((s) => s.runOnce()))
      expect(runs).toHaveLength(2)
    })
  })
}

// Three real worker processes on one PostgreSQL database of their own.
describe.skipIf(!REAL_BACKENDS)('three `bun server/worker.ts` processes', () => {
  const dbName = `recomengine_workers_${RUN_ID}`
  const dataDir = mkdtempSync(join(tmpdir(), 'workers-'))
  const children: { proc: ReturnType<typeof Bun.spawn>; lines: Record<string, unknown>[] }[] = []
  afterAll(async () => {
    for (const c of children) { try { c.proc.kill('SIGKILL') } catch { /* gone */ } }
    await Promise.all(children.map((c) => c.proc.exited))
    const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {})
    await admin.end()
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function readLines(stream: ReadableStream<Uint8Array>, into: Record<string, unknown>[]) {
    let rest = ''
    const reader = stream.getReader()
    const decoder = new TextDecoder()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      const parts = (rest + decoder.decode(value, { stream: true })).split('\n')
      rest = parts.pop() ?? ''
      for (const line of parts) { try { into.push(JSON.parse(line)) } catch { /* not a log line */ } }
    }
  }

  test('each due tenant is built exactly once; a SIGKILLed worker\'s tenant is built by another after its lease', async () => {
    const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${dbName}`)
    await admin.end()
    const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`)
    const database = await openDatabase({ databaseUrl: url })
    await database.migrate()
    const raw = database.raw
    try {
      const ids = await seedTenants(raw, { tenants: 9, items: 60, events: 1500, users: 60, label: 'procs', suspended: true })
      const env = {
        ...process.env, DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'info', REDIS_URL: '',
        JWT_SECRET: 'workers-test-jwt-secret-0123456789-0123456789', API_KEY_PEPPER: 'workers-test-pepper-0123456789-0123456789',
        MODEL_LEASE_SECONDS: '3', WORKER_POLL_MS: '100',
      }
      for (let i = 0; i < 3; i++) {
        const proc = Bun.spawn([process.execPath, 'server/worker.ts'], { env, stdout: 'pipe', stderr: 'inherit' })
        const c = { proc, lines: [] as Record<string, unknown>[] }
        void readLines(proc.stdout as ReadableStream<Uint8Array>, c.lines)
        children.push(c)
      }
      await activateTenants(raw, ids)
      const builtLogs = () => children.flatMap((c) => c.lines.filter((l) => l.msg === 'model built').map((l) => ({ pid: c.proc.pid, tenantId: l.tenantId as string })))
      const builtCount = async (tenants: string[]) => Number((await raw.query<{ n: number }>(
        `select count(*)::int as n from recommendation_models where tenant_id = any(select (jsonb_array_elements_text($1::jsonb))::uuid) and built_at is not null`, [JSON.stringify(tenants)]))[0].n)
      await waitFor('the nine tenants built', async () => (await builtCount(ids)) === ids.length, { timeoutMs: 120_000, everyMs: 100 })
      await waitFor('the build logs', () => builtLogs().length >= ids.length, { timeoutMs: 5000 })
      // Absence is checked after ten polls of each worker (100 ms): a duplicate build would have started.
      await new Promise((r) => setTimeout(r, 1000))
      const perTenant = new Map<string, number>()
      for (const b of builtLogs()) perTenant.set(b.tenantId, (perTenant.get(b.tenantId) ?? 0) + 1)
      expect([...perTenant.entries()].filter(([id]) => ids.includes(id)).map(([, n]) => n)).toEqual(ids.map(() => 1))

      // A big tenant: whichever worker claims it is SIGKILLed mid-build; another takes it over after the 3 s lease.
      const [big] = await seedTenants(raw, { tenants: 1, items: 3000, events: 150_000, users: 3000, label: 'procs-big', suspended: true })
      await activateTenants(raw, [big])
      const holder = await waitFor('a worker to claim the big tenant', async () => {
        const [row] = await raw.query<{ lease_holder: string | null; built_at: Date | null }>('select lease_holder, built_at from recommendation_models where tenant_id = $1', [big])
        if (row?.built_at) throw new Error('the big tenant was built before the test saw its claim')
        return row?.lease_holder
      }, { timeoutMs: 30_000, everyMs: 5 })
      const victim = children.find((c) => holder.includes(`:${c.proc.pid}:`))!
      victim.proc.kill('SIGKILL')
      await victim.proc.exited
      const [atKill] = await raw.query<{ built_at: Date | null }>('select built_at from recommendation_models where tenant_id = $1', [big])
      expect(atKill.built_at).toBeNull() // killed mid-build, not after
      // A survivor takes it over once the lease expires, and renews its lease while its build runs past the 3 s.
      type Lease = { lease_holder: string | null; lease_until: Date | null; built_at: Date | null }
      const leaseOf = async () => (await raw.query<Lease>('select lease_holder, lease_until, built_at from recommendation_models where tenant_id = $1', [big]))[0]
      const taken = await waitFor('a survivor to take the big tenant over', async () => {
        const l = await leaseOf()
        return l.lease_holder && l.lease_holder !== holder ? l : undefined
      }, { timeoutMs: 30_000, everyMs: 5 })
      const renewed = await waitFor('its lease renewed, or the build done', async () => {
        const l = await leaseOf()
        return l.built_at ? 'built' : l.lease_holder === taken.lease_holder && new Date(l.lease_until!).getTime() > new Date(taken.lease_until!).getTime() ? 'renewed' : undefined
      }, { timeoutMs: 60_000, everyMs: 20 })
      expect(renewed).toBe('renewed')
      await waitFor('the big tenant built by a surviving worker', async () => (await builtCount([big])) === 1, { timeoutMs: 120_000, everyMs: 100 })
      await waitFor('its build log', () => builtLogs().some((b) => b.tenantId === big))
      await new Promise((r) => setTimeout(r, 1000)) // ten polls each, as above
      const bigBuilds = builtLogs().filter((b) => b.tenantId === big)
      expect(bigBuilds).toHaveLength(1)
      expect(bigBuilds[0].pid).not.toBe(victim.proc.pid)
      // Its build outlived the 3 s lease: renewed while it ran, never taken over.
      const survivors = children.filter((c) => c !== victim)
      expect(survivors.flatMap((c) => c.lines).filter((l) => l.msg === 'model build dropped: its lease was taken over')).toEqual([])
    } finally {
      await database.close()
    }
  }, 240_000)
})
