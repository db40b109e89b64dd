// PGlite as seen from the API's thread: it runs in a worker thread (db/pglite-worker.ts), and this is the handle the
// rest of the code holds, with the surface drizzle-orm/pglite uses — `query(text, params, { rowMode, parsers })` and
// `transaction(fn)` — so drizzle, its migrator and db/client.ts's raw executor work on it unchanged. Each statement is
// a message with an id; a transaction is pinned: once begun, the worker serves that transaction's statements (drizzle's
// savepoints included) until it is ended, while statements from outside it wait in PGlite's own queue, as they did
// in one thread. Values cross by structured clone (Date, Uint8Array for bytea, bigint survive it); json and jsonb
// cross as text and are parsed here.
// (@electric-sql/pglite/worker's PGliteWorker needs navigator.locks, which Bun lacks.)
import type { Results, RowMode } from '@electric-sql/pglite'

/** What a PostgreSQL error keeps across the thread: the fields code paths read (`code` above all) and logs show. */
export interface PgliteWireError {
  name: string
  message: string
  code?: string; detail?: string; hint?: string; position?: string; where?: string; schema?: string; table?: string
  column?: string; dataType?: string; constraint?: string; severity?: string; routine?: string
}

export type PgliteRequest =
  | { op: 'open'; id: number; dataDir: string }
  /** `tx`: the id of the `begin` message of the transaction it belongs to. `textOids`: types whose text is kept (not parsed). */
  | { op: 'query'; id: number; tx?: number; text: string; params: unknown[]; rowMode?: RowMode; textOids?: number[] }
  | { op: 'begin'; id: number }
  | { op: 'end'; id: number; tx: number; commit: boolean }
  | { op: 'close'; id: number }
type Unsent = PgliteRequest extends infer R ? (R extends PgliteRequest ? Omit<R, 'id'> : never) : never
export type PgliteReply = { id: number; value: unknown } | { id: number; error: PgliteWireError }

type Parser = (text: string, typeId: number) => unknown
export interface PgliteQueryOptions { rowMode?: RowMode; parsers?: Record<number, Parser> }
export interface PgliteQueryable {
  query<T>(text: string, params?: unknown[], options?: PgliteQueryOptions): Promise<Results<T>>
}
export interface PgliteThread extends PgliteQueryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: PgliteQueryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** An error from the worker made into an Error here, with the same fields (`code`, `constraint`, …). */
function errorFrom(e: PgliteWireError): Error {
  const { name, message, ...fields } = e
  return Object.assign(new Error(message), { name }, fields)
}

/**
 * `parsers` are functions, which cannot cross: their types' text is kept there, and they are applied here to the
 * columns of those types (drizzle's are identities: it keeps timestamps, dates and intervals as text).
 */
function applyParsers(r: Results<unknown>, parsers: Record<number, Parser>, rowMode: RowMode | undefined): void {
  const columns = r.fields.flatMap((f, i) => (parsers[f.dataTypeID] ? [{ key: rowMode === 'array' ? i : f.name, oid: f.dataTypeID, parse: parsers[f.dataTypeID] }] : []))
  if (!columns.length) return
  for (const row of r.rows as Record<string | number, unknown>[]) {
    for (const c of columns) if (row[c.key] !== null && row[c.key] !== undefined) row[c.key] = c.parse(row[c.key] as string, c.oid)
  }
}

/**
 * json and jsonb cross as text and are parsed here, as PGlite would have parsed them: a string is copied across in
 * one piece, while a parsed value (a shopper's profile holds 100 events) would be parsed there and then copied
 * object by object, about twice the work on the two threads.
 */
const JSON_AS_TEXT: Record<number, Parser> = { 114: (text) => JSON.parse(text), 3802: (text) => JSON.parse(text) }

export interface PgliteThreadOptions {
  /** Called once if the thread dies after opening: every statement fails from then on (the process should restart). */
  onDeath?: (error: Error) => void
  /** The worker's module (tests: one that can be made to crash). */
  workerUrl?: URL
}

/** Starts the worker and opens PGlite in it (`memory://` or a data directory). */
export async function openPgliteThread(dataDir: string, opts: PgliteThreadOptions = {}): Promise<PgliteThread> {
  const worker = new Worker((opts.workerUrl ?? new URL('./pglite-worker.ts', import.meta.url)).href, { type: 'module' })
  let opened = false
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  let seq = 0
  let stopped: Error | undefined
  // A worker keeps the process alive: it is held only while a message is unanswered (Bun has ref/unref; elsewhere a
  // process ends by exiting, as the servers do).
  const hold = worker as unknown as { ref?: () => void; unref?: () => void }
  worker.onmessage = (e: MessageEvent<PgliteReply>) => {
    const r = e.data
    const w = waiting.get(r.id)
    if (!w) return
    waiting.delete(r.id)
    if (!waiting.size) hold.unref?.()
    if ('error' in r) w.reject(errorFrom(r.error))
    else w.resolve(r.value)
  }
  // The thread died (a WASM abort, out of memory): every statement waiting fails as the database gone away would
  // (57P01, admin_shutdown: isUnreachable says so, and requests answer 503), and so does every later one.
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault?.()
    stopped = Object.assign(new Error(`PGlite's thread failed: ${e.message}`), { code: '57P01' })
    for (const w of waiting.values()) w.reject(stopped)
    waiting.clear()
    hold.unref?.()
    worker.terminate()
    if (opened) opts.onDeath?.(stopped)
  }
  const call = <T>(message: Unsent, id = ++seq): Promise<T> => {
    if (stopped) return Promise.reject(stopped)
    return new Promise<T>((resolve, reject) => {
      try {
        worker.postMessage({ ...message, id })
      } catch (error) { // a parameter structured clone cannot copy
        reject(error instanceof Error ? error : new Error(String(error)))
        return
      }
      if (!waiting.size) hold.ref?.()
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject })
    })
  }
  const query = (tx: number | undefined) => async <T>(text: string, params: unknown[] = [], options: PgliteQueryOptions = {}): Promise<Results<T>> => {
    const parsers = options.parsers ? { ...JSON_AS_TEXT, ...options.parsers } : JSON_AS_TEXT
    const r = await call<Results<T>>({ op: 'query', tx, text, params, rowMode: options.rowMode, textOids: Object.keys(parsers).map(Number) })
    applyParsers(r as Results<unknown>, parsers, options.rowMode)
    return r
  }

  try {
    await call({ op: 'open', dataDir })
    opened = true
  } catch (error) {
    worker.terminate()
    throw error
  }
  return {
    query: query(undefined),
    async transaction(fn) {
      const tx = ++seq // the begin message's id names the transaction
      await call({ op: 'begin' }, tx)
      let result
      try {
        result = await fn({ query: query(tx) })
      } catch (error) {
        await call({ op: 'end', tx, commit: false }).catch(() => {}) // the rollback's own failure would hide why
        throw error
      }
      await call({ op: 'end', tx, commit: true })
      return result
    },
    async close() {
      try {
        await call({ op: 'close' })
      } finally {
        worker.terminate()
      }
    },
  }
}
