// Runs stored models' loads off the API's thread (load-thread.ts): one thread per process,
// shared by every model store in it, started on the first load and let go after a minute
// without one. Where no Worker can be started, loads run inline, as they did before.
import type { ServingParts } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import type { LoadReply, LoadRequest } from './load-thread.ts'
import { decodeParts } from './model-decode.ts'

export interface DecodedModel { model: TenantModel; parts: ServingParts; thread: boolean }

const IDLE_MS = 60_000

let worker: Worker | undefined
let idle: ReturnType<typeof setTimeout> | undefined
let seq = 0
const pending = new Map<number, { resolve: (r: DecodedModel) => void; reject: (e: Error) => void }>()
let unavailable = typeof Worker === 'undefined'

function thread(): Worker | undefined {
  if (worker || unavailable) return worker
  try {
    worker = new Worker(new URL('./load-thread.ts', import.meta.url).href, { type: 'module' })
  } catch {
    unavailable = true
    return undefined
  }
  const w = worker
  w.onmessage = (e: MessageEvent<LoadReply>) => {
    const r = e.data
    const p = pending.get(r.id)
    if (!p) return
    pending.delete(r.id)
    if ('error' in r) p.reject(new Error(`model load failed: ${r.error}`))
    else p.resolve({ model: r.model, parts: r.parts, thread: true })
    if (pending.size === 0) idleSoon()
  }
  // A thread that died takes its loads with it: they fail (the store's next check retries); the next load starts a new thread.
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault?.()
    drop(new Error(`model load thread failed: ${e.message}`))
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

/** A stored model (base64 of its gzipped JSON) decoded on the load thread, or inline where there is none. */
export function decodeModelOffThread(model64: string): Promise<DecodedModel> {
  const w = thread()
  if (!w) return Promise.resolve({ ...decodeParts(model64), thread: false })
  if (idle) { clearTimeout(idle); idle = undefined }
  const id = ++seq
  return new Promise<DecodedModel>((resolve, reject) => {
    pending.set(id, { resolve, reject })
    try {
      w.postMessage({ id, model64 } satisfies LoadRequest)
    } catch (error) {
      pending.delete(id)
      reject(error instanceof Error ? error : new Error(String(error)))
    }
  })
}

/** Stops the load thread now (tests, shutdown); loads in flight fail. */
export function stopLoadThread() { drop(new Error('stopped')) }
