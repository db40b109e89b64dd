// Runs model builds off the API's thread (build-thread.ts), one at a time on one thread per
// process shared by every model store in it (thread-runner.ts: let go after a minute idle, since
// a build leaves hundreds of megabytes behind on a big store); inline where no Worker can start.
import { Buffer } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import type { Kernels } from '../kernels/load.ts'
import type { BuildOptions } from '../engine/build.ts'
import { type AutoBuildOptions, buildWith, type ModelEvaluation } from '../engine/tune.ts'
import type { BuildReply, BuildRequest } from './build-thread.ts'
import { threadRunner } from './thread-runner.ts'
import { packInteractions, transferablesOf } from './packed-interactions.ts'
import type { BuildInput, TenantModel } from '../engine/types.ts'

/** `evaluation`: the build's grade of itself, when it chose its settings (null when it reused earlier ones or could not grade). */
export interface BuiltModel { model: TenantModel; gzipped: Uint8Array; thread: boolean; evaluation: ModelEvaluation | null }

type BuildOk = Extract<BuildReply, { json: string }>
const builds = threadRunner<Omit<BuildRequest, 'id'>, BuildOk>(new URL('./build-thread.ts', import.meta.url), 'model build')

/** Builds a model (choosing its settings first, given `tuning`) and its stored form (gzipped JSON) on the build thread, or inline where there is none. */
export async function runBuild(input: BuildInput, options: Partial<BuildOptions>, kernels: Kernels | undefined, tuning?: AutoBuildOptions): Promise<BuiltModel> {
  if (!builds.available()) {
    const { model, evaluation } = buildWith(input, options, tuning, kernels)
    return { model, gzipped: gzipSync(Buffer.from(JSON.stringify(model))), thread: false, evaluation }
  }
  const { interactions, ...rest } = input
  const packed = packInteractions(interactions)
  const r = await builds.call({ input: rest, interactions: packed, options, tuning, backend: kernels ? kernels.backend : 'none' }, transferablesOf(packed))
  return { model: JSON.parse(r.json) as TenantModel, gzipped: r.gzipped, thread: true, evaluation: r.evaluation }
}

/** Stops the build thread now (tests, shutdown); builds in flight fail. */
export function stopBuildThread() { builds.stop() }
