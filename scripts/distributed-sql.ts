// Writes db/distributed.sql from db/distribution.ts and db/schema.ts: run after a migration adds or drops a table
// (db/schema-distribution.test.ts fails until the file matches).
import { writeFile } from 'node:fs/promises'
import { distributedSqlPath, renderDistributedSql } from '../db/distribution.ts'

await writeFile(distributedSqlPath, renderDistributedSql())
console.log(`wrote ${distributedSqlPath}`)
