// The background claims across tenants (alert mails, stale-import take-over, erasure take-over) claim tenant by
// tenant (db/queries/claims.ts): two claimers racing over several tenants never take the same row, every due row
// is taken once, and one tenant's backlog does not starve another tenant's single due row.
import { afterAll, describe, expect, test } from 'bun:test'
import type { RawSql } from '../client.ts'
import { backend, BACKENDS, teardownBackends } from '../../server/test/backends.ts'
import { claimRoundRobin, tenantsWithDueRows } from './claims.ts'
import { claimStaleErasures } from './erasures.ts'
import { claimExperimentAlerts } from './experiments.ts'
import { claimStaleImportJobs } from './imports.ts'

afterAll(teardownBackends)

// A day ahead: every app a test file left running sweeps stale import jobs by the real clock (imports.start), and
// must not take these rows, due only at this `now`, from the claimers raced here.
const now = new Date(Date.now() + 86400_000)
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString()

async function newTenants(raw: RawSql, n: number): Promise<string[]> {
  const [account] = await raw.query<{ id: string }>(`insert into accounts (name) values ('claims test') returning id`)
  const rows = await raw.query<{ id: string }>(
    `insert into tenants (account_id, name) select $1, 'claims ' || g || ' ' || $2 from generate_series(1, $3::int) g returning id`,
    [account!.id, crypto.randomUUID(), n])
  return rows.map((r) => r.id)
}

/** One background claim: how to make `count` due rows for a tenant (`ageMs` old at most), and to claim up to `n` of them. */
interface Job {
  name: string
  table: string
  seed(raw: RawSql, tenantId: string, count: number, ageMs: number): Promise<void>
  claim(raw: RawSql, n: number): Promise<{ tenantId: string; key: string }[]>
  /** The rows `claim` would take now (lock-free), to size a batch by. */
  dueTenants(raw: RawSql): Promise<string[]>
}

const jobs: Job[] = [
  {
    name: 'experiment alert mails (claimExperimentAlerts)',
    table: 'experiment_alerts',
    async seed(raw, tenantId, count, ageMs) {
      const kinds = ['significant', 'srm_detected', 'completed']
      const exps = await raw.query<{ id: string }>(
        `insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status)
         select $1, 'e' || g, 'trending', 'popular', 50, 'ctr', 'running' from generate_series(1, $2::int) g returning id`, [tenantId, Math.ceil(count / 3)])
      for (let i = 0; i < count; i++) {
        await raw.query(`insert into experiment_alerts (tenant_id, experiment_id, kind, created_at) values ($1, $2, $3, $4::timestamptz)`,
          [tenantId, exps[Math.floor(i / 3)]!.id, kinds[i % 3], ago(ageMs - i)])
      }
    },
    claim: async (raw, n) => (await claimExperimentAlerts(raw, now, n)).map((a) => ({ tenantId: a.tenant_id, key: `${a.tenant_id}/${a.experiment_id}/${a.kind}` })),
    dueTenants: (raw) => tenantsWithDueRows(raw, 'experiment_alerts', 'sent_at is null', 'created_at', [], 100_000),
  },
  {
    name: 'stale import take-over (claimStaleImportJobs)',
    table: 'import_jobs',
    async seed(raw, tenantId, count, ageMs) {
      await raw.query(`insert into import_jobs (tenant_id, type, format, status, started_at, updated_at)
        select $1, 'events', 'csv', 'running', $3::timestamptz, $3::timestamptz + g * interval '1 millisecond' from generate_series(1, $2::int) g`,
      [tenantId, count, ago(ageMs)])
    },
    claim: async (raw, n) => (await claimStaleImportJobs(raw, new Date(now.getTime() - 60_000), now, n)).map((j) => ({ tenantId: j.tenantId, key: `${j.tenantId}/${j.id}` })),
    dueTenants: (raw) => tenantsWithDueRows(raw, 'import_jobs', `status = 'running' and updated_at < $1::timestamptz`, 'updated_at', [ago(60_000)], 100_000),
  },
  {
    name: 'erasure take-over (claimStaleErasures)',
    table: 'shopper_erasures',
    async seed(raw, tenantId, count, ageMs) {
      // Half were held by a process that died (lease run out), half never started.
      await raw.query(`insert into shopper_erasures (tenant_id, user_id, requested_at, lease_holder, lease_until)
        select $1, 'u' || g, $3::timestamptz + g * interval '1 millisecond', case when g % 2 = 0 then 'dead-host' end,
          case when g % 2 = 0 then $3::timestamptz + interval '1 minute' end from generate_series(1, $2::int) g`, [tenantId, count, ago(ageMs)])
    },
    claim: async (raw, n) => (await claimStaleErasures(raw, { holder: `claimer-${n}`, now, leaseMs: 60_000 }, n)).map((e) => ({ tenantId: e.tenantId, key: `${e.tenantId}/${e.userId}` })),
    dueTenants: (raw) => tenantsWithDueRows(raw, 'shopper_erasures', 'lease_until is null or lease_until < $1::timestamptz', 'requested_at', [now.toISOString()], 100_000),
  },
]

