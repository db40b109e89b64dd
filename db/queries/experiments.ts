import { and, count, desc, eq, inArray, isNull, ne, or } from 'drizzle-orm'
import type { Db, RawSql } from '../client.ts'
import { claimRoundRobin, tenantsWithDueRows } from './claims.ts'
import { enqueueWebhookEvent, run, type Handle } from './webhooks.ts'
import { experiments, tenants, type Experiment } from '../schema.ts'

export type ExperimentStatus = Experiment['status']
export type NewExperiment = Pick<Experiment, 'name' | 'control' | 'variant' | 'trafficSplit' | 'metric' | 'placement' | 'status' | 'analysis' | 'plannedSampleSize' | 'variants' | 'guardrails' | 'cuped'>

export async function findExperiment(db: Db, tenantId: string, id: string): Promise<Experiment | undefined> {
  const [e] = await db.select().from(experiments).where(and(eq(experiments.tenantId, tenantId), eq(experiments.id, id))).limit(1)
  return e
}

export async function listExperiments(db: Db, tenantId: string, f: { status?: ExperimentStatus; limit: number; offset: number }) {
  const where = and(eq(experiments.tenantId, tenantId), f.status ? eq(experiments.status, f.status) : undefined)
  const [rows, [{ total }]] = await Promise.all([
    db.select().from(experiments).where(where).orderBy(desc(experiments.createdAt), desc(experiments.id)).limit(f.limit).offset(f.offset),
    db.select({ total: count() }).from(experiments).where(where),
  ])
  return { rows, total: Number(total) }
}

/** Running experiments that would overlap one on `placement` (null covers every placement). */
async function overlapping(db: Db, tenantId: string, placement: string | null, exceptId?: string) {
  return db.select({ id: experiments.id, name: experiments.name }).from(experiments).where(and(
    eq(experiments.tenantId, tenantId), eq(experiments.status, 'running'),
    exceptId ? ne(experiments.id, exceptId) : undefined,
    placement === null ? undefined : or(isNull(experiments.placement), eq(experiments.placement, placement)),
  ))
}

/**
 * Runs `change` while holding the tenant's row lock, after checking that no
 * other running experiment overlaps `placement` when `running` is true; two
 * concurrent starts cannot both pass. Returns 'overlap' with the blocker.
 */
export async function withRunningCheck<T>(db: Db, tenantId: string, running: { placement: string | null; exceptId?: string } | null,
  change: (tx: Db) => Promise<T>): Promise<T | { overlap: { id: string; name: string } }> {
  return db.transaction(async (tx) => {
    await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update')
    if (running) {
      const [o] = await overlapping(tx as unknown as Db, tenantId, running.placement, running.exceptId)
      if (o) return { overlap: o }
    }
    return change(tx as unknown as Db)
  })
}

export async function insertExperiment(db: Db, tenantId: string, v: NewExperiment & { startedAt: Date | null }): Promise<Experiment> {
  const [e] = await db.insert(experiments).values({ tenantId, ...v }).returning()
  return e
}

export async function updateExperiment(db: Db, tenantId: string, id: string, v: Partial<Experiment>, fromStatus?: ExperimentStatus[]): Promise<Experiment | undefined> {
  const [e] = await db.update(experiments).set({ ...v, updatedAt: new Date() })
    .where(and(eq(experiments.tenantId, tenantId), eq(experiments.id, id), fromStatus ? inArray(experiments.status, fromStatus) : undefined)).returning()
  return e
}

export async function deleteDraft(db: Db, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.delete(experiments).where(and(eq(experiments.tenantId, tenantId), eq(experiments.id, id), eq(experiments.status, 'draft'))).returning({ id: experiments.id })
  return rows.length === 1
}

export interface RunningExperiment {
  id: string; control: string; variant: string; traffic_split: number; placement: string | null; segment: string | null
  /** null: the two-arm form. */
  variants: { key: string; strategy: string; weight: number }[] | null
}

/** The tenant's running experiments (serving picks the one covering the request's placement). */
export async function runningExperiments(raw: RawSql, tenantId: string): Promise<RunningExperiment[]> {
  return raw.query<RunningExperiment>(
    "select id, control, variant, traffic_split, placement, segment, variants from experiments where tenant_id = $1 and status = 'running' order by placement nulls last", [tenantId])
}

/** Records first exposures (later ones keep the first). */
export async function recordExposures(raw: RawSql, rows: { tenantId: string; experimentId: string; userId: string; arm: string; at: Date }[]) {
  if (!rows.length) return
  await raw.query(
    `insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
     select t, e, u, a, at from jsonb_to_recordset($1::jsonb) as x(t uuid, e uuid, u text, a text, at timestamptz)
     on conflict (tenant_id, experiment_id, user_id) do nothing`,
    [JSON.stringify(rows.map((r) => ({ t: r.tenantId, e: r.experimentId, u: r.userId, a: r.arm, at: r.at.toISOString() })))])
}

