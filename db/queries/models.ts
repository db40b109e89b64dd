// Recommendation models: stored per tenant, built under a lease so that one
// worker builds a tenant at a time (and a dead worker's lease just expires).
import { Buffer } from 'node:buffer'
import { nextTurn, type RawSql } from '../client.ts'
import { enqueueWebhookEvent } from './webhooks.ts'

export interface ModelRow { version: string | null; built_at: Date | string | null; stats: unknown; status: string; requested_at: Date | string | null; last_error: string | null }

/** A build lease: who takes it and until when (the caller's clock, so tests move time instead of waiting). */
export interface BuildLease { holder: string; now: Date; leaseMs: number }
/** The due rule's cut-offs (see dueTenants): given, a claim is taken only while the tenant is still due. */
export interface DueRule { refreshMs: number; fullMs: number }

// Why a tenant is due, for its row `m` of recommendation_models and its id `t` ($1 = now; `r`, `f`: the parameters holding the refresh and full-rebuild ms).
const NEVER_BUILT = (m: string, t: string) => `(${m}.built_at is null and exists (select 1 from catalog_items c where c.tenant_id = ${t}))`
const ASKED = (m: string) => `(${m}.requested_at is not null and (${m}.built_at is null or ${m}.requested_at > ${m}.built_at))`
const STALE = (m: string, f: string) => `(${m}.built_at < $1::timestamptz - ${f} * interval '1 millisecond')`
const MOVED = (m: string, t: string, r: string) => `(${m}.built_at < $1::timestamptz - ${r} * interval '1 millisecond' and exists (select 1 from user_profiles p where p.tenant_id = ${t} and p.updated_at > ${m}.built_at))`

/**
 * Takes the build lease for a tenant; false when another worker holds a live one or, with `due`,
 * when the tenant is no longer due (another worker built it since this one listed it: on a
 * conflict PostgreSQL re-checks the condition on the row's latest version, so each due tenant
 * is built once however many workers race for it).
 */
export async function claimBuild(raw: RawSql, tenantId: string, lease: BuildLease, due?: DueRule): Promise<boolean> {
  // The row's own columns are read on its latest version (a subquery would see the statement's snapshot, from before a racing save).
  const m = 'recommendation_models'
  const stillDue = due ? `and exists (select 1 from tenants t where t.id = $2 and t.status = 'active')
    and (${NEVER_BUILT(m, '$2')} or ${ASKED(m)} or ${STALE(m, '$6')} or ${MOVED(m, '$2', '$5')})` : ''
  const rows = await raw.query(
    `insert into recommendation_models (tenant_id, status, lease_until, lease_holder) values ($2, 'building', $1::timestamptz + $4 * interval '1 millisecond', $3)
     on conflict (tenant_id) do update set status = 'building', lease_until = excluded.lease_until, lease_holder = excluded.lease_holder
     where (recommendation_models.lease_until is null or recommendation_models.lease_until < $1::timestamptz) ${stillDue}
     returning tenant_id`, [lease.now.toISOString(), tenantId, lease.holder, lease.leaseMs, ...(due ? [due.refreshMs, due.fullMs] : [])])
  return rows.length === 1
}

/** Extends a build lease its holder still has; false when it was taken over (the holder stalled past the expiry). */
export async function renewBuild(raw: RawSql, tenantId: string, lease: BuildLease): Promise<boolean> {
  const rows = await raw.query(
    `update recommendation_models set lease_until = $3::timestamptz + $4 * interval '1 millisecond'
     where tenant_id = $1 and lease_holder = $2 returning tenant_id`, [tenantId, lease.holder, lease.now.toISOString(), lease.leaseMs])
  return rows.length === 1
}

// The model's bytes cross the driver as base64 text, decoded and encoded by the database:
// PGlite (which runs on the API's thread) took 0.94 s to take 2.7 MB as a bytea parameter
// and 0.34 s to hand it back, against 0.08 s both ways as base64.

/**
 * Stores a finished model and releases the lease; with `holder`, only while that worker still holds
 * it (false: taken over, the new holder stores its own). Without, unconditionally (tests).
 * Its model.ready webhook event is written in the same transaction.
 */
export async function saveModel(raw: RawSql, tenantId: string, m: { version: string; builtAt: Date; model: Uint8Array; stats: unknown }, now: Date, holder?: string): Promise<boolean> {
  return raw.transaction(async (tx) => {
    const rows = await tx.query(
      `update recommendation_models set version = $2, built_at = $3, model = decode($4, 'base64'), stats = $5::jsonb, status = 'ready', lease_until = null, lease_holder = null, last_error = null
       where tenant_id = $1 ${holder === undefined ? '' : 'and lease_holder = $6'} returning tenant_id`,
      [tenantId, m.version, m.builtAt.toISOString(), Buffer.from(m.model.buffer, m.model.byteOffset, m.model.byteLength).toString('base64'), JSON.stringify(m.stats), ...(holder === undefined ? [] : [holder])])
    if (rows.length !== 1) return false
    await enqueueWebhookEvent(tx, tenantId, 'model.ready', { version: m.version, builtAt: m.builtAt.toISOString(), stats: m.stats }, now)
    return true
  })
}

