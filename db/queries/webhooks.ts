// Webhook endpoints, the outbox of events and their deliveries (F-015).
// enqueueWebhookEvent is the one query other modules call: it must run inside the transaction of the state
// change that causes the event (the transactional outbox), so it takes whichever handle that transaction has.
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm'
import type { Db, RawSql } from '../client.ts'
import { claimRoundRobin } from './claims.ts'
import { webhookEndpoints, type WebhookEndpoint } from '../schema.ts'

export type Handle = Db | RawSql

/** `text` with $1… placeholders as a drizzle SQL object, so one statement serves both kinds of handle. */
function drizzleSql(text: string, params: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/)
  return sql.join(parts.map((p, i) => (i % 2 ? sql`${params[Number(p) - 1]}` : sql.raw(p))))
}
/** Runs `text` on a drizzle handle or a raw one (inside whichever transaction the caller holds). */
export async function run<T>(h: Handle, text: string, params: unknown[]): Promise<T[]> {
  if ('execute' in h) {
    const res = await h.execute(drizzleSql(text, params)) as unknown
    return (Array.isArray(res) ? res : (res as { rows: T[] }).rows) as T[]
  }
  return h.query<T>(text, params)
}

const ENQUEUE = `with e as (
    insert into webhook_events (tenant_id, type, data, created_at)
    select $1::uuid, $2, $3::jsonb, $4::timestamptz
    where exists (select 1 from webhook_endpoints w where w.tenant_id = $1::uuid and w.active and w.events ? $2)
    returning id, tenant_id, type, created_at)
  insert into webhook_deliveries (tenant_id, endpoint_id, event_id, next_attempt_at, created_at)
  select e.tenant_id, w.id, e.id, e.created_at, e.created_at
  from e join webhook_endpoints w on w.tenant_id = e.tenant_id and w.active and w.events ? e.type
  returning event_id`

/**
 * Writes an event and one pending delivery per active endpoint of the tenant subscribed to its type; nothing when
 * none is. Call it inside the transaction that makes the change the event reports.
 */
export async function enqueueWebhookEvent(h: Handle, tenantId: string, type: string, data: unknown, now: Date): Promise<number> {
  const rows = await run(h, ENQUEUE, [tenantId, type, JSON.stringify(data), now.toISOString()])
  return rows.length
}

export async function countEndpoints(db: Db, tenantId: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId))
  return Number(n)
}

export async function insertEndpoint(db: Db, tenantId: string, v: { url: string; events: string[]; description: string | null; active: boolean; secret: string }): Promise<WebhookEndpoint> {
  const [row] = await db.insert(webhookEndpoints).values({ tenantId, ...v }).returning()
  return row
}

export async function listEndpoints(db: Db, tenantId: string, f: { limit: number; offset: number }) {
  const where = eq(webhookEndpoints.tenantId, tenantId)
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(webhookEndpoints).where(where).orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id)).limit(f.limit).offset(f.offset),
    db.select({ total: count() }).from(webhookEndpoints).where(where),
  ])
  return { rows, total: Number(total) }
}

export async function findEndpoint(db: Db, tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
  const [row] = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))).limit(1)
  return row
}

export async function updateEndpoint(db: Db, tenantId: string, id: string, v: Partial<Pick<WebhookEndpoint,
  'url' | 'events' | 'description' | 'active' | 'secret' | 'previousSecret' | 'previousSecretUntil' | 'consecutiveFailures' | 'disabledAt'>>, now: Date) {
  const [row] = await db.update(webhookEndpoints).set({ ...v, updatedAt: now })
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))).returning()
  return row
}

export async function deleteEndpoint(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id))).returning({ id: webhookEndpoints.id })
  return rows.length === 1
}

export interface DeliveryRow {
  id: string; event_id: string; type: string; status: 'pending' | 'succeeded' | 'failed'; attempts: number
  next_attempt_at: Date | string | null; last_attempt_at: Date | string | null; last_response_code: number | null
  last_response_body: string | null; last_error: string | null; manual: boolean; created_at: Date | string; completed_at: Date | string | null
}
const DELIVERY_COLUMNS = `d.id, d.event_id, ev.type, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_response_code,
  d.last_response_body, d.last_error, d.manual, d.created_at, d.completed_at`

export async function listDeliveries(raw: RawSql, tenantId: string, endpointId: string, f: { limit: number; offset: number; status?: string }) {
  const params = [tenantId, endpointId, f.status ?? null]
  const where = 'd.tenant_id = $1 and d.endpoint_id = $2 and ($3::text is null or d.status = $3)'
  const [rows, [{ total }]] = await Promise.all([
    raw.query<DeliveryRow>(`select ${DELIVERY_COLUMNS} from webhook_deliveries d join webhook_events ev on ev.tenant_id = d.tenant_id and ev.id = d.event_id
      where ${where} order by d.created_at desc, d.id desc limit $4 offset $5`, [...params, f.limit, f.offset]),
    raw.query<{ total: number }>(`select count(*)::int as total from webhook_deliveries d where ${where}`, params),
  ])
  return { rows, total: Number(total) }
}