/** Deletes a shopper's exposures to every experiment of the tenant (an erasure); the primary key (tenant, experiment, user) finds each. */
export async function deleteShopperExposures(raw: RawSql, tenantId: string, userId: string): Promise<number> {
  const rows = await raw.query<{ n: number }>(
    `with gone as (delete from experiment_exposures where tenant_id = $1 and user_id = $2
       and experiment_id in (select id from experiments where tenant_id = $1) returning 1)
     select count(*)::int as n from gone`, [tenantId, userId])
  return rows[0]?.n ?? 0
}

export interface ExposedUserRow {
  arm: string; day: string; impressions: number; clicks: number; conversions: number; revenue: number
  /** The same over the `preDays` before exposure (CUPED's covariate); 0 without events or when preDays is 0. */
  preImpressions?: number; preClicks?: number; preConversions?: number; preRevenue?: number
  /** Any event of the user in the `preDays` before exposure. */
  hasPre?: boolean
}

/**
 * One row per exposed user, in user order: what they did after their first
 * exposure — recommendation impressions and clicks, and purchases attributed
 * to a recommendation click (same product, within `windowHours` before, after
 * exposure) with their revenue (price × quantity, else the catalog price) —
 * and the same over the `preDays` before exposure (attribution then within
 * that period), CUPED's covariate.
 *
 * One pass per shopper: the lateral join makes every read of events an index
 * range on the (tenant, user) prefix of events_dedup_key, whatever the planner
 * believes about row counts (PGlite never analyses: it had put a scan of the
 * tenant's whole event history inside the loop over exposures, quadratic).
 * The period's start is applied above the window, not to the scan: as a scan
 * condition it let PGlite's planner pick the (tenant, ts) index per partition,
 * a scan of every shopper's events since then, for each shopper. So the
 * shopper's whole retained history is read; earlier clicks cannot change an
 * attribution (only the latest click at or before a purchase counts).
 * Attribution is a window over those same rows: a purchase is attributed when
 * the latest click on its product at or before it (clicks sort first on a tie)
 * falls in [max(period start, purchase − window), purchase]. Revenue is summed
 * as numeric: the same total whatever order the rows come in.
 */
export async function exposedUserMetrics(raw: RawSql, tenantId: string, experimentId: string, windowHours: number, preDays = 0): Promise<ExposedUserRow[]> {
  // JIT off: the plan's cost passes PostgreSQL's JIT thresholds at a few thousand shoppers, and compiling it
  // took longer than running it (4 s of 10 s at 20,000 shoppers on a loaded machine).
  return raw.transaction(async (tx) => {
    await tx.query('set local jit = off')
    return tx.query<ExposedUserRow>(
    `select x.arm, (x.exposed_at at time zone 'UTC')::date::text as day, m.*
     from (select user_id, arm, exposed_at, exposed_at - make_interval(days => $4) as pre_from
       from experiment_exposures where tenant_id = $1 and experiment_id = $2) x
     cross join lateral (
       select
         (count(*) filter (where s.post and s.event_type = 'recommendation_impressed'))::int as impressions,
         (count(*) filter (where s.post and s.event_type = 'recommendation_clicked'))::int as clicks,
         (count(*) filter (where s.post and s.attributed))::int as conversions,
         coalesce(sum(s.amount::numeric) filter (where s.post and s.attributed), 0)::float8 as revenue,
         (count(*) filter (where not s.post and s.event_type = 'recommendation_impressed'))::int as "preImpressions",
         (count(*) filter (where not s.post and s.event_type = 'recommendation_clicked'))::int as "preClicks",
         (count(*) filter (where not s.post and s.attributed))::int as "preConversions",
         coalesce(sum(s.amount::numeric) filter (where not s.post and s.attributed), 0)::float8 as "preRevenue",
         ($4 > 0 and coalesce(bool_or(not s.post), false)) as "hasPre"
       from (
         select e.event_type, e.ts, e.ts >= x.exposed_at as post,
           e.event_type = 'purchase' and max(e.ts) filter (where e.event_type = 'recommendation_clicked')
             over (partition by e.product_id order by e.ts, e.event_type = 'purchase' rows unbounded preceding)
             >= greatest(case when e.ts >= x.exposed_at then x.exposed_at else x.pre_from end, e.ts - make_interval(hours => $3)) as attributed,
           case when e.event_type = 'purchase' then coalesce((e.metadata->>'price')::float8,
             (select ci.price from catalog_items ci where ci.tenant_id = $1 and ci.product_id = e.product_id), 0)
             * coalesce((e.metadata->>'quantity')::float8, 1) end as amount
         from events e
         -- After exposure only the three counted types matter; before it any event says "has a covariate".
         where e.tenant_id = $1 and e.user_id = x.user_id
           and (e.ts < x.exposed_at or e.event_type in ('recommendation_impressed', 'recommendation_clicked', 'purchase'))
       ) s
       where s.ts >= x.pre_from
     ) m
     order by x.user_id`,
    [tenantId, experimentId, windowHours, preDays])
  })
}

