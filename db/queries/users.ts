import { and, eq, gt, isNull, sql } from 'drizzle-orm'
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

export async function updateUser(db: Db, id: string, v: { name?: string; passwordHash?: string; emailPrefs?: unknown }): Promise<User | undefined> {
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

/**
 * Claims up to `limit` users due a weekly summary (wanted, and none for 7 days — counted from signup
 * the first time) by moving their `weekly_summary_at` to `now`: a user claimed here is skipped by any
 * other instance running the same job.
 */
export async function claimWeeklySummaries(db: Db, now: Date, limit: number): Promise<{ id: string; email: string; name: string }[]> {
  const weekAgo = new Date(now.getTime() - 7 * 24 * 3600 * 1000).toISOString()
  const res = await db.execute(sql`update users set weekly_summary_at = ${now.toISOString()}::timestamptz where id in (
      select id from users where coalesce((email_prefs->>'weeklySummary')::boolean, true)
        and coalesce(weekly_summary_at, created_at) <= ${weekAgo}::timestamptz
      order by id limit ${limit} for update skip locked)
    returning id, email, name`)
  return (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows) as { id: string; email: string; name: string }[]
}
