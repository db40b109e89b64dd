// What a migration does to rows stored before it: a fresh PGlite migrated up to just
// before `tag`, as a deployment that predates it has it; `before` stores rows there,
// the remaining migrations run, and `after` looks.
import { expect } from 'bun:test'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'

export async function acrossMigration(tag: string, before: (client: PGlite) => Promise<void>, after: (client: PGlite) => Promise<void>): Promise<void> {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
  const { btree_gin } = await import('@electric-sql/pglite/contrib/btree_gin')
  const client = new PGlite({ extensions: { pg_trgm, btree_gin } })
  const folder = new URL('../../db/migrations', import.meta.url).pathname
  const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] }
  const at = journal.entries.findIndex((e) => e.tag === tag)
  expect(at).toBeGreaterThan(0)
  const earlier = mkdtempSync(join(tmpdir(), 'migrations-'))
  try {
    cpSync(folder, earlier, { recursive: true })
    writeFileSync(join(earlier, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }))
    await migrate(drizzle(client), { migrationsFolder: earlier })
    await before(client)
    await migrate(drizzle(client), { migrationsFolder: folder })
    await after(client)
  } finally {
    rmSync(earlier, { recursive: true, force: true })
    await client.close()
  }
}

/** A running two-arm experiment named `name` of a new tenant, stored with the columns every version has. */
export async function storedExperiment(client: PGlite): Promise<(name: string) => Promise<unknown>> {
  const [{ id: owner }] = (await client.query<{ id: string }>("insert into users (email, password_hash, name) values ('m@example.com', 'x', 'M') returning id")).rows
  const [{ id: tenant }] = (await client.query<{ id: string }>("insert into tenants (owner_id, name) values ($1, 'T') returning id", [owner])).rows
  return (name) => client.query(`insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status) values ($1, $2, 'trending', 'collaborative', 50, 'ctr', 'running')`, [tenant, name])
}
