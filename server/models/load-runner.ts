// Runs stored models' loads off the API's thread (load-thread.ts), on a small pool of threads
// per process shared by every model store in it (thread-runner.ts: one queue, taken from both
// ends in turn, so a model asked for after a burst of cold tenants does not wait for the whole
// burst, and the oldest still advance); inline where no Worker can start.
import { nextTurn, type RawSql } from '../../db/client.ts'
import { loadModelBase64 } from '../../db/queries/models.ts'
import type { ModelIndex } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import type { LoadReply, LoadSource } from './load-thread.ts'
import { assembleLoad, gunzipModel, readyToServe } from './model-decode.ts'
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

/** A tenant's stored model made ready to serve, mostly on a load thread; undefined when it has none. */
export async function loadStoredModel(raw: RawSql, tenantId: string, opts: LoadOptions, pause: () => Promise<void> = nextTurn): Promise<LoadedModel | undefined> {
  loads.resize(opts.threads)
  const threaded = loads.available()
  let reply: LoadOk
  if (threaded && opts.databaseUrl) reply = await loads.call({ read: { databaseUrl: opts.databaseUrl, tenantId } })
  else {
    const row = await loadModelBase64(raw, tenantId)
    if (!row) return undefined
    if (!threaded) {
      const t0 = performance.now()
      const ready = readyToServe(gunzipModel(row.model64))
      const ms = performance.now() - t0
      return { ...ready, servingMs: ms, longestMs: ms, thread: false }
    }
    reply = await loads.call({ model64: row.model64 })
  }
  if (!reply.loaded) return undefined
  return { ...(await assembleLoad(reply.loaded, pause)), thread: true }
}

/** Loads running and waiting for a thread (/metrics). */
export const loadQueue = () => loads.queued()

/** Stops the load threads now (tests, shutdown); loads in flight fail. */
export function stopLoadThread() { loads.stop() }
