// Experiments (F-008): creation, the state machine, and the rule that only
// one experiment runs per placement (a placement-less one covers them all).
import type { Db, RawSql } from '../../../db/client.ts'
import {
  archiveExperiment, deleteDraft, deleteShopperExposures, experimentsToArchive, experimentsToWatch, exposedUserMetrics, findExperiment, insertExperiment, listExperiments,
  markFirstResult, queueExperimentAlert, updateExperiment, withRunningCheck, type ExperimentStatus, type NewExperiment,
} from '../../../db/queries/experiments.ts'
import { enqueueWebhookEvent } from '../../../db/queries/webhooks.ts'
import { placementMetrics, recentShopperDays } from '../../../db/queries/analytics.ts'
import { effectiveConfig } from '../tenants/config.ts'
import { decide, type Analysis } from './decision.ts'
import { CUPED_PRE_DAYS, experimentResults, type ExperimentResults, type Metric } from './results.ts'

const RESULTS_KEPT_DAYS = 90
/** Running experiments whose results the background watch reads per round (for the significant / SRM webhooks). */
const WATCH_PER_ROUND = 50
/** The traffic window the duration estimate reads, and its bounds: impression events read, placements listed. */
export const TRAFFIC_DAYS = 14
export const TRAFFIC_MAX_IMPRESSIONS = 200_000
const TRAFFIC_MAX_PLACEMENTS = 100
const DAY_MS = 86_400_000
import type { Experiment } from '../../../db/schema.ts'
import { Conflict, NotFound, ValidationFailed } from '../../errors.ts'
import { allowedFrom, armsOf, nextStatus, type ExperimentArmSpec, type Transition } from './assignment.ts'

const experimentDto = (e: Experiment) => ({
  id: e.id, name: e.name, control: e.control, variant: e.variant, trafficSplit: e.trafficSplit, metric: e.metric,
  analysis: e.analysis, plannedSampleSize: e.plannedSampleSize, variants: e.variants ?? null, guardrails: e.guardrails, cuped: e.cuped,
  placement: e.placement, segment: e.segment, status: e.status, createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString(),
  startedAt: e.startedAt?.toISOString() ?? null, completedAt: e.completedAt?.toISOString() ?? null,
})

