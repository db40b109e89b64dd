// One worker thread per process for a kind of job (model builds, model loads), started on the
// first job and let go after a minute without one (an idle thread would keep a process alive and
// what a job leaves behind in memory). Replies are matched to requests by id. A thread that dies
// fails its jobs in flight; the next job starts a new one. Where no Worker can start, the caller
// runs the job inline.

const IDLE_MS = 60_000

type Reply<R> = ({ id: number } & R) | { id: number; error: string }

export interface ThreadRunner<Q, R> {
  /** false when no Worker can run here: do the job inline. */
  available(): boolean
  call(request: Q, transfer?: Transferable[]): Promise<R>
  stop(): void
}

/** `label` names the job in errors ("model build", "model load"). */
export function threadRunner<Q extends object, R extends object>(url: URL, label: string): ThreadRunner<Q, R> {
  let worker: Worker | undefined
  let idle: ReturnType<typeof setTimeout> | undefined
  let seq = 0
  const pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>()
  let unavailable = typeof Worker === 'undefined'

  const drop = (error: Error) => {
    const w = worker
    worker = undefined
    if (idle) { clearTimeout(idle); idle = undefined }
    w?.terminate()
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  const idleSoon = () => {
    if (idle) clearTimeout(idle)
    idle = setTimeout(() => { if (pending.size === 0) drop(new Error('idle')) }, IDLE_MS)
    ;(idle as { unref?: () => void }).unref?.()
  }
  const thread = (): Worker | undefined => {
    if (worker || unavailable) return worker
    try {
      worker = new Worker(url.href, { type: 'module' })
    } catch {
      unavailable = true
      return undefined
    }
    const w = worker
    w.onmessage = (e: MessageEvent<Reply<R>>) => {
      const r = e.data
      const p = pending.get(r.id)
      if (!p) return
      pending.delete(r.id)
      if ('error' in r && typeof r.error === 'string') p.reject(new Error(`${label} failed: ${r.error}`))
      else p.resolve(r as R)
      if (pending.size === 0) idleSoon()
    }
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault?.()
      drop(new Error(`${label} thread failed: ${e.message}`))
    }
    return w
  }

  return {
    available: () => thread() !== undefined,
    call(request, transfer = []) {
      const w = thread()
      if (!w) return Promise.reject(new Error(`${label}: no thread`))
      if (idle) { clearTimeout(idle); idle = undefined }
      const id = ++seq
      return new Promise<R>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        try {
          w.postMessage({ ...request, id }, transfer)
        } catch (error) {
          pending.delete(id)
          reject(error instanceof Error ? error : new Error(String(error)))
        }
      })
    },
    stop: () => drop(new Error('stopped')),
  }
}
