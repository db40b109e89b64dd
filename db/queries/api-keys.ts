import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { apiKeys, tenants, type ApiKey } from '../schema.ts'

async function countActiveKeys(db: Db, tenantId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
  return Number(n)
}

/**
 * Inserts a key unless the tenant already has `max` active keys. The tenant row
 * is locked so two concurrent creations cannot both pass the count.
 */
export async function insertKeyWithinLimit(db: Db, tenantId: string, v: { name: string; prefix: string; keyHash: string; permissions: 'read' | 'write' }, max: number,
  inTransaction?: (tx: Db, k: ApiKey) => Promise<unknown>): Promise<ApiKey | 'limit'> {
  return db.transaction(async (tx) => {
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update')
    if ((await countActiveKeys(tx as unknown as Db, tenantId)) >= max) return 'limit'
    const [k] = await tx.insert(apiKeys).values({ tenantId, ...v }).returning()
    await inTransaction?.(tx as unknown as Db, k)
    return k
  })
}

export async function listKeys(db: Db, tenantId: string, f: { limit: number; offset: number; includeRevoked: boolean }) {
  const where = and(eq(apiKeys.tenantId, tenantId), f.includeRevoked ? undefined : isNull(apiKeys.revokedAt))
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(apiKeys).where(where).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(f.limit).offset(f.offset),
    db.select({ total: count() }).from(apiKeys).where(where),
  ])
  return { rows, total: Number(total) }
}

/** Revokes a key; `inTransaction` runs in the same transaction when it was revoked (the webhook outbox). */
export async function revokeKey(db: Db, tenantId: string, keyId: string, now: Date, inTransaction?: (tx: Db, k: ApiKey) => Promise<unknown>): Promise<ApiKey | undefined> {
  return db.transaction(async (tx) => {
    const [k] = await tx.update(apiKeys).set({ revokedAt: now })
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt))).returning()
    if (k) await inTransaction?.(tx as unknown as Db, k)
    return k
  })
}

/** Looks a presented key up by its HMAC, with its tenant's status and config. */
export async function findActiveKeyByHash(db: Db, keyHash: string) {
  const [row] = await db.select({
    id: apiKeys.id, tenantId: apiKeys.tenantId, name: apiKeys.name, permissions: apiKeys.permissions,
    tenantStatus: tenants.status, tenantConfig: tenants.config,
  }).from(apiKeys).innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))).limit(1)
  return row
}

/** Adds batched usage: one statement for many keys. */
export async function addKeyUsage(db: Db, usage: { id: string; count: number; lastUsedAt: Date }[]) {
  if (!usage.length) return
  const values = sql.join(usage.map((u) => sql`(${u.id}::uuid, ${u.count}::bigint, ${u.lastUsedAt.toISOString()}::timestamptz)`), sql`, `)
  await db.execute(sql`update api_keys k set request_count = k.request_count + v.n,
    last_used_at = greatest(coalesce(k.last_used_at, v.t), v.t)
    from (values ${values}) as v(id, n, t) where k.id = v.id`)
}
