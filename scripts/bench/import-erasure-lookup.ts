// What an import chunk's look-up of shoppers erased during the job (erasedInImport, README "Erasure") costs: one
// statement per chunk, given the chunk's distinct shoppers, with no erasure during the job and with many. A
// throw-away database (PostgreSQL, or an in-memory PGlite); the statement timed alone, in its own transaction.
//
//   bun scripts/bench/import-erasure-lookup.ts [postgres|pglite] [--shoppers 8000] [--erased 100] [--chunks 50]
import { loadavg } from 'node:os'
import postgres from 'postgres'
import { openDatabase } from '../../db/client.ts'
import { erasedInImport, withholdFromImports } from '../../db/queries/imports.ts'
import { arg } from '../lib/args.ts'

const SHOPPERS = arg('--shoppers', 8000)
const ERASED = arg('--erased', 100)
const CHUNKS = arg('--chunks', 50)
const PG_ADMIN = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const engine = process.argv[2] === 'pglite' ? 'pglite' : 'postgres'
const name = `bench_erasure_lookup_${process.pid}`
const admin = engine === 'postgres' ? postgres(PG_ADMIN, { max: 1, onnotice: () => {} }) : undefined
await admin?.unsafe(`create database ${name}`)
const db = await openDatabase(admin ? { databaseUrl: PG_ADMIN.replace(/\/[^/]*$/, `/${name}`) } : { dataDir: 'memory://' })
try {
  await db.migrate()
  const raw = db.raw
  const { tenantId, jobId } = await raw.transaction(async (tx) => {
    await tx.query('set local session_replication_role = replica') // a tenant without an account: only the two tables matter
    const [t] = await tx.query<{ id: string }>(`insert into tenants (account_id, name) values (gen_random_uuid(), 'bench') returning id`)
    const [j] = await tx.query<{ id: string }>(`insert into import_jobs (tenant_id, type, format, status) values ($1, 'events', 'csv', 'running') returning id`, [t.id])
    return { tenantId: t.id, jobId: j.id }
  })
  const users = Array.from({ length: SHOPPERS }, (_, i) => `customer-${i}`)
  const time = async (label: string) => {
    const ms: number[] = []
    for (let i = 0; i < CHUNKS; i++) {
      const t0 = performance.now()
      await raw.transaction((tx) => erasedInImport(tx, tenantId, jobId, users))
      ms.push(performance.now() - t0)
    }
    ms.sort((a, b) => a - b)
    console.log(`${label}: median ${ms[Math.floor(CHUNKS / 2)]!.toFixed(2)} ms, max ${ms.at(-1)!.toFixed(2)} ms a chunk (${engine}, ${CHUNKS} chunks of ${SHOPPERS} shoppers; load ${loadavg()[0].toFixed(1)})`)
  }
  await time('no erasure during the job')
  for (let i = 0; i < ERASED; i++) await raw.transaction((tx) => withholdFromImports(tx, tenantId, i % 2 ? `customer-${i * 7}` : `elsewhere-${i}`))
  const found = (await raw.transaction((tx) => erasedInImport(tx, tenantId, jobId, users))).users.size
  await time(`${ERASED} shoppers erased during the job (${found} of them in each chunk)`)
} finally {
  await db.close()
  await admin?.unsafe(`drop database ${name} with (force)`)
  await admin?.end()
}
