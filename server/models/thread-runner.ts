// A few worker threads per process for a kind of job (model builds: one; model loads: a pool),
// started as jobs come and let go after a minute without one (an idle thread would keep a
// process alive and what a job leaves behind in memory). Jobs wait in one queue and each thread
// takes the next one when it is free: a large job holds back one thread, not every job queued
// behind it. The next is the oldest ('fifo'), or in turn the oldest and the newest ('both-ends':
// a job that arrives after a burst does not wait for all of it, and the oldest still advance at
// half the rate, so none waits forever). A thread that dies fails its job in flight; the next
// job starts a new one. Where no Worker can start, the caller runs the job inline.

const IDLE_MS = 60_000

type Reply<R> = ({ id: number } & R) | { id: number; error: string }

export interface ThreadRunner<Q, R> {
  /** false when no Worker can run here: do the job inline. */
  available(): boolean
  call(request: Q, transfer?: Transferable[]): Promise<R>
  /** How many threads run jobs at once from now on (at least 1); busy threads beyond it finish their job first. */
  resize(threads: number): void
  /** Jobs running and waiting. */
  queued(): { running: number; waiting: number }
  stop(): void
}

interface Job<R> { id: number; message: object; transfer: Transferable[]; resolve: (r: R) => void; reject: (e: Error) => void }
interface Thread<R> { worker: Worker; job?: Job<R>; idle?: ReturnType<typeof setTimeout> }

/** `label` names the job in errors ("model build", "model load"); `size`: threads at most. */
export function threadRunner<Q extends object, R extends object>(url: URL, label: string, size = 1, order: 'fifo' | 'both-ends' = 'fifo'): ThreadRunner<Q, R> {
  const threads: Thread<R>[] = []
  const waiting: Job<R>[] = []
  let newestNext = false
  const take = () => {
    const job = order === 'both-ends' && newestNext ? waiting.pop() : waiting.shift()
    newestNext = !newestNext
    return job
  }
  let seq = 0
  let unavailable = typeof Worker === 'undefined'

  const retire = (t: Thread<R>) => {
    const i = threads.indexOf(t)
    if (i >= 0) threads.splice(i, 1)
    if (t.idle) clearTimeout(t.idle)
    t.worker.terminate()
  }
  const idleSoon = (t: Thread<R>) => {
    if (t.idle) clearTimeout(t.idle)
    t.idle = setTimeout(() => { if (!t.job) retire(t) }, IDLE_MS)
    ;(t.idle as { unref?: () => void }).unref?.()
  }
  const start = (): Thread<R> | undefined => {
    let worker: Worker
    try {
      worker = new Worker(url.href, { type: 'module' })
    } catch {
      unavailable = true
      return undefined
    }
    const t: Thread<R> = { worker }
    worker.onmessage = (e: MessageEvent<Reply<R>>) => {
      const r = e.data
      const job = t.job
      if (!job || job.id !== r.id) return
      t.job = undefined
      if ('error' in r && typeof r.error === 'string') job.reject(new Error(`${label} failed: ${r.error}`))
      else job.resolve(r as R)
      next(t)
    }
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault?.()
      const job = t.job
      t.job = undefined
      retire(t)
      job?.reject(new Error(`${label} thread failed: ${e.message}`))
      pump()
    }
    threads.push(t)
    return t
  }
  const run = (t: Thread<R>, job: Job<R>) => {
    if (t.idle) { clearTimeout(t.idle); t.idle = undefined }
    t.job = job
    try {
      t.worker.postMessage({ ...job.message, id: job.id }, job.transfer)
    } catch (error) {
      t.job = undefined
      job.reject(error instanceof Error ? error : new Error(String(error)))
      next(t)
    }
  }
  /** A thread just finished: the next job waiting, or idle (retired now if the pool shrank). */
  const next = (t: Thread<R>) => {
    if (threads.length > size) { retire(t); return }
    const job = take()
    if (job) run(t, job)
    else idleSoon(t)
  }
  const pump = () => {
    for (const t of threads.filter((x) => !x.job).slice(0, Math.max(0, threads.length - size))) retire(t)
    while (waiting.length > 0) {
      const t = threads.find((x) => !x.job) ?? (threads.length < size ? start() : undefined)
      if (!t) return
      run(t, take()!)
    }
  }

  return {
    available() {
      if (unavailable) return false
      if (threads.length > 0) return true
      const t = start()
      if (t) idleSoon(t)
      return t !== undefined
    },
    call(request, transfer = []) {
      if (unavailable) return Promise.reject(new Error(`${label}: no thread`))
      return new Promise<R>((resolve, reject) => {
        waiting.push({ id: ++seq, message: request, transfer, resolve, reject })
        pump()
      })
    },
    resize(threads) { size = Math.max(1, Math.floor(threads)); pump() },
    queued: () => ({ running: threads.filter((t) => t.job).length, waiting: waiting.length }),
    stop() {
      const error = new Error('stopped')
      for (const t of [...threads]) { const job = t.job; t.job = undefined; retire(t); job?.reject(error) }
      for (const job of waiting.splice(0)) job.reject(error)
    },
  }
}
