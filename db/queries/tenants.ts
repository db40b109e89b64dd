// Tenants are scoped by their account: every query takes accountId first,
// so one account can never read or change another's tenant.
import { and, count, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { tenants, type Tenant } from '../schema.ts'

export type TenantStatus = Tenant['status']

/** Inserts a tenant; undefined when the account already has one of that name or external id. */
export async function insertTenant(db: Db, accountId: string, v: { name: string; config: unknown; externalId?: string | null; ownerId?: string | null }): Promise<Tenant | undefined> {
  const [t] = await db.insert(tenants).values({ accountId, ownerId: v.ownerId ?? null, externalId: v.externalId ?? null, name: v.name, config: v.config }).onConflictDoNothing().returning()
  return t
}

export async function findTenant(db: Db, accountId: string, id: string): Promise<Tenant | undefined> {
  const [t] = await db.select().from(tenants).where(and(eq(tenants.accountId, accountId), eq(tenants.id, id))).limit(1)
  return t
}

/** Lists an account's tenants; without a status filter deleted ones are left out. */
export async function listTenants(db: Db, accountId: string, f: { status?: TenantStatus; externalId?: string; limit: number; offset: number }) {
  const where = and(eq(tenants.accountId, accountId), f.status ? eq(tenants.status, f.status) : ne(tenants.status, 'deleted'),
    f.externalId !== undefined ? eq(tenants.externalId, f.externalId) : undefined)
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(tenants).where(where).orderBy(desc(tenants.createdAt), desc(tenants.id)).limit(f.limit).offset(f.offset),
    db.select({ total: count() }).from(tenants).where(where),
  ])
  return { rows, total: Number(total) }
}

/**
 * Updates a tenant. `onStatusChange` runs in the same transaction when the status moved (the webhook outbox),
 * with the status it had.
 */
export async function updateTenant(db: Db, accountId: string, id: string,
  v: { name?: string; config?: unknown; status?: TenantStatus; deletedAt?: Date | null },
  onStatusChange?: (tx: Db, t: Tenant, from: TenantStatus) => Promise<unknown>): Promise<Tenant | undefined | 'name-taken'> {
  try {
    return await db.transaction(async (tx) => {
      const [before] = await tx.select({ status: tenants.status }).from(tenants).where(and(eq(tenants.accountId, accountId), eq(tenants.id, id))).for('update')
      if (!before) return undefined
      const [t] = await tx.update(tenants).set({ ...v, updatedAt: new Date() })
        .where(and(eq(tenants.accountId, accountId), eq(tenants.id, id))).returning()
      if (t && onStatusChange && t.status !== before.status) await onStatusChange(tx as unknown as Db, t, before.status)
      return t
    })
  } catch (e) {
    if (isUniqueViolation(e)) return 'name-taken'
    throw e
  }
}

/**
 * Tables holding a tenant's rows with no foreign key to tenants (the bulk import's hot targets: a per-row check
 * there cost more than the insert's own work), deleted explicitly when the tenant is.
 */
export const UNCASCADED_TENANT_TABLES = ['events', 'event_ids', 'user_purchases', 'import_stored'] as const

/**
 * Removes tenants deleted before `cutoff`, with everything they own: the tables in UNCASCADED_TENANT_TABLES
 * explicitly, the rest by FK cascade, in one transaction.
 */
export async function purgeDeletedTenants(db: Db, cutoff: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.select({ id: tenants.id }).from(tenants).where(and(eq(tenants.status, 'deleted'), lt(tenants.deletedAt, cutoff))).for('update')
    if (!rows.length) return 0
    const ids = JSON.stringify(rows.map((r) => r.id))
    for (const table of UNCASCADED_TENANT_TABLES) {
      await tx.execute(sql`delete from ${sql.identifier(table)} where tenant_id in (select jsonb_array_elements_text(${ids}::jsonb)::uuid)`)
    }
    await tx.delete(tenants).where(inArray(tenants.id, rows.map((r) => r.id)))
    return rows.length
  })
}

/** Status and config of a tenant by id alone: only for callers that have already authorised it (an API key's own tenant; a promoted experiment's tenant). */
export async function tenantForKey(db: Db, tenantId: string) {
  const [t] = await db.select({ status: tenants.status, config: tenants.config }).from(tenants).where(eq(tenants.id, tenantId)).limit(1)
  return t
}

export function isUniqueViolation(e: unknown): boolean {
  for (let c: any = e; c; c = c.cause) if (c.code === '23505') return true
  return false
}


/** Replaces a tenant's config by id (the caller has already authorised the tenant). */
export async function setTenantConfig(db: Db, tenantId: string, config: unknown) {
  await db.update(tenants).set({ config, updatedAt: new Date() }).where(eq(tenants.id, tenantId))
}

/** Tenants whose config sets `historyDays`, with it: their raw-event retention (the others keep the default). Housekeeping, across tenants. */
export async function tenantHistoryDays(db: Db): Promise<{ tenantId: string; days: number }[]> {
  const rows = await db.select({ tenantId: tenants.id, days: sql<number>`(${tenants.config}->>'historyDays')::int` }).from(tenants)
    .where(sql`${tenants.config} ? 'historyDays' and jsonb_typeof(${tenants.config}->'historyDays') = 'number'`)
  return rows.map((r) => ({ tenantId: r.tenantId, days: Number(r.days) }))
}
