import { and, count, desc, eq, isNull, sql } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { apiKeyHashes, apiKeys, tenants, type ApiKey } from '../schema.ts'

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
    // Where a presented key is looked up (and what keeps hashes unique across tenants).
    await tx.insert(apiKeyHashes).values({ keyHash: k.keyHash, tenantId, keyId: k.id })
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

/**
 * Looks a presented key up by its HMAC, with its tenant's status and config: first its tenant in the global
 * api_key_hashes, then the key by its primary key, so under Citus each step reads one node (a join would ask
 * every shard). Resolved keys are cached in memory (http/auth.ts), so the second round trip is rare.
 */
export async function findActiveKeyByHash(db: Db, keyHash: string) {
  const [ref] = await db.select({ tenantId: apiKeyHashes.tenantId, keyId: apiKeyHashes.keyId }).from(apiKeyHashes).where(eq(apiKeyHashes.keyHash, keyHash)).limit(1)
  if (!ref) return undefined
  const [row] = await db.select({
    id: apiKeys.id, tenantId: apiKeys.tenantId, name: apiKeys.name, permissions: apiKeys.permissions,
    tenantStatus: tenants.status, tenantConfig: tenants.config,
  }).from(apiKeys).innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.tenantId, ref.tenantId), eq(apiKeys.id, ref.keyId), isNull(apiKeys.revokedAt))).limit(1)
  return row
}

/** Adds batched usage: one statement for many keys (each named with its tenant: the key's primary key). */
export async function addKeyUsage(db: Db, usage: { id: string; tenantId: string; count: number; lastUsedAt: Date }[]) {
  if (!usage.length) return
  const values = sql.join(usage.map((u) => sql`(${u.tenantId}::uuid, ${u.id}::uuid, ${u.count}::bigint, ${u.lastUsedAt.toISOString()}::timestamptz)`), sql`, `)
  await db.execute(sql`update api_keys k set request_count = k.request_count + v.n,
    last_used_at = greatest(coalesce(k.last_used_at, v.t), v.t)
    from (values ${values}) as v(tenant_id, id, n, t) where k.tenant_id = v.tenant_id and k.id = v.id`)
}

/** usage_daily's key for calls made without a tenant API key (a member's token, an account key). */
export const NO_KEY = '00000000-0000-0000-0000-000000000000'
export interface DailyUsage { tenantId: string; day: string; keyId: string; apiCalls: number; eventsIngested: number; recommendationRequests: number }

/** Adds batched daily usage in one statement; rows of tenants purged meanwhile are dropped (the join). */
export async function addDailyUsage(db: Db, rows: DailyUsage[]) {
  if (!rows.length) return
  const values = sql.join(rows.map((r) => sql`(${r.tenantId}::uuid, ${r.day}::date, ${r.keyId}::uuid, ${r.apiCalls}::bigint, ${r.eventsIngested}::bigint, ${r.recommendationRequests}::bigint)`), sql`, `)
  await db.execute(sql`insert into usage_daily (tenant_id, day, key_id, api_calls, events_ingested, recommendation_requests)
    select v.t, v.d, v.k, v.a, v.e, v.r from (values ${values}) as v(t, d, k, a, e, r) join tenants on tenants.id = v.t
    on conflict (tenant_id, day, key_id) do update set api_calls = usage_daily.api_calls + excluded.api_calls,
      events_ingested = usage_daily.events_ingested + excluded.events_ingested,
      recommendation_requests = usage_daily.recommendation_requests + excluded.recommendation_requests`)
}

/** A tenant's usage rows between two UTC days (inclusive), with each key's name. */
export async function dailyUsage(db: Db, tenantId: string, from: string, to: string) {
  const res = await db.execute(sql`select u.day::text as day, u.key_id as "keyId", k.name as "keyName", u.api_calls as "apiCalls",
      u.events_ingested as "eventsIngested", u.recommendation_requests as "recommendationRequests"
    from usage_daily u left join api_keys k on k.tenant_id = u.tenant_id and k.id = u.key_id
    where u.tenant_id = ${tenantId} and u.day between ${from}::date and ${to}::date order by u.day, u.key_id limit 20000`)
  return rowsOf(res) as { day: string; keyId: string; keyName: string | null; apiCalls: string | number; eventsIngested: string | number; recommendationRequests: string | number }[]
}

/** Per tenant of an account and day, the summed usage (the account-wide view and its CSV). */
export async function accountDailyUsage(db: Db, accountId: string, from: string, to: string) {
  const res = await db.execute(sql`select u.day::text as day, t.id as "tenantId", t.name as "tenantName", t.external_id as "externalId",
      sum(u.api_calls) as "apiCalls", sum(u.events_ingested) as "eventsIngested", sum(u.recommendation_requests) as "recommendationRequests"
    from usage_daily u join tenants t on t.id = u.tenant_id
    where t.account_id = ${accountId} and u.day between ${from}::date and ${to}::date
    group by u.day, t.id order by u.day, t.created_at, t.id limit 100000`)
  return rowsOf(res) as { day: string; tenantId: string; tenantName: string; externalId: string | null; apiCalls: string | number; eventsIngested: string | number; recommendationRequests: string | number }[]
}

// postgres-js answers an array of rows, PGlite an object with `rows`.
const rowsOf = (res: unknown): unknown[] => (Array.isArray(res) ? res : (res as { rows: unknown[] }).rows)