export async function findDelivery(raw: RawSql, tenantId: string, endpointId: string, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await raw.query<DeliveryRow>(`select ${DELIVERY_COLUMNS} from webhook_deliveries d join webhook_events ev on ev.tenant_id = d.tenant_id and ev.id = d.event_id
    where d.tenant_id = $1 and d.endpoint_id = $2 and d.id = $3`, [tenantId, endpointId, id])
  return row
}

/** Makes a delivery due now (a manual retry); its webhook-id stays the event's. Undefined when it is not the tenant's. */
export async function retryDelivery(raw: RawSql, tenantId: string, endpointId: string, id: string, now: Date): Promise<boolean> {
  const rows = await raw.query(`update webhook_deliveries set status = 'pending', next_attempt_at = $4::timestamptz, manual = true, completed_at = null
    where tenant_id = $1 and endpoint_id = $2 and id = $3 returning id`, [tenantId, endpointId, id, now.toISOString()])
  return rows.length === 1
}

/** A `ping` event for one endpoint (whatever it subscribes to), due now; returns the delivery's id. */
export async function insertPing(raw: RawSql, tenantId: string, endpointId: string, data: unknown, now: Date): Promise<string> {
  const [row] = await raw.query<{ id: string }>(`with e as (
      insert into webhook_events (tenant_id, type, data, created_at) values ($1, 'ping', $3::jsonb, $4::timestamptz) returning id)
    insert into webhook_deliveries (tenant_id, endpoint_id, event_id, next_attempt_at, created_at, manual)
    select $1, $2, e.id, $4::timestamptz, $4::timestamptz, true from e returning id`, [tenantId, endpointId, JSON.stringify(data), now.toISOString()])
  return row!.id
}

export interface ClaimedDelivery {
  id: string; tenant_id: string; endpoint_id: string; attempts: number; manual: boolean; created_at: Date | string
  event_id: string; type: string; data: unknown; event_at: Date | string
  url: string; secret: string; previous_secret: string | null; previous_secret_until: Date | string | null
}

/**
 * Claims up to `limit` due deliveries across tenants (dispatch is the operator's, not a request's), fairly: each
 * tenant with something due gets at most `perTenant` less what it has `inFlight` in the caller (tenant id →
 * sends under way), taken round-robin, so one tenant's backlog cannot fill a claim. The tenants are found without
 * locks by a skip scan of webhook_deliveries_tenant_due_idx (one index probe per tenant with pending rows, not a
 * read of the backlog), oldest due first; each tenant's rows are then claimed by a statement naming that tenant
 * (what Citus can row-lock), locked with SKIP LOCKED so concurrent dispatchers take disjoint rows, counted as an
 * attempt, and leased by moving `next_attempt_at` to `leaseUntil`: a dispatcher that dies before recording the
 * outcome leaves them due again then.
 */
export async function claimDueDeliveries(raw: RawSql, now: Date, leaseUntil: Date, limit: number,
  perTenant: number = limit, inFlight: Record<string, number> = {}): Promise<ClaimedDelivery[]> {
  const due = await raw.query<{ tenant_id: string }>(`with recursive due_tenants(tenant_id) as (
      (select tenant_id from webhook_deliveries where status = 'pending' and next_attempt_at <= $1::timestamptz order by tenant_id limit 1)
      union all
      select (select d.tenant_id from webhook_deliveries d where d.status = 'pending' and d.next_attempt_at <= $1::timestamptz
        and d.tenant_id > t.tenant_id order by d.tenant_id limit 1)
      from due_tenants t where t.tenant_id is not null)
    select t.tenant_id from due_tenants t
    cross join lateral (select min(d.next_attempt_at) as oldest from webhook_deliveries d
      where d.tenant_id = t.tenant_id and d.status = 'pending' and d.next_attempt_at <= $1::timestamptz) o
    where t.tenant_id is not null order by o.oldest, t.tenant_id`, [now.toISOString()])
  const allowance = new Map<string, number>()
  for (const { tenant_id } of due) {
    const left = perTenant - (inFlight[tenant_id] ?? 0)
    if (left > 0) allowance.set(tenant_id, left)
  }
  return claimRoundRobin([...allowance.keys()].slice(0, limit), limit, async (tenantId, n) => {
    const take = Math.min(n, allowance.get(tenantId) ?? 0)
    if (take <= 0) return []
    const got = await claimTenantDeliveries(raw, tenantId, now, leaseUntil, take)
    allowance.set(tenantId, (allowance.get(tenantId) ?? 0) - got.length)
    return got // fewer than offered (its allowance, or nothing more due): the round-robin offers it no more
  })
}

