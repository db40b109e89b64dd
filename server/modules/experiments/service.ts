// Experiments (F-008): creation, the state machine, and the rule that only
// one experiment runs per placement (a placement-less one covers them all).
import type { Db, RawSql } from '../../../db/client.ts'
import {
  archiveExperiment, deleteDraft, deleteShopperExposures, experimentsToArchive, exposedUserMetrics, findExperiment, insertExperiment, listExperiments, updateExperiment, withRunningCheck, type ExperimentStatus, type NewExperiment,
} from '../../../db/queries/experiments.ts'
import { effectiveConfig } from '../tenants/config.ts'
import { decide, type Analysis } from './decision.ts'
import { experimentResults, type ExperimentResults, type Metric } from './results.ts'

const RESULTS_KEPT_DAYS = 90
import type { Experiment } from '../../../db/schema.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import { allowedFrom, nextStatus, type Transition } from './assignment.ts'

const experimentDto = (e: Experiment) => ({
  id: e.id, name: e.name, control: e.control, variant: e.variant, trafficSplit: e.trafficSplit, metric: e.metric,
  analysis: e.analysis, plannedSampleSize: e.plannedSampleSize, placement: e.placement,
  status: e.status, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString(),
  startedAt: e.startedAt?.toISOString() ?? null, completedAt: e.completedAt?.toISOString() ?? null,
})

const resultsInput = (e: Experiment) => ({
  metric: e.metric as Metric, trafficSplit: e.trafficSplit, startedAt: e.startedAt, completedAt: e.completedAt,
  analysis: e.analysis, plannedSampleSize: e.plannedSampleSize, control: e.control, variant: e.variant,
})

/**
 * An archived summary as results. Summaries kept before sequential analysis
 * lack its fields: they were fixed-horizon results read at completion, so
 * they read as fixed, not peeking, with the decision their figures give.
 */
function archivedResults(e: Experiment): ExperimentResults {
  const s = e.summary as Partial<ExperimentResults> & Pick<ExperimentResults, 'metric' | 'lift' | 'liftCI' | 'pValue' | 'sampleSize' | 'srm'>
  const legacy = s.decision === undefined
    ? {
      analysis: 'fixed' as const, peeking: false, sequential: null,
      decision: decide({
        analysis: 'fixed', metric: s.metric, control: e.control, variant: e.variant, lift: s.lift, pValue: s.pValue, liftInterval: s.liftCI,
        peeking: false, usersPerArm: Math.min(s.sampleSize.control, s.sampleSize.variant), plannedSampleSize: null, srmDetected: s.srm.detected,
      }),
    }
    : {}
  return { ...legacy, ...s, archived: true, archivedAt: e.archivedAt!.toISOString() } as unknown as ExperimentResults
}

export interface ExperimentDeps {
  db: Db
  raw: RawSql
  clock: () => Date
  onChange: (tenantId: string) => void
  /** Makes `strategy` the default for `placement` (null: the tenant's defaultStrategy). */
  setStrategy: (tenantId: string, placement: string | null, strategy: string) => Promise<void>
}

type Input = Omit<NewExperiment, 'status' | 'placement' | 'analysis' | 'plannedSampleSize'> & {
  placement?: string | null; status?: 'running' | 'draft'; analysis?: Analysis; plannedSampleSize?: number | null
}

const overlapError = (o: { id: string; name: string }) =>
  new Conflict(`Experiment "${o.name}" (${o.id}) is already running on this placement; pause or complete it first`)

