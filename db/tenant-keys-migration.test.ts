import { expect, test } from 'bun:test'
import { drizzle } from 'drizzle-orm/pglite'
import type { Db } from './client.ts'
import { findActiveKeyByHash } from './queries/api-keys.ts'
import * as schema from './schema.ts'
import { acrossMigration } from '../server/test/across-migration.ts'

// Migration 0022 (keys that start with tenant_id): keys stored before it are found by their hash afterwards,
// import chunks get their job's tenant, and rows keep their parents under the composite foreign keys.
test('keys, import chunks and exposures stored before 0022 survive it, each with its own tenant', async () => {
  const ids: Record<string, string> = {}
  const one = async (client: { query<T>(q: string, p?: unknown[]): Promise<{ rows: T[] }> }, q: string, p: unknown[] = []) => (await client.query<{ id: string }>(q, p)).rows[0]!.id
  await acrossMigration('0022_tenant_keys', async (client) => {
    const account = await one(client, "insert into accounts (name) values ('A') returning id")
    for (const t of ['a', 'b']) {
      const tenant = ids[t] = await one(client, 'insert into tenants (account_id, name) values ($1, $2) returning id', [account, t])
      ids[`${t}key`] = await one(client, `insert into api_keys (tenant_id, name, prefix, key_hash, permissions) values ($1, 'k', 'rk_live_', $2, 'read') returning id`, [tenant, `hash-${t}`])
      const job = ids[`${t}job`] = await one(client, `insert into import_jobs (tenant_id, type, format, status) values ($1, 'events', 'csv', 'running') returning id`, [tenant])
      await client.query('insert into import_chunks (job_id, first_row, rows, accepted, duplicates, rejected, reported) values ($1, 0, 10, 10, 0, 0, 0)', [job])
      const exp = ids[`${t}exp`] = await one(client, `insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status) values ($1, 'e', 'trending', 'collaborative', 50, 'ctr', 'running') returning id`, [tenant])
      await client.query(`insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at) values ($1, $2, 'u1', 'control', now())`, [tenant, exp])
    }
  }, async (client) => {
    const db = drizzle(client, { schema }) as unknown as Db
    for (const t of ['a', 'b']) {
      expect(await findActiveKeyByHash(db, `hash-${t}`)).toMatchObject({ id: ids[`${t}key`], tenantId: ids[t] })
      expect((await client.query<{ tenant_id: string }>('select tenant_id from import_chunks where job_id = $1', [ids[`${t}job`]])).rows).toEqual([{ tenant_id: ids[t]! }])
    }
    // An exposure cannot point at another tenant's experiment, and goes with its own.
    await expect(client.query(`insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at) values ($1, $2, 'u2', 'control', now())`, [ids.a, ids.bexp])).rejects.toThrow(/foreign key/)
    await client.query('delete from experiments where tenant_id = $1 and id = $2', [ids.a, ids.aexp])
    expect((await client.query<{ tenant_id: string }>('select tenant_id from experiment_exposures')).rows).toEqual([{ tenant_id: ids.b! }])
  })
}, 120_000) // two migration runs on a fresh PGlite: tens of seconds on a busy machine
