// Accounts, their members and invitations, and account keys. Every query takes the account first
// (or, for the signed-in user's own view, the user), so one account never reads another's rows.
import { and, asc, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { accountApiKeys, accountMembers, accounts, tenants, users, type AccountApiKey, type AccountMember, type Role } from '../schema.ts'

/** A new account owned by `user` (signup). The personal account takes the user's id, as the migration gave existing users. */
export async function insertAccountWithOwner(db: Db, user: { id: string; email: string; name: string }) {
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id: user.id, name: user.name })
    await tx.insert(accountMembers).values({ accountId: user.id, userId: user.id, email: user.email, role: 'owner', status: 'active', joinedAt: new Date() })
  })
}

export interface Membership { accountId: string; accountName: string; role: Role }

/**
 * The user's active membership in `accountId`, or, without one named, their default account: their own
 * (personal) account if they still belong to it, else the one they joined first.
 */
export async function findMembership(db: Db, userId: string, accountId?: string): Promise<Membership | undefined> {
  const [m] = await db.select({ accountId: accountMembers.accountId, accountName: accounts.name, role: accountMembers.role })
    .from(accountMembers).innerJoin(accounts, eq(accounts.id, accountMembers.accountId))
    .where(and(eq(accountMembers.userId, userId), eq(accountMembers.status, 'active'), accountId ? eq(accountMembers.accountId, accountId) : undefined))
    .orderBy(desc(sql`${accountMembers.accountId} = ${userId}`), asc(accountMembers.joinedAt)).limit(1)
  return m
}

/** The user's role in the account that owns `tenantId` (and that tenant's status and config), or undefined when they are no member of it. */
export async function findTenantMembership(db: Db, userId: string, tenantId: string) {
  const [r] = await db.select({ role: accountMembers.role, accountId: tenants.accountId, id: tenants.id, status: tenants.status, config: tenants.config })
    .from(tenants).innerJoin(accountMembers, and(eq(accountMembers.accountId, tenants.accountId), eq(accountMembers.userId, userId), eq(accountMembers.status, 'active')))
    .where(eq(tenants.id, tenantId)).limit(1)
  return r
}

export async function listMemberships(db: Db, userId: string): Promise<Membership[]> {
  return db.select({ accountId: accountMembers.accountId, accountName: accounts.name, role: accountMembers.role })
    .from(accountMembers).innerJoin(accounts, eq(accounts.id, accountMembers.accountId))
    .where(and(eq(accountMembers.userId, userId), eq(accountMembers.status, 'active')))
    .orderBy(asc(accountMembers.joinedAt)).limit(100)
}

export async function listMembers(db: Db, accountId: string) {
  return db.select({ member: accountMembers, name: users.name }).from(accountMembers).leftJoin(users, eq(users.id, accountMembers.userId))
    .where(eq(accountMembers.accountId, accountId)).orderBy(asc(accountMembers.createdAt), asc(accountMembers.id)).limit(500)
}

export async function countMembers(db: Db, accountId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(accountMembers).where(eq(accountMembers.accountId, accountId))
  return Number(n)
}

export async function findMember(db: Db, accountId: string, id: string): Promise<AccountMember | undefined> {
  const [m] = await db.select().from(accountMembers).where(and(eq(accountMembers.accountId, accountId), eq(accountMembers.id, id))).limit(1)
  return m
}

/** An invitation (or a renewed one for an email still invited); undefined when that email is already a member. */
export async function upsertInvitation(db: Db, accountId: string, v: { email: string; role: Role; tokenHash: string; expiresAt: Date; invitedBy: string | null }) {
  const [m] = await db.insert(accountMembers).values({ accountId, ...v, status: 'invited' })
    .onConflictDoUpdate({
      target: [accountMembers.accountId, accountMembers.email],
      set: { role: v.role, tokenHash: v.tokenHash, expiresAt: v.expiresAt, invitedBy: v.invitedBy, createdAt: new Date() },
      setWhere: sql`${accountMembers.status} = 'invited'`,
    }).returning()
  return m
}

/** An invitation by its token hash, expired or not (the caller tells the two apart). */
export async function findInvitation(db: Db, tokenHash: string): Promise<AccountMember | undefined> {
  const [m] = await db.select().from(accountMembers)
    .where(and(eq(accountMembers.tokenHash, tokenHash), eq(accountMembers.status, 'invited'))).limit(1)
  return m
}

export async function findAccount(db: Db, id: string) {
  const [a] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1)
  return a
}