export function createExperimentService(d: ExperimentDeps) {
  async function get(tenantId: string, id: string) {
    const e = await findExperiment(d.db, tenantId, id)
    if (!e) throw new NotFound('Experiment not found')
    return e
  }
  const sameStrategies = (control: string, variant: string) =>
    new ValidationFailed('control and variant must be different strategies', [{ field: 'variant', message: 'must differ from control' }])
  // A fixed-horizon test is only valid read once, at a size chosen up front.
  const fixedNeedsHorizon = (analysis: Analysis, planned: number | null) => {
    if (analysis === 'fixed' && planned === null) {
      throw new ValidationFailed('a fixed analysis needs plannedSampleSize (users per arm)', [{ field: 'plannedSampleSize', message: 'required when analysis is fixed' }])
    }
  }

  return {
    /** Deletes a shopper's exposures to every experiment (an erasure): results from then on count without them. */
    forgetShopper: (tenantId: string, userId: string) => deleteShopperExposures(d.raw, tenantId, userId),

    async create(tenantId: string, v: Input) {
      if (v.control === v.variant) throw sameStrategies(v.control, v.variant)
      const analysis = v.analysis ?? 'sequential', plannedSampleSize = v.plannedSampleSize ?? null
      fixedNeedsHorizon(analysis, plannedSampleSize)
      const status = v.status ?? 'running'
      const placement = v.placement ?? null
      const row = { name: v.name.trim(), control: v.control, variant: v.variant, trafficSplit: v.trafficSplit, metric: v.metric, placement, status, analysis, plannedSampleSize }
      const res = await withRunningCheck(d.db, tenantId, status === 'running' ? { placement } : null,
        (tx) => insertExperiment(tx, tenantId, { ...row, startedAt: status === 'running' ? d.clock() : null }))
      if ('overlap' in res) throw overlapError(res.overlap)
      d.onChange(tenantId)
      return experimentDto(res)
    },

    async list(tenantId: string, f: { status?: ExperimentStatus; limit: number; offset: number }) {
      const { rows, total } = await listExperiments(d.db, tenantId, f)
      return { rows: rows.map(experimentDto), total }
    },

    get: async (tenantId: string, id: string) => experimentDto(await get(tenantId, id)),

    /** Drafts change freely; once started, only the name. */
    async patch(tenantId: string, id: string, v: Partial<Input>) {
      const e = await get(tenantId, id)
      const fields = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      if (e.status !== 'draft' && fields.some((f) => f !== 'name')) throw new Conflict(`Only the name can change once an experiment has started (it is ${e.status})`)
      const control = v.control ?? e.control, variant = v.variant ?? e.variant
      if (control === variant) throw sameStrategies(control, variant)
      fixedNeedsHorizon(v.analysis ?? e.analysis, v.plannedSampleSize === undefined ? e.plannedSampleSize : v.plannedSampleSize)
      const updated = await updateExperiment(d.db, tenantId, id, { ...v, name: v.name?.trim() }, [e.status])
      if (!updated) throw new Conflict('The experiment changed meanwhile; read it again')
      d.onChange(tenantId)
      return experimentDto(updated)
    },

    async remove(tenantId: string, id: string) {
      const e = await get(tenantId, id)
      if (e.status !== 'draft') throw new Conflict(`Only draft experiments can be deleted (it is ${e.status}); complete it instead`)
      if (!(await deleteDraft(d.db, tenantId, id))) throw new Conflict('The experiment changed meanwhile; read it again')
      d.onChange(tenantId)
    },

    /** Results for the experiment's metric; the attribution window is the tenant's. Archived ones give their summary. */
    async results(tenantId: string, id: string, attributionWindowHours: number) {
      const e = await get(tenantId, id)
      if (e.archivedAt) return archivedResults(e)
      const rows = await exposedUserMetrics(d.raw, tenantId, id, attributionWindowHours)
      return experimentResults(resultsInput(e), rows, d.clock())
    },

    /**
     * Completes the experiment and makes the winner the default strategy of
     * its placement (or of the tenant): the variant when the decision is
     * ship_variant, otherwise the control.
     */
    async promote(tenantId: string, id: string, attributionWindowHours: number) {
      const e = await get(tenantId, id)
      if (e.status === 'draft') throw new Conflict('A draft has no results to promote; start it first')
      const results = await this.results(tenantId, id, attributionWindowHours)
      const winner: 'variant' | 'control' = results.decision.status === 'ship_variant' ? 'variant' : 'control'
      const strategy = winner === 'variant' ? e.variant : e.control
      const experiment = e.status === 'completed' ? experimentDto(e) : await this.transition(tenantId, id, 'complete')
      await d.setStrategy(tenantId, e.placement, strategy)
      return { experiment, winner, promoted: { placement: e.placement, strategy }, results }
    },

    /**
     * FR-048: completed experiments keep full results for 90 days; then the
     * headline figures are kept as a summary and the per-user data is deleted.
     */
    async archiveOld() {
      const now = d.clock()
      let archived = 0
      for (const x of await experimentsToArchive(d.raw, new Date(now.getTime() - RESULTS_KEPT_DAYS * 86400_000))) {
        const full = await this.results(x.tenant_id, x.id, effectiveConfig(x.config).attributionWindowHours)
        const { daily: _daily, details: _details, ...summary } = full
        await archiveExperiment(d.raw, x.tenant_id, x.id, summary, now)
        archived++
      }
      return archived
    },

    async transition(tenantId: string, id: string, t: Transition) {
      const e = await get(tenantId, id)
      const to = nextStatus(e.status, t)
      if (!to) throw new Conflict(`Cannot ${t} an experiment that is ${e.status} (allowed from: ${allowedFrom(t).join(', ')})`)
      const now = d.clock()
      const change: Partial<Experiment> = { status: to }
      if (t === 'start') change.startedAt = now
      if (t === 'complete') change.completedAt = now
      const res = await withRunningCheck(d.db, tenantId, to === 'running' ? { placement: e.placement, exceptId: e.id } : null,
        (tx) => updateExperiment(tx, tenantId, id, change, [e.status]))
      if (res && 'overlap' in res) throw overlapError(res.overlap)
      if (!res) throw new Conflict('The experiment changed meanwhile; read it again')
      d.onChange(tenantId)
      return experimentDto(res)
    },
  }
}
export type ExperimentService = ReturnType<typeof createExperimentService>
