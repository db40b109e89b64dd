// Runs stored models' loads off the API's thread (load-thread.ts), on a small pool of threads
// per process shared by every model store in it (thread-runner.ts: one queue, taken from both
// ends in turn, so a model asked for after a burst of cold tenants does not wait for the whole
// burst, and the oldest still advance); inline where no Worker can start.
import type { RawSql } from '../../db/client.ts'
import { loadModelBase64 } from '../../db/queries/models.ts'
import { compactForServing, type ModelIndex } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import type { LoadReply, LoadSource } from './load-thread.ts'
import { loadedModelBytes } from './model-bytes.ts'
import { assembleLoad, gunzipModel } from './model-decode.ts'
import { threadRunner } from './thread-runner.ts'

/**
 * `servingMs`: what the load cost the serving thread (its slices, not the waits between them), `longestMs` the
 * longest of them; `thread`: whether a load thread did the rest.
 */
export interface LoadedModel { model: TenantModel; index: ModelIndex; bytes: number; servingMs: number; longestMs: number; thread: boolean }

export interface LoadOptions {
  /** PostgreSQL's URL: the load thread reads the model itself. Absent (PGlite): it is read here and handed over. */
  databaseUrl?: string
  /** Load threads at most (MODEL_LOAD_THREADS). */
  threads: number
}

type LoadOk = Extract<LoadReply, { loaded: unknown }>
const loads = threadRunner<LoadSource, LoadOk>(new URL('./load-thread.ts', import.meta.url), 'model load', 1, 'both-ends')

/** Lets the event loop serve what waits (requests) between a load's slices on this thread. */
const turn = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** A tenant's stored model made ready to serve, mostly on a load thread; undefined when it has none. */
export async function loadStoredModel(raw: RawSql, tenantId: string, opts: LoadOptions, pause: () => Promise<void> = turn): Promise<LoadedModel | undefined> {
  loads.resize(opts.threads)
  if (!loads.available()) {
    const row = await loadModelBase64(raw, tenantId)
    if (!row) return undefined
    const t0 = performance.now()
    const model = gunzipModel(row.model64)
    const index = compactForServing(model)
    const ms = performance.now() - t0
    return { model, index, bytes: loadedModelBytes(model, index), servingMs: ms, longestMs: ms, thread: false }
  }
  let reply: LoadOk
  if (opts.databaseUrl) reply = await loads.call({ read: { databaseUrl: opts.databaseUrl, tenantId } })
  else {
    const row = await loadModelBase64(raw, tenantId)
    if (!row) return undefined
    reply = await loads.call({ model64: row.model64 })
  }
  if (!reply.loaded) return undefined
  return { ...(await assembleLoad(reply.loaded, pause)), thread: true }
}

/** Loads running and waiting for a thread (/metrics). */
export const loadQueue = () => loads.queued()

/** Stops the load threads now (tests, shutdown); loads in flight fail. */
export function stopLoadThread() { loads.stop() }
