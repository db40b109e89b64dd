// Stored answers of idempotent requests (Idempotency-Key), per account.
import { and, eq, lte } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { idempotencyKeys } from '../schema.ts'

/**
 * Claims `key` for this request inside the caller's transaction. On PostgreSQL a concurrent claim of the
 * same key waits here until the first transaction ends, then finds its answer: two parallel requests make
 * one tenant. An expired claim is dropped first, so a key may be reused after its 24 hours.
 */
export async function claimIdempotencyKey(tx: Db, accountId: string, key: string, requestHash: string, now: Date, expiresAt: Date) {
  await tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key), lte(idempotencyKeys.expiresAt, now)))
  const [claimed] = await tx.insert(idempotencyKeys).values({ accountId, key, requestHash, expiresAt }).onConflictDoNothing().returning({ key: idempotencyKeys.key })
  if (claimed) return { claimed: true as const }
  const [row] = await tx.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key))).limit(1)
  return { claimed: false as const, row }
}

export async function storeIdempotentAnswer(tx: Db, accountId: string, key: string, status: number, response: Uint8Array) {
  await tx.update(idempotencyKeys).set({ status, response }).where(and(eq(idempotencyKeys.accountId, accountId), eq(idempotencyKeys.key, key)))
}

/** Housekeeping: answers past their 24 hours. */
export async function purgeIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(lte(idempotencyKeys.expiresAt, now)).returning({ key: idempotencyKeys.key })
  return rows.length
}
