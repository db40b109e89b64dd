import { and, eq, isNull, ne } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { refreshTokens } from '../schema.ts'

export async function insertRefreshToken(db: Db, v: { userId: string; familyId: string; tokenHash: string; expiresAt: Date }) {
  await db.insert(refreshTokens).values(v)
}

export async function findRefreshToken(db: Db, tokenHash: string) {
  const [t] = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1)
  return t
}

/** Marks a token rotated; false when it was rotated or revoked meanwhile (a race is treated as reuse). */
export async function markRotated(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db.update(refreshTokens).set({ rotatedAt: now })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.rotatedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id })
  return rows.length === 1
}

export async function revokeFamily(db: Db, familyId: string, now: Date) {
  await db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)))
}

/** Every sign-in of the user, but `exceptFamilyId` when given (the caller's own, on a password change). */
export async function revokeAllForUser(db: Db, userId: string, now: Date, exceptFamilyId?: string) {
  await db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt),
    exceptFamilyId ? ne(refreshTokens.familyId, exceptFamilyId) : undefined))
}

/** Whether a sign-in (refresh-token family) of this user still has a token not revoked. */
export async function isFamilyLive(db: Db, familyId: string, userId: string): Promise<boolean> {
  const rows = await db.select({ id: refreshTokens.id }).from(refreshTokens)
    .where(and(eq(refreshTokens.familyId, familyId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))).limit(1)
  return rows.length === 1
}
