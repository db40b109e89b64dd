// Experiments at serving time: which running experiment covers a request, the
// shopper's arm, and first exposures. The running list is cached per tenant for
// a few seconds (and served a while longer as it is refreshed: serving-cache.ts); a change anywhere is
// broadcast so every instance forgets it.
import type { RawSql } from '../../../db/client.ts'
import { recordExposures, runningExperiments, type RunningExperiment } from '../../../db/queries/experiments.ts'
import type { Cache } from '../../infra/cache/index.ts'
import type { Kernels } from '../../kernels/load.ts'
import type { StrategyName } from '../../engine/types.ts'
import { assignArm } from './assignment.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'
import { ServingCache } from '../../serving-cache.ts'

const EXPERIMENTS_CHANNEL = 'experiments:changed'
const EXPERIMENTS_TTL_MS = 5000
const EXPOSURES_REMEMBERED = 200_000

/** `variant` is the arm's key: 'control' | 'variant' in the two-arm form, the given key otherwise. */
export interface ExperimentArm { experiment: { id: string; variant: string }; strategy: StrategyName }
export interface ExperimentServingDeps { raw: RawSql; cache: Cache; kernels: Kernels; clock: () => Date }

export function createExperimentServing(d: ExperimentServingDeps) {
  const running = new ServingCache((tenantId) => runningExperiments(d.raw, tenantId), EXPERIMENTS_TTL_MS)
  d.cache.subscribe(EXPERIMENTS_CHANNEL, (tenantId) => running.forget(tenantId))
  // One runs per placement; a placement-less experiment covers every placement.
  const pick = (list: RunningExperiment[], placement: string | undefined) =>
    list.find((e) => placement !== undefined && e.placement === placement) ?? list.find((e) => e.placement === null)
  /** Without a promise while the tenant's list is cached (most requests: no await on the hot path). */
  function experimentFor(tenantId: string, placement: string | undefined): InMemoryFirst<RunningExperiment | undefined> {
    const list = running.get(tenantId)
    return list instanceof Promise ? list.then((l) => pick(l, placement)) : pick(list, placement)
  }
  // First exposures, written in the background (the answer does not wait); remembered per instance.
  const exposed = new Set<string>()
  function expose(tenantId: string, experimentId: string, userId: string, arm: string) {
    const k = `${tenantId}\u0000${userId}\u0000${experimentId}`
    if (exposed.has(k)) return
    if (exposed.size > EXPOSURES_REMEMBERED) exposed.clear()
    exposed.add(k)
    void recordExposures(d.raw, [{ tenantId, experimentId, userId, arm, at: d.clock() }]).catch(() => exposed.delete(k))
  }
  const enter = (tenantId: string, userId: string, e: RunningExperiment | undefined): ExperimentArm | undefined => {
    if (!e) return undefined
    const arm = assignArm(d.kernels, e.id, userId, { control: e.control, variant: e.variant, trafficSplit: e.traffic_split, variants: e.variants })
    expose(tenantId, e.id, userId, arm)
    const strategy = e.variants ? e.variants.find((a) => a.key === arm)!.strategy : arm === 'variant' ? e.variant : e.control
    return { experiment: { id: e.id, variant: arm }, strategy: strategy as StrategyName }
  }

  return {
    /**
     * The shopper's arm in the experiment running on this placement, if any (an unreadable list counts as none).
     * A segment-scoped experiment enrols (and exposes) only shoppers `inSegment` says are in its segment.
     */
    async arm(tenantId: string, placement: string | undefined, userId: string, inSegment: (segment: string) => Promise<boolean>): Promise<ExperimentArm | undefined> {
      let found = experimentFor(tenantId, placement)
      if (found instanceof Promise) found = await found.catch(() => undefined)
      if (found?.segment && !(await inSegment(found.segment))) return undefined
      return enter(tenantId, userId, found)
    },
    /** Forgets that this instance saw the shopper (an erasure; their stored exposures go with the experiments service). */
    forgetShopperHere(tenantId: string, userId: string) {
      const prefix = `${tenantId}\u0000${userId}\u0000`
      for (const k of exposed) if (k.startsWith(prefix)) exposed.delete(k)
    },
    /** Reads the tenant's running experiments into memory ahead of its first request (the start-up warm-up). */
    async prime(tenantId: string): Promise<void> { await running.get(tenantId) },
    /** An experiment of this tenant changed: forget it here at once, and on every other instance by broadcast. */
    changed(tenantId: string) {
      running.forget(tenantId)
      void d.cache.publish(EXPERIMENTS_CHANNEL, tenantId).catch(() => {})
    },
  }
}
export type ExperimentServing = ReturnType<typeof createExperimentServing>
