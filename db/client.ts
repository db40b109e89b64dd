// One factory for both storage engines: PGlite (embedded, real Postgres in
// WASM, under DATA_DIR) when no DATABASE_URL is given, postgres.js otherwise.
// Both are exposed as the same drizzle `Db` type plus a raw SQL executor for
// the hot bulk paths, where drizzle's JS-side SQL building is too slow.
import type { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { Buffer } from 'node:buffer'
import { readFile } from 'node:fs/promises'
import * as schema from './schema.ts'
import { applyDistribution, distributedSqlPath } from './distribution.ts'

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

export interface RawSql {
  /** Runs one parameterised statement ($1, $2, …) and returns its rows. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: RawSql) => Promise<T>): Promise<T>
  /**
   * PostgreSQL, inside a transaction only: `COPY table (columns) FROM STDIN` fed this COPY text (text format,
   * UTF-8), in pieces of whole lines each ending in a newline, one write each (bulk loads; see COPY_PIECE). Undefined
   * on PGlite and outside a transaction.
   */
  copyFrom?(table: string, columns: string[], pieces: (string | Uint8Array)[]): Promise<void>
}

export interface DatabaseHandle {
  kind: 'pglite' | 'postgres'
  /** PostgreSQL's URL (model load threads open a connection of their own); absent on PGlite. */
  url?: string
  /** The request pool: on PostgreSQL every statement on it is bounded by `statement_timeout`. */
  db: Db
  raw: RawSql
  /**
   * A small pool without the timeout, for work no request waits on (model builds, the worker, folds,
   * retention, purge), so a long build is neither cut off nor queued behind requests. PGlite: the same connection.
   */
  background: { db: Db; raw: RawSql }
  /**
   * A small read-only pool on the streaming replica (DATABASE_READ_URL), PostgreSQL only; bounded like the
   * request pool. Reached through lagTolerantReads (lag-tolerant.ts), which falls back to the primary.
   */
  replica?: { db: Db; raw: RawSql }
  /** Applies pending drizzle-kit migrations from db/migrations, then db/distributed.sql where Citus is installed. */
  migrate(): Promise<void>
  close(): Promise<void>
}

const migrationsFolder = new URL('./migrations', import.meta.url).pathname

// Errors that mean "the database cannot be reached right now" rather than "this
// query is wrong": socket failures, postgres.js connection states, and the
// server's own connection-exception (08…) and shutdown/overload classes.
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '53300'])

/** Whether an error (or what it wraps) is PostgreSQL cancelling a statement that ran past `statement_timeout` (57014). */
export function isStatementTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '57014') return true
  }
  return false
}

/** Whether an error (or what it wraps: drizzle keeps the driver's error as `cause`) says the database is unreachable. */
export function isUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (UNREACHABLE.has(code) || code.startsWith('08'))) return true
  }
  return false
}

export interface DatabaseOptions {
  databaseUrl?: string
  dataDir?: string
  maxConnections?: number
  /** Per-statement limit on the request pool (ms, 0 = none). PostgreSQL only: PGlite does not enforce statement_timeout. */
  statementTimeoutMs?: number
  /** A streaming replica for reads that tolerate lag (DATABASE_READ_URL). PostgreSQL only: ignored without databaseUrl. */
  readUrl?: string
  /**
   * PGlite only: its thread died (a WASM abort, out of memory). Every statement fails from then on, so the process
   * is better restarted (the data directory is reopened, and recovered, on start).
   */
  onLost?: (error: Error) => void
}

export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.maxConnections ?? 10, opts.statementTimeoutMs ?? 0, opts.readUrl)
  if (!opts.dataDir) throw new Error('openDatabase needs a databaseUrl or a dataDir')
  return openPglite(opts.dataDir, opts.onLost)
}

type Exec = (text: string, params: unknown[]) => Promise<never[]>
type Copy = NonNullable<RawSql['copyFrom']>
function rawOf(exec: Exec, begin: <T>(fn: (exec: Exec, copy?: Copy) => Promise<T>) => Promise<T>): RawSql {
  const inTx = (e: Exec, copy?: Copy): RawSql => ({
    query: (text, params = []) => e(text, params),
    transaction: (fn) => fn(inTx(e, copy)), // already inside one: join it
    ...(copy ? { copyFrom: copy } : {}),
  })
  return { query: (text, params = []) => exec(text, params), transaction: (fn) => begin((e, copy) => fn(inTx(e, copy))) }
}

/** A turn of the event loop: long work on the API's thread awaits it between steps, so requests waiting meanwhile are answered. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

/** Bytes of COPY text a piece of copyFrom holds (about): each is one write. */
export const COPY_PIECE = 1 << 19

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

