// A tenant's embed-signing key (one row per tenant), sealed; every query takes tenantId first.
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { embedKeys, tenants } from '../schema.ts'

export async function findEmbedKey(db: Db, tenantId: string) {
  const [row] = await db.select({ sealedKey: embedKeys.sealedKey, version: embedKeys.version }).from(embedKeys)
    .where(eq(embedKeys.tenantId, tenantId)).limit(1)
  return row
}

/** Stores a first key unless one exists (two mints at once keep one); returns the stored one. */
export async function insertEmbedKeyIfAbsent(db: Db, tenantId: string, sealedKey: string, at: Date) {
  await db.insert(embedKeys).values({ tenantId, sealedKey, version: 1, rotatedAt: at }).onConflictDoNothing()
  return (await findEmbedKey(db, tenantId))!
}

/** Replaces the key and bumps its version (every token and session of the old version is refused from now on). */
export async function replaceEmbedKey(db: Db, tenantId: string, sealedKey: string, at: Date) {
  const [row] = await db.insert(embedKeys).values({ tenantId, sealedKey, version: 1, rotatedAt: at })
    .onConflictDoUpdate({ target: embedKeys.tenantId, set: { sealedKey, version: sql`${embedKeys.version} + 1`, rotatedAt: at } })
    .returning({ version: embedKeys.version, rotatedAt: embedKeys.rotatedAt })
  return row!
}

/** What an embed session needs on each use: the tenant's status and config, and the current key version (null: none). */
export async function embedTenantState(db: Db, tenantId: string) {
  const [row] = await db.select({ status: tenants.status, config: tenants.config, version: embedKeys.version })
    .from(tenants).leftJoin(embedKeys, eq(embedKeys.tenantId, tenants.id))
    .where(eq(tenants.id, tenantId)).limit(1)
  return row
}