/**
 * Records a failed build (only by the lease's holder); a previous model, if any, keeps serving. The lease is
 * kept a minute as a cool-down before a retry. Its model.failed webhook event is written in the same transaction.
 */
export async function failBuild(raw: RawSql, tenantId: string, error: string, now: Date, holder: string) {
  await raw.transaction(async (tx) => {
    const [row] = await tx.query<{ status: string; version: string | null }>(
      `update recommendation_models set status = case when model is null then 'failed' else 'ready' end,
         lease_until = now() + interval '1 minute', lease_holder = null, last_error = $2
       where tenant_id = $1 and lease_holder = $3 returning status, version`, [tenantId, error.slice(0, 1000), holder])
    if (row) await enqueueWebhookEvent(tx, tenantId, 'model.failed', { error: error.slice(0, 1000), servingVersion: row.version }, now)
  })
}

/** Asks for a build soon (catalog changed, or an explicit rebuild). */
export async function requestBuild(raw: RawSql, tenantId: string) {
  await raw.query(
    `insert into recommendation_models (tenant_id, requested_at) values ($1, now())
     on conflict (tenant_id) do update set requested_at = now()`, [tenantId])
}

export async function modelStatus(raw: RawSql, tenantId: string): Promise<ModelRow | undefined> {
  const [row] = await raw.query<ModelRow>('select version, built_at, stats, status, requested_at, last_error from recommendation_models where tenant_id = $1', [tenantId])
  return row
}

export async function modelVersion(raw: RawSql, tenantId: string): Promise<string | null> {
  const [row] = await raw.query<{ version: string | null }>('select version from recommendation_models where tenant_id = $1', [tenantId])
  return row?.version ?? null
}

export async function loadModelBytes(raw: RawSql, tenantId: string): Promise<{ version: string; model: Buffer } | undefined> {
  const row = await loadModelBase64(raw, tenantId)
  return row && { version: row.version, model: Buffer.from(row.model64, 'base64') }
}

/** The stored model as base64 text, as it crosses the driver: the store decodes it on its load thread. */
export async function loadModelBase64(raw: RawSql, tenantId: string): Promise<{ version: string; model64: string } | undefined> {
  // encode() breaks its base64 into lines; they are taken out before decoding.
  const [row] = await raw.query<{ version: string; model64: string }>(
    `select version, translate(encode(model, 'base64'), E'\n', '') as model64 from recommendation_models where tenant_id = $1 and model is not null`, [tenantId])
  return row
}

/**
 * The stored model as bytea, for a model load thread's own postgres.js connection (never PGlite:
 * see above). Only `query` is asked for: the thread holds no pool, no transactions.
 */
export async function loadModelStored(raw: Pick<RawSql, 'query'>, tenantId: string): Promise<{ version: string; model: Uint8Array } | undefined> {
  const [row] = await raw.query<{ version: string; model: Uint8Array }>('select version, model from recommendation_models where tenant_id = $1 and model is not null', [tenantId])
  return row
}

/**
 * Tenants whose stored model an instance loads before it reports ready (MODEL_WARM_SECONDS): active tenants with a
 * model, those asked for the most recommendations since `since` (a day string) first, then the most recently built.
 * A fleet-wide list for the operator's process, not a tenant's request: it reads no tenant's data but ids.
 */
export async function tenantsToWarm(raw: RawSql, since: string, limit: number): Promise<string[]> {
  const rows = await raw.query<{ id: string }>(
    `select m.tenant_id as id
       from recommendation_models m
       join tenants t on t.id = m.tenant_id and t.status = 'active'
       left join (select tenant_id, sum(recommendation_requests) as asked from usage_daily where day >= $1::date group by tenant_id) u
         on u.tenant_id = m.tenant_id
      where m.model is not null
      order by coalesce(u.asked, 0) desc, m.built_at desc nulls last, m.tenant_id
      limit $2`, [since, limit])
  return rows.map((r) => r.id)
}

// Each active tenant not under a live lease, with whether it is due and since when: the oldest
// applicable reason (a request, the first build, the daily full rebuild, a refresh after new events).
const QUEUE = `select t.id, m.lease_until, m.lease_holder,
    case when ${NEVER_BUILT('m', 't.id')} then coalesce(m.requested_at, t.created_at) end as never_since,
    case when ${ASKED('m')} then m.requested_at end as asked_since,
    case when ${STALE('m', '$3')} then m.built_at + $3 * interval '1 millisecond' end as stale_since,
    case when ${MOVED('m', 't.id', '$2')} then m.built_at + $2 * interval '1 millisecond' end as moved_since
  from tenants t left join recommendation_models m on m.tenant_id = t.id
  where t.status = 'active'`
const DUE = `select id, least(never_since, asked_since, stale_since, moved_since) as due_since, lease_until, lease_holder from (${QUEUE}) q`

