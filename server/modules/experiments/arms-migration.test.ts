import { expect, test } from 'bun:test'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'

// Migration 0013: experiments stored before it keep the two-arm form, no guardrails and no CUPED
// (their results read as they did); experiments created afterwards get CUPED by default.
test('stored experiments: two-arm, no guardrails, CUPED off; new ones CUPED on', async () => {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
  const { btree_gin } = await import('@electric-sql/pglite/contrib/btree_gin')
  const client = new PGlite({ extensions: { pg_trgm, btree_gin } })
  const folder = new URL('../../../db/migrations', import.meta.url).pathname
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] }
  const at = journal.entries.findIndex((e) => e.tag === '0013_experiment_arms')
  expect(at).toBeGreaterThan(0)
  const before = mkdtempSync(join(tmpdir(), 'migrations-'))
  try {
    cpSync(folder, before, { recursive: true })
    writeFileSync(join(before, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }))
    await migrate(drizzle(client), { migrationsFolder: before })
    const [{ id: owner }] = (await client.query<{ id: string }>("insert into users (email, password_hash, name) values ('m@example.com', 'x', 'M') returning id")).rows
    const [{ id: tenant }] = (await client.query<{ id: string }>("insert into tenants (owner_id, name) values ($1, 'T') returning id", [owner])).rows
    const insert = (name: string) => client.query(`insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status) values ($1, $2, 'trending', 'collaborative', 50, 'ctr', 'running')`, [tenant, name])
    await insert('old')
    await migrate(drizzle(client), { migrationsFolder: folder })
    await insert('new')
    const rows = (await client.query<{ name: string; variants: unknown; guardrails: unknown; cuped: boolean }>('select name, variants, guardrails, cuped from experiments order by name')).rows
    expect(rows).toEqual([{ name: 'new', variants: null, guardrails: [], cuped: true }, { name: 'old', variants: null, guardrails: [], cuped: false }])
  } finally {
    rmSync(before, { recursive: true, force: true })
    await client.close()
  }
}, 30_000) // two migration runs on a fresh PGlite: seconds on a busy machine