async function openPostgres(url: string, max: number, statementTimeoutMs: number, readUrl?: string): Promise<DatabaseHandle> {
  const { default: postgres } = await import('postgres')
  const { drizzle } = await import('drizzle-orm/postgres-js')
  // Reconnect attempts back off to at most ~0.5 s (postgres.js defaults to 20 s): a query queued
  // while the database is down waits for the next attempt, so this bounds how long a request
  // hangs before it gets its 503, and how soon service resumes once the database is back.
  const pool = (size: number, connection: Record<string, string | number>, target = url, connectTimeout = 5) => postgres(target, {
    max: size, onnotice: () => {}, connect_timeout: connectTimeout, connection,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5) * (0.5 + Math.random() / 2),
  })
  // The timeout is a start-up parameter of each connection: no extra round trip, and it cannot be forgotten by a query.
  const client = pool(max, statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {})
  const background = pool(3, { statement_timeout: 0 })
  const rawFor = (c: typeof client): RawSql => rawOf((text, params) => c.unsafe(text, params as never[]) as never,
    (fn) => c.begin((tx) => fn((text, params) => tx.unsafe(text, params as never[]) as never, async (table, columns, pieces) => {
      const copy = tx.unsafe(`copy ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) from stdin`)
      const sink = await copy.writable()
      await new Promise<void>((resolve, reject) => {
        sink.once('error', reject)
        sink.once('finish', resolve)
        // An error the server raises after the last line was sent (a unique violation found at the end) reaches
        // postgres.js once the stream is closed: it rejects the query, whose promise has settled, and the stream
        // never finishes. Its reject is what hears it.
        const heard = (copy as unknown as { reject: (e: unknown) => void }).reject
        ;(copy as unknown as { reject: (e: unknown) => void }).reject = (e) => { reject(e); heard(e) }
        // In pieces of ~0.5 MB (encoded as they were built): every write costs a frame, a copy into postgres.js's buffer
        // and one into the socket's, so few large ones (small ones were a tenth of an import's CPU time). Each
        // waits for the socket to drain, so a chunk's text is never all copied into the socket's buffer at once.
        void (async () => {
          for (let i = 0; i < pieces.length; i++) {
            const piece = typeof pieces[i] === 'string' ? Buffer.from(pieces[i] as string, 'utf8') : pieces[i]
            if (i === pieces.length - 1) { sink.end(piece); return }
            if (!sink.write(piece)) await new Promise((drained) => sink.once('drain', drained))
          }
          sink.end()
        })().catch(reject)
      })
    })) as never)
  // The replica pool: small (it serves only lag-tolerant reads), read-only even if the URL names a primary by
  // mistake, and quick to give up connecting, since a read it cannot serve goes to the primary instead.
  const replica = readUrl
    ? pool(4, { ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}), default_transaction_read_only: 'on' }, readUrl, 2)
    : undefined
  const db = drizzle(client, { schema }) as unknown as Db
  return {
    kind: 'postgres',
    url,
    db,
    raw: rawFor(client),
    background: { db: drizzle(background, { schema }) as unknown as Db, raw: rawFor(background) },
    ...(replica ? { replica: { db: drizzle(replica, { schema }) as unknown as Db, raw: rawFor(replica) } } : {}),
    async migrate() {
      const { migrate } = await import('drizzle-orm/postgres-js/migrator')
      // Several instances may start together: serialise migrations on a
      // session advisory lock, held by one dedicated connection.
      const one = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 })
      try {
        await one`select pg_advisory_lock(72810501)`
        await migrate(drizzle(one, { schema }), { migrationsFolder })
        await applyDistribution((text) => one.unsafe(text), await readFile(distributedSqlPath, 'utf8'))
      } finally {
        await one.end({ timeout: 5 })
      }
    },
    close: async () => { await Promise.all([client.end({ timeout: 5 }), background.end({ timeout: 5 }), replica?.end({ timeout: 5 })]) },
  }
}

// PGlite runs in a worker thread of this process (pglite-client.ts): a long statement there delays only the requests
// that wait for the database, never /health or answers served from memory.
async function openPglite(dataDir: string, onLost?: (error: Error) => void): Promise<DatabaseHandle> {
  const { openPgliteThread } = await import('./pglite-client.ts')
  const { drizzle } = await import('drizzle-orm/pglite')
  const client = await openPgliteThread(dataDir, { onDeath: onLost })
  // drizzle calls only `query` and `transaction`, which the thread's handle has.
  const db = drizzle(client as unknown as PGlite, { schema }) as unknown as Db
  const raw = rawOf(async (text, params) => (await client.query(text, params)).rows as never,
    (fn) => client.transaction((tx) => fn(async (text, params) => (await tx.query(text, params)).rows as never)))
  return {
    kind: 'pglite',
    db,
    raw,
    background: { db, raw },
    async migrate() {
      const { migrate } = await import('drizzle-orm/pglite/migrator')
      await migrate(db as never, { migrationsFolder })
      // PGlite has no Citus: this only asks, and finds the extension absent.
      await applyDistribution(async (text) => (await client.query(text)).rows, await readFile(distributedSqlPath, 'utf8'))
    },
    close: () => client.close(),
  }
}