/**
 * Active tenants whose model should be (re)built now, oldest due first: never built but with a
 * catalog; a build was requested after the last one; the last full build is older than
 * `fullMs`; or it is older than `refreshMs` and users have had new events since. Tenants under
 * a live lease are skipped. Oldest-due-first is the fairness rule: a tenant whose build takes
 * long is due again only after it is built, behind every tenant already waiting.
 */
export async function tenantsDue(raw: RawSql, now: Date, due: DueRule, limit = 1000): Promise<string[]> {
  const rows = await raw.query<{ id: string }>(
    `select id from (${DUE}) d where due_since is not null and (lease_until is null or lease_until < $1::timestamptz)
     order by due_since, id limit $4`, [now.toISOString(), due.refreshMs, due.fullMs, limit])
  return rows.map((r) => r.id)
}

export interface BuildQueue { due: number; building: number; builtLastMinute: number; oldestDueSeconds: number }

/** The fleet's build queue (for /metrics): due and waiting, under a build lease, built in the last minute, the oldest due's wait. */
export async function buildQueue(raw: RawSql, now: Date, due: DueRule): Promise<BuildQueue> {
  const [row] = await raw.query<{ due: number; building: number; built: number; oldest: number | null }>(
    `select count(*) filter (where due_since is not null and (lease_until is null or lease_until < $1::timestamptz))::int as due,
       count(*) filter (where lease_holder is not null and lease_until >= $1::timestamptz)::int as building,
       (select count(*) from recommendation_models where built_at > $1::timestamptz - interval '1 minute')::int as built,
       extract(epoch from ($1::timestamptz - min(due_since) filter (where lease_until is null or lease_until < $1::timestamptz)))::float8 as oldest
     from (${DUE}) d`, [now.toISOString(), due.refreshMs, due.fullMs])
  return { due: row.due, building: row.building, builtLastMinute: row.built, oldestDueSeconds: Math.max(0, row.oldest ?? 0) }
}

export interface CatalogRow { product_id: string; name: string; description: string | null; category: string | null; price: number | null; image_url: string | null; url: string | null; attributes: Record<string, unknown>; available: boolean; created_ms: number }

const CATALOG_COLUMNS = 'product_id, name, description, category, price, image_url, url, attributes, available, (extract(epoch from created_at) * 1000)::float8 as created_ms'

export async function catalogForModel(raw: RawSql, tenantId: string): Promise<CatalogRow[]> {
  return raw.query<CatalogRow>(
    `select ${CATALOG_COLUMNS} from catalog_items where tenant_id = $1 order by product_id`, [tenantId])
}

/** The tenant's stored config (its `recommendations` settings shape the build). */
export async function tenantConfigForModel(raw: RawSql, tenantId: string): Promise<unknown> {
  const rows = await raw.query<{ config: unknown }>('select config from tenants where id = $1', [tenantId])
  return rows[0]?.config
}

export interface InteractionRow { u: string; p: string; e: string; t: number; o: string | null; s: string | null }

/** The tenant's interactions since `since` (recommendation impressions carry no preference and are left out). */
export async function interactionsForModel(raw: RawSql, tenantId: string, since: Date, now: Date, chunkDays = 3): Promise<InteractionRow[]> {
  // Read a few days at a time, letting the event loop turn in between: PGlite runs a query on
  // the calling thread, and the 90-day window of a retail-size store in one query held every
  // request back ≈ 1.3 s. The last chunk is open-ended (events may carry a later clock).
  const out: InteractionRow[] = []
  const step = chunkDays * 86400_000
  for (let from = since.getTime(); ; from += step) {
    const last = from + step >= now.getTime()
    const rows = await raw.query<InteractionRow>(
      `select user_id as u, product_id as p, event_type as e, (extract(epoch from ts) * 1000)::float8 as t, metadata->>'orderId' as o, session_id as s
       from events where tenant_id = $1 and ts >= $2 ${last ? '' : 'and ts < $3'} and event_type <> 'recommendation_impressed'`,
      last ? [tenantId, new Date(from).toISOString()] : [tenantId, new Date(from).toISOString(), new Date(from + step).toISOString()])
    for (const r of rows) out.push(r)
    if (last) return out
    await nextTurn()
  }
}

/**
 * The tenant's newest available products (what a tenant without a model yet is served). Sorts the
 * tenant's rows by created_at (no index on it): asked for while no model exists, at most every few
 * seconds per instance (new-arrivals.ts), and `limit` is small.
 */
export async function newestCatalogItems(raw: RawSql, tenantId: string, limit: number): Promise<CatalogRow[]> {
  return raw.query<CatalogRow>(
    `select ${CATALOG_COLUMNS} from catalog_items where tenant_id = $1 and available and deleted_at is null
     order by created_at desc, product_id limit $2`, [tenantId, limit])
}

/** Current availability and display fields of some products (to patch a loaded model at once). */
export async function catalogRowsFor(raw: RawSql, tenantId: string, productIds: string[]): Promise<CatalogRow[]> {
  return raw.query<CatalogRow>(
    `select ${CATALOG_COLUMNS} from catalog_items
     where tenant_id = $1 and product_id = any(select jsonb_array_elements_text($2::jsonb))`, [tenantId, JSON.stringify(productIds)])
}
