// The schema stays ready to shard by tenant (Citus): read from the migrated database's catalog, every table is
// either global (a reference table named in db/distribution.ts) or tenant-owned, with tenant_id in its primary
// key and every unique index, and in every foreign key to another tenant table; db/distributed.sql names exactly
// these tables; the migration runner applies it only where the citus extension is installed.
import { afterAll, describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import type { RawSql } from './client.ts'
import { applyDistribution, DISTRIBUTION_COLUMN, distributedSqlPath, distributedStatements, REFERENCE_TABLES, renderDistributedSql } from './distribution.ts'
import { backend, BACKENDS, teardownBackends } from '../server/test/backends.ts'

afterAll(teardownBackends)

/** Every way the live schema breaks the rules, one line each (empty: ready to distribute). */
async function distributionViolations(raw: RawSql): Promise<string[]> {
  const reference = new Set(REFERENCE_TABLES)
  const tables = await raw.query<{ name: string; tenant_type: string | null; tenant_not_null: boolean | null }>(
    `select c.relname as name, format_type(a.atttypid, a.atttypmod) as tenant_type, a.attnotnull as tenant_not_null
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     left join pg_attribute a on a.attrelid = c.oid and a.attname = $1 and not a.attisdropped
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition order by 1`, [DISTRIBUTION_COLUMN])
  // Unique indexes (primary keys and unique constraints have one each): is tenant_id one of their key columns?
  const uniques = await raw.query<{ table: string; index: string; has_tenant: boolean }>(
    `select c.relname as "table", ic.relname as "index",
       exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = $1
               and a.attnum = any ((i.indkey::int2[])[0:i.indnkeyatts - 1])) as has_tenant
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_class ic on ic.oid = i.indexrelid
     join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and i.indisunique and not c.relispartition`, [DISTRIBUTION_COLUMN])
  // Foreign keys: does one pair of the key map the child's tenant_id to the parent's?
  const fks = await raw.query<{ name: string; child: string; parent: string; tenant_to_tenant: boolean }>(
    `select con.conname as name, c.relname as child, p.relname as parent,
       exists (select 1 from unnest(con.conkey, con.confkey) as k(ck, pk)
               join pg_attribute ca on ca.attrelid = con.conrelid and ca.attnum = k.ck
               join pg_attribute pa on pa.attrelid = con.confrelid and pa.attnum = k.pk
               where ca.attname = $1 and pa.attname = $1) as tenant_to_tenant
     from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_class p on p.oid = con.confrelid
     join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and con.contype = 'f' and not c.relispartition`, [DISTRIBUTION_COLUMN])

  const out: string[] = []
  const names = new Set(tables.map((t) => t.name))
  for (const r of REFERENCE_TABLES) if (!names.has(r)) out.push(`${r}: named a reference table but not in the schema`)
  for (const t of tables) {
    if (reference.has(t.name)) continue
    if (!t.tenant_type) out.push(`${t.name}: neither a reference table nor tenant-owned (no ${DISTRIBUTION_COLUMN})`)
    else if (t.tenant_type !== 'uuid' || !t.tenant_not_null) out.push(`${t.name}: ${DISTRIBUTION_COLUMN} must be uuid not null (co-location), is ${t.tenant_type}${t.tenant_not_null ? '' : ' null'}`)
  }
  const owned = new Set(tables.filter((t) => !reference.has(t.name) && t.tenant_type).map((t) => t.name)) // the others are reported whole
  for (const u of uniques) {
    if (owned.has(u.table) && !u.has_tenant) out.push(`${u.table}: unique index ${u.index} lacks ${DISTRIBUTION_COLUMN}`)
  }
  for (const f of fks) {
    const childGlobal = reference.has(f.child)
    const parentGlobal = reference.has(f.parent)
    if (childGlobal && !parentGlobal) out.push(`${f.child}: foreign key ${f.name} from a reference table to tenant table ${f.parent}`)
    if (!childGlobal && !parentGlobal && !f.tenant_to_tenant) out.push(`${f.child}: foreign key ${f.name} to ${f.parent} does not match ${DISTRIBUTION_COLUMN}`)
  }
  return out.sort()
}

const liveTables = async (raw: RawSql) => (await raw.query<{ name: string }>(
  `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`)).map((r) => r.name).sort()

/** Thrown to roll a planted schema back. */
class Rollback extends Error {}

for (const name of BACKENDS) {
  describe(`schema ready for Citus (${name})`, () => {
    test('every migrated table is global or tenant-owned with tenant_id in every unique key and tenant foreign key', async () => {
      const { raw } = (await backend(name)).database
      expect(await distributionViolations(raw)).toEqual([])
    })

    test('a planted table without tenant_id, a unique index and a foreign key that cross tenants: each is reported', async () => {
      const { raw } = (await backend(name)).database
      let seen: string[] = []
      await raw.transaction(async (tx) => {
        await tx.query('create table planted_orphans (id uuid primary key, note text)')
        await tx.query('create table planted_owned (tenant_id uuid not null, id uuid not null, code text not null, primary key (tenant_id, id))')
        await tx.query('create unique index planted_owned_code_key on planted_owned (code)')
        // A foreign key on the id alone needs a unique index on the id alone: two ways of crossing tenants.
        await tx.query('create unique index planted_owned_id_key on planted_owned (id)')
        await tx.query(`create table planted_child (tenant_id uuid not null, owned_id uuid not null, primary key (tenant_id, owned_id),
          constraint planted_child_owned_fk foreign key (owned_id) references planted_owned (id))`)
        seen = await distributionViolations(tx)
        throw new Rollback()
      }).catch((e) => { if (!(e instanceof Rollback)) throw e })
      expect(seen).toEqual([
        'planted_child: foreign key planted_child_owned_fk to planted_owned does not match tenant_id',
        'planted_orphans: neither a reference table nor tenant-owned (no tenant_id)',
        'planted_owned: unique index planted_owned_code_key lacks tenant_id',
        'planted_owned: unique index planted_owned_id_key lacks tenant_id',
      ])
      // Rolled back: the schema is as the migrations left it.
      expect(await distributionViolations(raw)).toEqual([])
    })

    test('db/distributed.sql distributes exactly the tables the schema has, guarded, parents before children', async () => {
      const { raw } = (await backend(name)).database
      const text = await readFile(distributedSqlPath, 'utf8')
      expect(text).toBe(renderDistributedSql()) // regenerate with: bun scripts/distributed-sql.ts
      const parsed = distributedStatements(text).map((s) => {
        const m = /^select (create_reference_table|create_distributed_table)\('public\.(\w+)'(?:, '(\w+)', colocate_with => '([\w.]+)')?\) where not exists \(select 1 from pg_dist_partition where logicalrelid = 'public\.(\w+)'::regclass\);$/.exec(s)
        if (!m) throw new Error(`not a guarded distribution statement: ${s}`)
        expect(m[5]).toBe(m[2]) // the guard names the table it guards
        return { kind: m[1], table: m[2], column: m[3], colocate: m[4] }
      })
      const reference = parsed.filter((p) => p.kind === 'create_reference_table').map((p) => p.table)
      const distributed = parsed.filter((p) => p.kind === 'create_distributed_table')
      const live = await liveTables(raw)
      expect([...reference].sort()).toEqual([...REFERENCE_TABLES].sort())
      expect(distributed.map((d) => d.table).sort()).toEqual(live.filter((t) => !REFERENCE_TABLES.includes(t)))
      expect(distributed.every((d) => d.column === DISTRIBUTION_COLUMN)).toBe(true)
      // One co-location group: the first distributed table starts it, every other joins it.
      expect(distributed[0]!.colocate).toBe('default')
      expect(new Set(distributed.slice(1).map((d) => d.colocate))).toEqual(new Set([`public.${distributed[0]!.table}`]))
      // Citus wants a table's foreign-key parents distributed (or reference) before it.
      const position = new Map(parsed.map((p, i) => [p.table, i]))
      const fks = await raw.query<{ child: string; parent: string }>(
        `select c.relname as child, p.relname as parent from pg_constraint con join pg_class c on c.oid = con.conrelid
         join pg_class p on p.oid = con.confrelid join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and con.contype = 'f' and not c.relispartition and c.oid <> p.oid`)
      for (const f of fks) expect(`${f.parent} before ${f.child}: ${position.get(f.parent)! < position.get(f.child)!}`).toBe(`${f.parent} before ${f.child}: true`)
    })

    test('the migration runner finds no citus extension here and distributes nothing', async () => {
      const { raw } = (await backend(name)).database
      const asked: string[] = []
      const result = await applyDistribution(async (text) => { asked.push(text); return raw.query(text) }, await readFile(distributedSqlPath, 'utf8'))
      expect(result).toBe('not citus')
      expect(asked).toHaveLength(1)
    })
  })
}

describe('the migration runner with the citus check answered', () => {
  const text = renderDistributedSql()
  test('citus present: every statement of distributed.sql runs, in order, after the check', async () => {
    const asked: string[] = []
    const result = await applyDistribution(async (q) => { asked.push(q); return q.includes('pg_extension') ? [{ '?column?': 1 }] : [] }, text)
    expect(result).toBe('distributed')
    expect(asked[0]).toBe(`select 1 from pg_extension where extname = 'citus'`)
    expect(asked.slice(1)).toEqual(distributedStatements(text))
    expect(asked.slice(1).filter((s) => s.includes('create_distributed_table'))).toHaveLength(distributedStatements(text).length - REFERENCE_TABLES.length)
  })

  test('citus absent: only the check runs', async () => {
    const asked: string[] = []
    expect(await applyDistribution(async (q) => { asked.push(q); return [] }, text)).toBe('not citus')
    expect(asked).toEqual([`select 1 from pg_extension where extname = 'citus'`])
  })

  test('a failing statement stops the run and reaches the caller (a half-distributed schema is re-run, each step skipping what is done)', async () => {
    let n = 0
    const run = applyDistribution(async (q) => {
      if (q.includes('pg_extension')) return [{}]
      if (++n === 3) throw new Error('node unreachable')
      return []
    }, text)
    await expect(run).rejects.toThrow('node unreachable')
    expect(n).toBe(3)
  })
})
