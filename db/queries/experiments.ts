import { and, count, desc, eq, inArray, isNull, ne, or } from 'drizzle-orm'
import type { Db, RawSql } from '../client.ts'
import { experiments, tenants, type Experiment } from '../schema.ts'

export type ExperimentStatus = Experiment['status']
export type NewExperiment = Pick<Experiment, 'name' | 'control' | 'variant' | 'trafficSplit' | 'metric' | 'placement' | 'status'>

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

export interface RunningExperiment { id: string; control: string; variant: string; traffic_split: number; placement: string | null }

/** The tenant's running experiments (serving picks the one covering the request's placement). */
export async function runningExperiments(raw: RawSql, tenantId: string): Promise<RunningExperiment[]> {
  return raw.query<RunningExperiment>(
    "select id, control, variant, traffic_split, placement from experiments where tenant_id = $1 and status = 'running' order by placement nulls last", [tenantId])
}

/** Records first exposures (later ones keep the first). */
export async function recordExposures(raw: RawSql, rows: { tenantId: string; experimentId: string; userId: string; arm: string; at: Date }[]) {
  if (!rows.length) return
  await raw.query(
    `insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
     select t, e, u, a, at from jsonb_to_recordset($1::jsonb) as x(t uuid, e uuid, u text, a text, at timestamptz)
     on conflict (experiment_id, user_id) do nothing`,
    [JSON.stringify(rows.map((r) => ({ t: r.tenantId, e: r.experimentId, u: r.userId, a: r.arm, at: r.at.toISOString() })))])
}
