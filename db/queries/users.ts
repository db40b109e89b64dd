import { and, eq, gt, isNull } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { passwordResets, users, type User } from '../schema.ts'

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(eq(users.email, email)).limit(1)
  return u
}

export async function findUserById(db: Db, id: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1)
  return u
}

/** Inserts a user; returns undefined when the email is taken. */
export async function insertUser(db: Db, v: { email: string; passwordHash: string; name: string }): Promise<User | undefined> {
  const [u] = await db.insert(users).values(v).onConflictDoNothing().returning()
  return u
}

export async function updateUser(db: Db, id: string, v: { name?: string; passwordHash?: string }): Promise<User | undefined> {
  const [u] = await db.update(users).set({ ...v, updatedAt: new Date() }).where(eq(users.id, id)).returning()
  return u
}

export async function insertPasswordReset(db: Db, v: { userId: string; tokenHash: string; expiresAt: Date }) {
  await db.insert(passwordResets).values(v)
}

/** Marks a live reset token used and returns its user id, or undefined. */
export async function consumePasswordReset(db: Db, tokenHash: string, now: Date): Promise<string | undefined> {
  const [r] = await db.update(passwordResets).set({ usedAt: now })
    .where(and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now)))
    .returning({ userId: passwordResets.userId })
  return r?.userId
}
