// The assignment contract the server and the SDK share (pure):
//   bucket = murmur3_x86_32(utf8(experimentId + ":" + userId), seed 0) % 10000
//   the user is in the variant when bucket < trafficSplit × 100, else control.
// The hash runs in the AssemblyScript kernel (identical TypeScript fallback).
import type { Kernels } from '../../kernels/load.ts'
import { armOf, type Arm } from '../../kernels/murmur3.ts'

export { armOf, type Arm }

export const assign = (kernels: Kernels, experimentId: string, userId: string, trafficSplit: number): Arm =>
  armOf(kernels.bucket(experimentId, userId), trafficSplit)

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
