// The assignment contract the server and the SDK share (pure):
//   bucket = murmur3_x86_32(utf8(experimentId + ":" + userId), seed 0) % 10000
//   two-arm form: the user is in the variant when bucket < trafficSplit × 100, else control;
//   variants form: arm i owns [Σ_{j<i} weight_j × 100, Σ_{j≤i} weight_j × 100), in the order given.
// The hash runs in the AssemblyScript kernel (identical TypeScript fallback).
import type { Kernels } from '../../kernels/load.ts'
import { armOf, weightedArmOf, type Arm } from '../../kernels/murmur3.ts'

export { armOf, weightedArmOf, type Arm }

export const assign = (kernels: Kernels, experimentId: string, userId: string, trafficSplit: number): Arm =>
  armOf(kernels.bucket(experimentId, userId), trafficSplit)

/** An arm as results and serving see it: its key (meta.experiment.variant), strategy and percent of users. */
export interface ExperimentArmSpec { key: string; strategy: string; weight: number }
export interface ArmsSource { control: string; variant: string; trafficSplit: number; variants: ExperimentArmSpec[] | null }

/** Every arm, the control first: the variants as given, or the two-arm form's control and variant. */
export const armsOf = (e: ArmsSource): ExperimentArmSpec[] => e.variants ?? [
  { key: 'control', strategy: e.control, weight: 100 - e.trafficSplit },
  { key: 'variant', strategy: e.variant, weight: e.trafficSplit },
]

/** The user's arm key, by whichever form the experiment was created with. */
export const assignArm = (kernels: Kernels, experimentId: string, userId: string, e: ArmsSource): string => {
  const bucket = kernels.bucket(experimentId, userId)
  return e.variants ? weightedArmOf(bucket, e.variants) : armOf(bucket, e.trafficSplit)
}

export type ExperimentStatus = 'draft' | 'running' | 'paused' | 'completed'
export type Transition = 'start' | 'pause' | 'resume' | 'complete'

/** draft → running ⇄ paused → completed. */
const TRANSITIONS: Record<Transition, { from: ExperimentStatus[]; to: ExperimentStatus }> = {
  start: { from: ['draft'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  complete: { from: ['running', 'paused'], to: 'completed' },
}

/** The status after `t`, or undefined when `t` is not allowed from `status`. */
export function nextStatus(status: ExperimentStatus, t: Transition): ExperimentStatus | undefined {
  const rule = TRANSITIONS[t]
  return rule.from.includes(status) ? rule.to : undefined
}
export const allowedFrom = (t: Transition) => TRANSITIONS[t].from
