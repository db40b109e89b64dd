// A throw-away PostgreSQL database for a benchmark that runs the app in process: created
// beside DATABASE_URL's (else TEST_PG_ADMIN_URL's, else the local server's), opened and
// migrated; `close` closes it and drops it unless asked to keep it (then says its name).
import postgres from 'postgres'
import { openDatabase, type DatabaseHandle } from '../../db/client.ts'

export async function benchDatabase(tag: string, maxConnections: number, opts: { statementTimeoutMs?: number } = {}): Promise<{ database: DatabaseHandle; close(keep?: boolean): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL ?? process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const name = `recomengine_bench_${tag}_${process.pid}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  const database = await openDatabase({ databaseUrl: adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`), maxConnections, statementTimeoutMs: opts.statementTimeoutMs })
  return {
    database,
    async close(keep = false) {
      await database.close()
      if (keep) console.log(`kept database ${name}`)
      else await admin.unsafe(`drop database if exists ${name} with (force)`)
      await admin.end()
    },
  }
}