/** Completed experiments past the full-results period and not yet archived, with their tenant's config. */
export async function experimentsToArchive(raw: RawSql, completedBefore: Date) {
  return raw.query<{ id: string; tenant_id: string; config: unknown }>(
    `select e.id, e.tenant_id, t.config from experiments e join tenants t on t.id = e.tenant_id
     where e.status = 'completed' and e.archived_at is null and e.completed_at < $1`, [completedBefore.toISOString()])
}

/** Keeps the summary and drops the per-user exposures, in one transaction. */
export async function archiveExperiment(raw: RawSql, tenantId: string, id: string, summary: unknown, now: Date) {
  await raw.transaction(async (tx) => {
    await tx.query('update experiments set summary = $3::jsonb, archived_at = $4 where tenant_id = $1 and id = $2', [tenantId, id, JSON.stringify(summary), now.toISOString()])
    await tx.query('delete from experiment_exposures where tenant_id = $1 and experiment_id = $2', [tenantId, id])
  })
}

/**
 * Marks the first time an experiment's results said significant (or showed a sample ratio mismatch) and writes
 * its webhook event and its alert mail in the same transaction; false when it was marked before (the event is sent once).
 */
export async function markFirstResult(raw: RawSql, tenantId: string, id: string, what: 'significant' | 'srm_detected', now: Date, data: () => unknown): Promise<boolean> {
  const column = what === 'significant' ? 'significant_at' : 'srm_detected_at'
  return raw.transaction(async (tx) => {
    const rows = await tx.query(`update experiments set ${column} = $3::timestamptz where tenant_id = $1 and id = $2 and ${column} is null returning id`, [tenantId, id, now.toISOString()])
    if (rows.length) {
      await enqueueWebhookEvent(tx, tenantId, `experiment.${what}`, data(), now)
      await queueExperimentAlert(tx, tenantId, id, what, now)
    }
    return rows.length === 1
  })
}

/** Running experiments whose results have not yet said significant, across tenants, oldest look first (the background watch). */
export async function experimentsToWatch(raw: RawSql, limit: number) {
  return raw.query<{ id: string; tenant_id: string; config: unknown }>(
    `select e.id, e.tenant_id, t.config from experiments e join tenants t on t.id = e.tenant_id
     where e.status = 'running' and t.status = 'active' and (e.significant_at is null or e.srm_detected_at is null)
     order by e.started_at limit $1`, [limit])
}

export type AlertKind = 'significant' | 'srm_detected' | 'completed'

/** Queues the alert mail of a moment; call it in the transaction that marks the moment. Once per (experiment, kind). */
export async function queueExperimentAlert(h: Handle, tenantId: string, experimentId: string, kind: AlertKind, now: Date): Promise<void> {
  await run(h, `insert into experiment_alerts (experiment_id, kind, tenant_id, created_at) values ($2::uuid, $3, $1::uuid, $4::timestamptz)
    on conflict do nothing`, [tenantId, experimentId, kind, now.toISOString()])
}

export interface ClaimedAlert { tenant_id: string; experiment_id: string; kind: AlertKind; experiment_name: string; tenant_name: string; config: unknown }

/**
 * Claims up to `limit` unsent alerts across tenants (mailing is the operator's, not a request's) by setting `sent_at`,
 * tenant by tenant (db/queries/claims.ts), round-robin: SKIP LOCKED keeps concurrent senders on disjoint rows and a
 * claimed row is never claimed again.
 */
export async function claimExperimentAlerts(raw: RawSql, now: Date, limit: number): Promise<ClaimedAlert[]> {
  const tenants = await tenantsWithDueRows(raw, 'experiment_alerts', 'sent_at is null', 'created_at', [], limit)
  return claimRoundRobin(tenants, limit, (tenantId, n) => raw.query<ClaimedAlert>(`with c as (
      select experiment_id, kind from experiment_alerts where tenant_id = $1 and sent_at is null order by created_at limit $3 for update skip locked),
    u as (update experiment_alerts a set sent_at = $2::timestamptz from c
      where a.tenant_id = $1 and a.experiment_id = c.experiment_id and a.kind = c.kind
      returning a.tenant_id, a.experiment_id, a.kind)
    select u.tenant_id, u.experiment_id, u.kind, e.name as experiment_name, t.name as tenant_name, t.config
    from u join experiments e on e.id = u.experiment_id and e.tenant_id = $1 join tenants t on t.id = $1`,
  [tenantId, now.toISOString(), n]))
}