const resultsInput = (e: Experiment) => ({
  metric: e.metric as Metric, trafficSplit: e.trafficSplit, startedAt: e.startedAt, completedAt: e.completedAt,
  analysis: e.analysis, plannedSampleSize: e.plannedSampleSize, control: e.control, variant: e.variant,
  arms: armsOf(e), guardrails: e.guardrails, cuped: e.cuped,
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
  // Summaries kept before more than two arms: their two arms, as the top-level fields had them.
  const twoArms = s.arms === undefined
    ? {
      guardrails: [], cuped: null,
      arms: [
        { key: 'control', strategy: e.control, sampleSize: s.sampleSize.control, metric: s.controlMetric ?? null, lift: null, pValue: null, adjustedPValue: null, interval: null, sequential: null, cuped: null },
        { key: 'variant', strategy: e.variant, sampleSize: s.sampleSize.variant, metric: s.variantMetric ?? null, lift: s.lift, pValue: s.pValue, adjustedPValue: s.sequential?.pValue ?? s.pValue, interval: s.liftCI, sequential: s.sequential ?? null, cuped: null },
      ],
    }
    : {}
  return { ...legacy, ...twoArms, ...s, archived: true, archivedAt: e.archivedAt!.toISOString() } as unknown as ExperimentResults
}

export interface ExperimentDeps {
  db: Db
  raw: RawSql
  clock: () => Date
  onChange: (tenantId: string) => void
  /** Makes `strategy` the default for `placement` (null: the tenant's defaultStrategy). */
  setStrategy: (tenantId: string, placement: string | null, strategy: string) => Promise<void>
  /** Whether the tenant has this segment (an experiment scoped to one must name one that exists). */
  segmentExists: (tenantId: string, key: string) => Promise<boolean>
  /** Called after a commit that queued an alert mail: sends the queued ones (it must not throw). */
  alertsQueued?: () => Promise<void>
}

type Input = Omit<NewExperiment, 'status' | 'placement' | 'segment' | 'analysis' | 'plannedSampleSize' | 'control' | 'variant' | 'trafficSplit' | 'variants' | 'guardrails' | 'cuped'> & {
  placement?: string | null; segment?: string | null; status?: 'running' | 'draft'; analysis?: Analysis; plannedSampleSize?: number | null
  control?: string; variant?: string; trafficSplit?: number; variants?: ExperimentArmSpec[]; guardrails?: string[]; cuped?: boolean
}

/**
 * The arms of a create or a patch, in the columns that store them: the variants
 * form keeps its list (and its first two arms in control/variant, the share
 * outside the control in trafficSplit, so lists and old readers see sensible
 * values); the two-arm form leaves variants null. Throws 400 on a mix or a bad list.
 * Arms may share a strategy (there are four, arms up to five; an A/A arm is a check).
 */
function armColumns(v: { control?: string; variant?: string; trafficSplit?: number; variants?: ExperimentArmSpec[] }) {
  const bad = (field: string, message: string) => new ValidationFailed(`${field} ${message}`, [{ field, message }])
  if (v.variants) {
    const given = (['control', 'variant', 'trafficSplit'] as const).filter((f) => v[f] !== undefined)
    if (given.length) throw bad(given[0]!, 'cannot be given with variants (use one form or the other)')
    const arms = v.variants
    if (arms.reduce((s, a) => s + a.weight, 0) !== 100) throw bad('variants', 'weights must sum to 100')
    if (new Set(arms.map((a) => a.key)).size !== arms.length) throw bad('variants', 'keys must be unique')
    return { control: arms[0]!.strategy, variant: arms[1]!.strategy, trafficSplit: 100 - arms[0]!.weight, variants: arms.map(({ key, strategy, weight }) => ({ key, strategy, weight })) }
  }
  const missing = (['control', 'variant', 'trafficSplit'] as const).find((f) => v[f] === undefined)
  if (missing) throw bad(missing, 'is required (or give variants)')
  if (v.control === v.variant) throw bad('variant', 'must differ from control')
  return { control: v.control!, variant: v.variant!, trafficSplit: v.trafficSplit!, variants: null }
}

const overlapError = (o: { id: string; name: string }) =>
  new Conflict(`Experiment "${o.name}" (${o.id}) is already running on this placement; pause or complete it first`)

export function createExperimentService(d: ExperimentDeps) {
  /** The first significant reading (a decision to ship or keep) and the first sample ratio mismatch each send one webhook event. */
  async function noteFirsts(tenantId: string, e: Experiment, results: ExperimentResults) {
    const { daily: _daily, details: _details, ...headline } = results
    const data = () => ({ experiment: experimentDto(e), results: headline })
    const significant = results.decision.status === 'ship_variant' || results.decision.status === 'keep_control'
    let queued = false
    if (significant && !e.significantAt) queued = await markFirstResult(d.raw, tenantId, e.id, 'significant', d.clock(), data)
    if (results.srm.detected && !e.srmDetectedAt) queued = await markFirstResult(d.raw, tenantId, e.id, 'srm_detected', d.clock(), data) || queued
    if (queued) await d.alertsQueued?.()
  }

  async function get(tenantId: string, id: string) {
    const e = await findExperiment(d.db, tenantId, id)
    if (!e) throw new NotFound('Experiment not found')
    return e
  }
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
      const arms = armColumns(v)
      const analysis = v.analysis ?? 'sequential', plannedSampleSize = v.plannedSampleSize ?? null
      fixedNeedsHorizon(analysis, plannedSampleSize)
      const status = v.status ?? 'running'
      const placement = v.placement ?? null
      const segment = v.segment ?? null
      if (segment !== null && !(await d.segmentExists(tenantId, segment))) throw new ValidationFailed(`No segment "${segment}"`, [{ field: 'segment', message: 'is not a segment of this tenant (GET /segments)' }])
      const row = { name: v.name.trim(), ...arms, metric: v.metric, placement, segment, status, analysis, plannedSampleSize, guardrails: v.guardrails ?? [], cuped: v.cuped ?? true }
      const res = await withRunningCheck(d.db, tenantId, status === 'running' ? { placement } : null, async (tx) => {
        const e = await insertExperiment(tx, tenantId, { ...row, startedAt: status === 'running' ? d.clock() : null })
        if (status === 'running') await enqueueWebhookEvent(tx, tenantId, 'experiment.started', { experiment: experimentDto(e) }, d.clock())
        return e
      })
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
      // Arms change as a whole: a variants list replaces them; control/variant/trafficSplit edit the two-arm form.
      if (e.variants && !v.variants && (v.control !== undefined || v.variant !== undefined || v.trafficSplit !== undefined)) {
        throw new ValidationFailed('this experiment has variants: change its arms with variants', [{ field: 'variants', message: 'required to change the arms of a variants experiment' }])
      }
      const armsChange = v.variants ? armColumns({ variants: v.variants })
        : v.control !== undefined || v.variant !== undefined || v.trafficSplit !== undefined
          ? armColumns({ control: v.control ?? e.control, variant: v.variant ?? e.variant, trafficSplit: v.trafficSplit ?? e.trafficSplit })
          : {}
      fixedNeedsHorizon(v.analysis ?? e.analysis, v.plannedSampleSize === undefined ? e.plannedSampleSize : v.plannedSampleSize)
      const { variants: _v, control: _c, variant: _va, trafficSplit: _t, ...rest } = v
      const updated = await updateExperiment(d.db, tenantId, id, { ...rest, ...armsChange, name: v.name?.trim() }, [e.status])
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
      const rows = await exposedUserMetrics(d.raw, tenantId, id, attributionWindowHours, e.cuped ? CUPED_PRE_DAYS : 0)
      const results = experimentResults(resultsInput(e), rows, d.clock())
      if (e.status === 'running') await noteFirsts(tenantId, e, results)
      return results
    },

    /**
     * Reads the results of running experiments not yet significant, so experiment.significant and
     * experiment.srm_detected are sent without anyone looking (the hourly housekeeping calls it).
     */
    async watchRunning() {
      let read = 0
      for (const x of await experimentsToWatch(d.raw, WATCH_PER_ROUND)) {
        await this.results(x.tenant_id, x.id, effectiveConfig(x.config).attributionWindowHours)
        read++
      }
      return read
    },

    /**
     * Completes the experiment and makes the winner the default strategy of
     * its placement (or of the tenant): the decision's arm when it is
     * ship_variant, otherwise the control.
     */
    async promote(tenantId: string, id: string, attributionWindowHours: number) {
      const e = await get(tenantId, id)
      if (e.status === 'draft') throw new Conflict('A draft has no results to promote; start it first')
      const results = await this.results(tenantId, id, attributionWindowHours)
      const arms = armsOf(e)
      const shipped = results.decision.status === 'ship_variant' ? arms.find((a) => a.key === results.decision.arm) : undefined
      const winner = (shipped ?? arms[0]!).key, strategy = (shipped ?? arms[0]!).strategy
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

    /**
     * Traffic per placement over the last 14 whole UTC days (today, still partial, left out),
     * for the duration estimate. Rates come from the rollups; shoppers from the newest
     * impression events (at most TRAFFIC_MAX_IMPRESSIONS): a read the cap cut short is
     * divided by the whole days it covers (or, inside one day, by the part of it read).
     */
    async traffic(tenantId: string, maxImpressions = TRAFFIC_MAX_IMPRESSIONS) {
      const until = Date.parse(d.clock().toISOString().slice(0, 10)), since = until - TRAFFIC_DAYS * DAY_MS
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
      const [metrics, shoppers] = await Promise.all([
        placementMetrics(d.raw, tenantId, { from: day(since), to: day(until - DAY_MS) }, TRAFFIC_MAX_PLACEMENTS),
        recentShopperDays(d.raw, tenantId, new Date(since), new Date(until), maxImpressions),
      ])
      let daysCounted = TRAFFIC_DAYS
      const s0 = shoppers[0]
      if (s0 && Number(s0.read) >= maxImpressions) {
        const whole = (until - Date.parse(s0.first_day)) / DAY_MS - 1
        daysCounted = whole >= 1 ? whole : (until - Number(s0.oldest_ms)) / DAY_MS
      }
      const pairs = new Map(shoppers.map((r) => [r.placement, Number(r.shopper_days)]))
      const placements = metrics.map((m) => {
        const impressions = Number(m.impressions), shoppersPerDay = (pairs.get(m.placement) ?? 0) / daysCounted
        const conversionsPerDay = Number(m.conversions) / TRAFFIC_DAYS
        return {
          placement: m.placement, shoppersPerDay, impressionsPerDay: impressions / TRAFFIC_DAYS,
          ctr: impressions > 0 ? Number(m.clicks) / impressions : null,
          conversionRate: shoppersPerDay > 0 ? Math.min(1, conversionsPerDay / shoppersPerDay) : null,
        }
      })
      return { days: TRAFFIC_DAYS, placements }
    },

    async transition(tenantId: string, id: string, t: Transition) {
      const e = await get(tenantId, id)
      const to = nextStatus(e.status, t)
      if (!to) throw new Conflict(`Cannot ${t} an experiment that is ${e.status} (allowed from: ${allowedFrom(t).join(', ')})`)
      const now = d.clock()
      const change: Partial<Experiment> = { status: to }
      if (t === 'start') change.startedAt = now
      if (t === 'complete') change.completedAt = now
      const event = t === 'start' ? 'experiment.started' : t === 'complete' ? 'experiment.completed' : null
      const res = await withRunningCheck(d.db, tenantId, to === 'running' ? { placement: e.placement, exceptId: e.id } : null, async (tx) => {
        const u = await updateExperiment(tx, tenantId, id, change, [e.status])
        if (u && event) await enqueueWebhookEvent(tx, tenantId, event, { experiment: experimentDto(u) }, now)
        if (u && t === 'complete') await queueExperimentAlert(tx, tenantId, id, 'completed', now)
        return u
      })
      if (res && 'overlap' in res) throw overlapError(res.overlap)
      if (!res) throw new Conflict('The experiment changed meanwhile; read it again')
      d.onChange(tenantId)
      if (t === 'complete') await d.alertsQueued?.()
      return experimentDto(res)
    },
  }
}
export type ExperimentService = ReturnType<typeof createExperimentService>