test('round-robin: every tenant gets a share, the batch fills up from those with more, a short tenant drops out', async () => {
  const backlog: Record<string, number> = { a: 10, b: 1, c: 3 }
  const asked: string[] = []
  const got = await claimRoundRobin(['a', 'b', 'c'], 7, async (t, n) => {
    asked.push(`${t}${n}`)
    const k = Math.min(n, backlog[t]!)
    backlog[t]! -= k
    return Array.from({ length: k }, () => t)
  })
  expect(asked).toEqual(['a2', 'b2', 'c2', 'a1', 'c1'])
  expect(got.sort().join('')).toBe('aaabccc')
  expect(await claimRoundRobin(['a'], 0, async () => { throw new Error('not asked') })).toEqual([])
})

for (const name of BACKENDS) {
  describe(`background claims across tenants [${name}]`, async () => {
    const raw = (await backend(name)).database.raw

    for (const job of jobs) {
      test(`${job.name}: two claimers racing over four tenants take every due row exactly once`, async () => {
        const tenants = await newTenants(raw, 4)
        const counts = [25, 6, 4, 1]
        for (const [i, t] of tenants.entries()) await job.seed(raw, t, counts[i]!, 3_600_000 - i * 1000)
        const mine = new Set(tenants)
        const claimer = async () => {
          const taken: string[] = []
          for (;;) {
            const got = await job.claim(raw, 4)
            if (!got.length) return taken
            taken.push(...got.filter((g) => mine.has(g.tenantId)).map((g) => g.key))
          }
        }
        const [a, b] = await Promise.all([claimer(), claimer()])
        const all = [...a!, ...b!]
        expect(new Set(all).size).toBe(all.length) // no row claimed twice
        expect(all.length).toBe(36) // every due row claimed
        expect(a!.length).toBeGreaterThan(0)
        expect(b!.length).toBeGreaterThan(0)
        expect(await job.claim(raw, 10)).toEqual([]) // claimed rows are not due again (their lease, heartbeat or sent mark)
        await raw.query('delete from tenants where id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)', [JSON.stringify(tenants)])
      })

      test(`${job.name}: one tenant's large backlog does not starve another tenant's single, newer due row`, async () => {
        const [big, small] = await newTenants(raw, 2)
        await job.seed(raw, big!, 60, 7_200_000) // older than anything due
        await job.seed(raw, small!, 1, 120_000)
        // One batch a little bigger than the number of tenants with due work, far smaller than the backlog.
        const limit = (await job.dueTenants(raw)).length + 2
        expect(limit).toBeLessThan(30)
        const first = await job.claim(raw, limit)
        expect(first.filter((c) => c.tenantId === small).length).toBe(1)
        const fromBig = first.filter((c) => c.tenantId === big).length
        expect(fromBig).toBeGreaterThanOrEqual(1)
        expect(fromBig).toBeLessThan(60)
        await raw.query('delete from tenants where id = any(array[$1, $2]::uuid[])', [big, small])
      })
    }
  })
}