/** The user's own membership row in an account. */
export async function findOwnMembership(db: Db, accountId: string, userId: string): Promise<AccountMember | undefined> {
  const [m] = await db.select().from(accountMembers).where(and(eq(accountMembers.accountId, accountId), eq(accountMembers.userId, userId))).limit(1)
  return m
}

/** Turns an invitation into a membership of `userId`; false when it was taken meanwhile or the user is already a member. */
export async function acceptInvitation(db: Db, id: string, userId: string, now: Date): Promise<boolean> {
  try {
    const rows = await db.update(accountMembers).set({ userId, status: 'active', tokenHash: null, expiresAt: null, joinedAt: now })
      .where(and(eq(accountMembers.id, id), eq(accountMembers.status, 'invited'))).returning({ id: accountMembers.id })
    return rows.length === 1
  } catch (e) {
    for (let c: any = e; c; c = c.cause) if (c.code === '23505') return false
    throw e
  }
}

/**
 * Changes a member's role or removes them, unless that leaves the account without an active owner.
 * The account's member rows are locked first, so two owners demoting each other at once cannot both pass.
 */
export async function changeMember(db: Db, accountId: string, id: string, change: { role: Role } | 'remove'): Promise<AccountMember | undefined | 'last-owner'> {
  return db.transaction(async (tx) => {
    const rows = await tx.select().from(accountMembers).where(eq(accountMembers.accountId, accountId)).for('update')
    const target = rows.find((r) => r.id === id)
    if (!target) return undefined
    const owners = rows.filter((r) => r.role === 'owner' && r.status === 'active')
    const losesOwner = target.role === 'owner' && target.status === 'active' && (change === 'remove' || change.role !== 'owner')
    if (losesOwner && owners.length <= 1) return 'last-owner'
    if (change === 'remove') {
      await tx.delete(accountMembers).where(eq(accountMembers.id, id))
      return target
    }
    const [m] = await tx.update(accountMembers).set({ role: change.role }).where(eq(accountMembers.id, id)).returning()
    return m
  })
}

// Account keys.

export async function insertAccountKey(db: Db, accountId: string, v: { name: string; prefix: string; keyHash: string; createdBy: string | null }): Promise<AccountApiKey> {
  const [k] = await db.insert(accountApiKeys).values({ accountId, ...v }).returning()
  return k
}

export async function countActiveAccountKeys(db: Db, accountId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(accountApiKeys).where(and(eq(accountApiKeys.accountId, accountId), isNull(accountApiKeys.revokedAt)))
  return Number(n)
}

export async function listAccountKeys(db: Db, accountId: string, includeRevoked: boolean) {
  return db.select().from(accountApiKeys)
    .where(and(eq(accountApiKeys.accountId, accountId), includeRevoked ? undefined : isNull(accountApiKeys.revokedAt)))
    .orderBy(desc(accountApiKeys.createdAt), desc(accountApiKeys.id)).limit(200)
}

export async function revokeAccountKey(db: Db, accountId: string, id: string, now: Date): Promise<AccountApiKey | undefined> {
  const [k] = await db.update(accountApiKeys).set({ revokedAt: now })
    .where(and(eq(accountApiKeys.accountId, accountId), eq(accountApiKeys.id, id), isNull(accountApiKeys.revokedAt))).returning()
  return k
}

export async function findActiveAccountKeyByHash(db: Db, keyHash: string) {
  const [k] = await db.select({ id: accountApiKeys.id, accountId: accountApiKeys.accountId, name: accountApiKeys.name })
    .from(accountApiKeys).where(and(eq(accountApiKeys.keyHash, keyHash), isNull(accountApiKeys.revokedAt))).limit(1)
  return k
}

export async function touchAccountKey(db: Db, id: string, now: Date) {
  await db.update(accountApiKeys).set({ lastUsedAt: now }).where(eq(accountApiKeys.id, id))
}

/** The active members of the account that owns `tenantId` who want experiment alert mails (on unless turned off). */
export async function experimentAlertRecipients(db: Db, tenantId: string): Promise<{ email: string; name: string }[]> {
  return db.select({ email: users.email, name: users.name })
    .from(tenants)
    .innerJoin(accountMembers, and(eq(accountMembers.accountId, tenants.accountId), eq(accountMembers.status, 'active')))
    .innerJoin(users, eq(users.id, accountMembers.userId))
    .where(and(eq(tenants.id, tenantId), sql`coalesce((${users.emailPrefs}->>'experimentAlerts')::boolean, true)`))
    .orderBy(asc(users.email))
}
