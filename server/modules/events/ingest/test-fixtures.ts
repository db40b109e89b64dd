// What the ingest tests share: the one PGlite of the test run (each new
// instance costs seconds), fresh tenants on it, and events to store.
import type { RawSql } from '../../../../db/client.ts'
import { insertAccountWithOwner } from '../../../../db/queries/accounts.ts'
import { insertTenant } from '../../../../db/queries/tenants.ts'
import { insertUser } from '../../../../db/queries/users.ts'
import { backend } from '../../../test/backends.ts'
import type { Submitted } from './group-commit.ts'

const D = 86400_000
/** A UTC midnight ten days ago: recent, so another file's retention run never folds these rows away. */
export const MIDNIGHT = Math.floor(Date.now() / D) * D - 10 * D
/** An instant `ms` after MIDNIGHT (negative: the day before). */
export const at = (ms: number) => new Date(MIDNIGHT + ms)
export const dayAt = (ms: number) => at(ms).toISOString().slice(0, 10)

export async function ingestDatabase(): Promise<{ raw: RawSql; tenant: () => Promise<string> }> {
  const { database } = await backend('pglite')
  let seq = 0
  /** A new tenant (and its owner), so each test sees only its own rows. */
  const tenant = async () => {
    const tag = `ingest-${Date.now().toString(36)}-${++seq}-${Math.random().toString(36).slice(2, 7)}`
    const owner = await insertUser(database.db, { email: `${tag}@example.com`, passwordHash: 'x', name: tag })
    await insertAccountWithOwner(database.db, owner!)
    return (await insertTenant(database.db, owner!.id, { name: tag, config: {} }))!.id
  }
  return { raw: database.raw, tenant }
}

/** An event as the service hands it to the committer (a one-day attribution window unless given). */
export const event = (tenantId: string, eventType: string, userId: string, productId: string, ts: Date, o: Partial<Submitted> = {}): Submitted => ({
  tenantId, eventType, userId, productId, ts,
  sessionId: null, metadata: null, placement: null, strategy: null, attributionWindowHours: 24, ...o,
})
