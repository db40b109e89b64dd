import { and, asc, count, eq } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { merchandisingRules, tenants, type MerchandisingRule } from '../schema.ts'

export type NewRule = Pick<MerchandisingRule, 'name' | 'active' | 'priority' | 'definition'>

/** Every rule of the tenant, oldest first (bounded by the per-tenant cap at write time). */
export async function listRules(db: Db, tenantId: string): Promise<MerchandisingRule[]> {
  return db.select().from(merchandisingRules).where(eq(merchandisingRules.tenantId, tenantId)).orderBy(asc(merchandisingRules.createdAt), asc(merchandisingRules.id))
}

export async function findRule(db: Db, tenantId: string, id: string): Promise<MerchandisingRule | undefined> {
  const [r] = await db.select().from(merchandisingRules).where(and(eq(merchandisingRules.tenantId, tenantId), eq(merchandisingRules.id, id))).limit(1)
  return r
}

/** Inserts unless the tenant holds `max` rules already (checked under the tenant's row lock, so two writes cannot both pass). */
export async function insertRule(db: Db, tenantId: string, rule: NewRule, at: Date, max: number): Promise<MerchandisingRule | 'full'> {
  return db.transaction(async (tx) => {
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update')
    const [{ n }] = await tx.select({ n: count() }).from(merchandisingRules).where(eq(merchandisingRules.tenantId, tenantId))
    if (Number(n) >= max) return 'full' as const
    const [row] = await tx.insert(merchandisingRules).values({ tenantId, ...rule, createdAt: at, updatedAt: at }).returning()
    return row!
  })
}

export async function updateRule(db: Db, tenantId: string, id: string, rule: NewRule, at: Date): Promise<MerchandisingRule | undefined> {
  const [row] = await db.update(merchandisingRules).set({ ...rule, updatedAt: at })
    .where(and(eq(merchandisingRules.tenantId, tenantId), eq(merchandisingRules.id, id))).returning()
  return row
}

export async function deleteRule(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.delete(merchandisingRules).where(and(eq(merchandisingRules.tenantId, tenantId), eq(merchandisingRules.id, id))).returning({ id: merchandisingRules.id })
  return rows.length > 0
}
