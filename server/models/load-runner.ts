// Runs stored models' loads off the API's thread (load-thread.ts), on one thread per process
// shared by every model store in it (thread-runner.ts); inline where no Worker can start.
import type { ServingParts } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import type { LoadReply, LoadRequest } from './load-thread.ts'
import { decodeParts } from './model-decode.ts'
import { threadRunner } from './thread-runner.ts'

export interface DecodedModel { model: TenantModel; parts: ServingParts; thread: boolean }

type LoadOk = Extract<LoadReply, { parts: unknown }>
const loads = threadRunner<Omit<LoadRequest, 'id'>, LoadOk>(new URL('./load-thread.ts', import.meta.url), 'model load')

/** A stored model (base64 of its gzipped JSON) decoded on the load thread, or inline where there is none. */
export async function decodeModelOffThread(model64: string): Promise<DecodedModel> {
  if (!loads.available()) return { ...decodeParts(model64), thread: false }
  const r = await loads.call({ model64 })
  return { model: r.model, parts: r.parts, thread: true }
}

/** Stops the load thread now (tests, shutdown); loads in flight fail. */
export function stopLoadThread() { loads.stop() }