async function claimTenantDeliveries(raw: RawSql, tenantId: string, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  return raw.query<ClaimedDelivery>(`with c as (
      select d.tenant_id, d.id from webhook_deliveries d join webhook_endpoints w on w.tenant_id = d.tenant_id and w.id = d.endpoint_id
      where d.tenant_id = $4 and d.status = 'pending' and d.next_attempt_at <= $1::timestamptz and (w.active or d.manual)
      order by d.next_attempt_at, d.id limit $3 for update of d skip locked),
    u as (update webhook_deliveries d set attempts = d.attempts + 1, last_attempt_at = $1::timestamptz, next_attempt_at = $2::timestamptz
      from c where d.tenant_id = c.tenant_id and d.id = c.id returning d.id, d.tenant_id, d.endpoint_id, d.event_id, d.attempts, d.manual, d.created_at)
    select u.id, u.tenant_id, u.endpoint_id, u.attempts, u.manual, u.created_at, ev.id as event_id, ev.type, ev.data, ev.created_at as event_at,
      w.url, w.secret, w.previous_secret, w.previous_secret_until
    from u join webhook_events ev on ev.tenant_id = u.tenant_id and ev.id = u.event_id
    join webhook_endpoints w on w.tenant_id = u.tenant_id and w.id = u.endpoint_id`,
  [now.toISOString(), leaseUntil.toISOString(), limit, tenantId])
}

export interface Outcome { code: number | null; body: string | null; error: string | null }

/** A 2xx: the delivery is done and the endpoint's run of failed events ends. Only the claim that made this attempt records it. */
export async function recordSuccess(raw: RawSql, d: { id: string; tenantId: string; endpointId: string; attempts: number }, o: Outcome, now: Date) {
  await raw.transaction(async (tx) => {
    const rows = await tx.query(`update webhook_deliveries set status = 'succeeded', next_attempt_at = null, completed_at = $3::timestamptz,
      last_response_code = $4, last_response_body = $5, last_error = null where tenant_id = $6 and id = $1 and attempts = $2 and status = 'pending' returning id`,
    [d.id, d.attempts, now.toISOString(), o.code, o.body, d.tenantId])
    if (rows.length) await tx.query('update webhook_endpoints set consecutive_failures = 0 where tenant_id = $1 and id = $2', [d.tenantId, d.endpointId])
  })
}

/**
 * A failed attempt: due again at `next`, or failed for good when `next` is null. A delivery failed for good
 * (not a manual one) adds to the endpoint's run; at `disableAfter` the endpoint is disabled. Returns whether
 * this call disabled it.
 */
export async function recordFailure(raw: RawSql, d: { id: string; tenantId: string; endpointId: string; attempts: number; manual: boolean },
  o: Outcome, next: Date | null, now: Date, disableAfter: number): Promise<boolean> {
  return raw.transaction(async (tx) => {
    const rows = await tx.query(`update webhook_deliveries set status = $3, next_attempt_at = $4::timestamptz,
      completed_at = case when $3 = 'failed' then $5::timestamptz end, last_response_code = $6, last_response_body = $7, last_error = $8
      where tenant_id = $9 and id = $1 and attempts = $2 and status = 'pending' returning id`,
    [d.id, d.attempts, next ? 'pending' : 'failed', next?.toISOString() ?? null, now.toISOString(), o.code, o.body, o.error, d.tenantId])
    if (!rows.length || next || d.manual) return false
    const [w] = await tx.query<{ disabled: boolean }>(`update webhook_endpoints set consecutive_failures = consecutive_failures + 1,
        active = active and consecutive_failures + 1 < $3,
        disabled_at = case when active and consecutive_failures + 1 >= $3 then $4::timestamptz else disabled_at end
      where tenant_id = $1 and id = $2 returning (disabled_at = $4::timestamptz) as disabled`, [d.tenantId, d.endpointId, disableAfter, now.toISOString()])
    return w?.disabled === true
  })
}

/** Who is told that a tenant's endpoint was disabled: its admin. */
export async function tenantOwnerEmail(raw: RawSql, tenantId: string): Promise<{ email: string; tenant: string } | undefined> {
  const [row] = await raw.query<{ email: string; tenant: string }>('select u.email, t.name as tenant from tenants t join users u on u.id = t.owner_id where t.id = $1', [tenantId])
  return row
}

/** Forgets finished events older than `before` (their deliveries go with them); pending ones stay. */
export async function pruneWebhookEvents(raw: RawSql, before: Date): Promise<number> {
  const rows = await raw.query(`delete from webhook_events ev where ev.created_at < $1::timestamptz
    and not exists (select 1 from webhook_deliveries d where d.tenant_id = ev.tenant_id and d.event_id = ev.id and d.status = 'pending') returning 1`, [before.toISOString()])
  return rows.length
}
