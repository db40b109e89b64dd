// Runs model builds off the API's thread (build-thread.ts), one at a time on one
// thread per process, shared by every model store in it. The thread is started on
// the first build and let go after a minute without one (a build leaves hundreds of
// megabytes behind on a big store; an idle thread would also keep a process alive).
// Where no Worker can be started, builds run inline, as they did before.
import { Buffer } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import type { Kernels } from '../kernels/load.ts'
import type { BuildOptions } from '../engine/build.ts'
import { type AutoBuildOptions, buildWith, type ModelEvaluation } from '../engine/tune.ts'
import type { BuildReply, BuildRequest } from './build-thread.ts'
import { packInteractions, transferablesOf } from './packed-interactions.ts'
import type { BuildInput, TenantModel } from '../engine/types.ts'

/** `evaluation`: the build's grade of itself, when it chose its settings (null when it reused earlier ones or could not grade). */
export interface BuiltModel { model: TenantModel; gzipped: Uint8Array; thread: boolean; evaluation: ModelEvaluation | null }

const IDLE_MS = 60_000

let worker: Worker | undefined
let idle: ReturnType<typeof setTimeout> | undefined
let seq = 0
const pending = new Map<number, { resolve: (r: BuiltModel) => void; reject: (e: Error) => void }>()
let unavailable = typeof Worker === 'undefined'

function thread(): Worker | undefined {
  if (worker || unavailable) return worker
  try {
    worker = new Worker(new URL('./build-thread.ts', import.meta.url).href, { type: 'module' })
  } catch {
    unavailable = true
    return undefined
  }
  const w = worker
  w.onmessage = (e: MessageEvent<BuildReply>) => {
    const r = e.data
    const p = pending.get(r.id)
    if (!p) return
    pending.delete(r.id)
    if ('error' in r) p.reject(new Error(`model build failed: ${r.error}`))
    else p.resolve({ model: JSON.parse(r.json) as TenantModel, gzipped: r.gzipped, thread: true, evaluation: r.evaluation })
    if (pending.size === 0) idleSoon()
  }
  // A thread that died takes its builds with it: they fail (and are retried by the worker's schedule); the next build starts a new thread.
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault?.()
    drop(new Error(`model build thread failed: ${e.message}`))
  }
  return w
}

function drop(error: Error) {
  const w = worker
  worker = undefined
  if (idle) { clearTimeout(idle); idle = undefined }
  w?.terminate()
  for (const p of pending.values()) p.reject(error)
  pending.clear()
}

function idleSoon() {
  if (idle) clearTimeout(idle)
  idle = setTimeout(() => { if (pending.size === 0) drop(new Error('idle')) }, IDLE_MS)
  ;(idle as { unref?: () => void }).unref?.()
}

/** Builds a model (choosing its settings first, given `tuning`) and its stored form (gzipped JSON) on the build thread, or inline where there is none. */
export function runBuild(input: BuildInput, options: Partial<BuildOptions>, kernels: Kernels | undefined, tuning?: AutoBuildOptions): Promise<BuiltModel> {
  const w = thread()
  if (!w) {
    const { model, evaluation } = buildWith(input, options, tuning, kernels)
    return Promise.resolve({ model, gzipped: gzipSync(Buffer.from(JSON.stringify(model))), thread: false, evaluation })
  }
  if (idle) { clearTimeout(idle); idle = undefined }
  const id = ++seq
  const { interactions, ...rest } = input
  const packed = packInteractions(interactions)
  const request: BuildRequest = { id, input: rest, interactions: packed, options, tuning, backend: kernels ? kernels.backend : 'none' }
  return new Promise<BuiltModel>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    try {
      w.postMessage(request, transferablesOf(packed))
    } catch (error) {
      pending.delete(id)
      reject(error instanceof Error ? error : new Error(String(error)))
    }
  })
}

/** Stops the build thread now (tests, shutdown); builds in flight fail. */
export function stopBuildThread() { drop(new Error('stopped')) }
