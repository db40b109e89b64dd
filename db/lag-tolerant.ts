// Reads that tolerate a few seconds of lag (analytics, the catalog list, exports) go to the streaming
// replica named by DATABASE_READ_URL, which takes them off the primary. The replica is a convenience,
// never a dependency: when it cannot be reached (or cancels a read that conflicts with its replay), the
// read runs on the primary instead, and the replica is left alone for a while before it is tried again.
import { isUnreachable, type Db, type RawSql } from './client.ts'

/** One side a read can run on: a drizzle handle and the raw executor over the same pool. */
export interface ReadSide { db: Db; raw: RawSql }

export interface LagTolerantReads {
  /** Runs `fn` (reads only) on the replica when there is one and it answers, otherwise on the primary. */
  run<T>(fn: (side: ReadSide) => Promise<T>): Promise<T>
  /** The same as a RawSql: each statement or transaction is one `run`. */
  raw: RawSql
  /** Whether a replica is configured at all (not whether it is up). */
  hasReplica: boolean
}

export interface LagTolerantOptions {
  primary: ReadSide
  replica?: ReadSide
  log: { warn(message: string, fields?: Record<string, unknown>): void }
  /** Milliseconds now (the app's clock). */
  now: () => number
  /** After a failure, reads skip the replica this long (so a dead replica costs one failed attempt, not one per request). */
  retryAfterMs?: number
  /** At most one warning per this period, however many reads fall back. */
  warnEveryMs?: number
  /** Called once per read that fell back (metrics). */
  onFallback?: (reason: 'unreachable' | 'recovery-conflict') => void
}

// A standby cancels a query whose rows its WAL replay must remove: "canceling statement due to conflict
// with recovery" (40001) or a deadlock with the startup process (40P01). The primary can answer it.
function isRecoveryConflict(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (code === '40001' || code === '40P01') return true
  }
  return false
}

export function lagTolerantReads(o: LagTolerantOptions): LagTolerantReads {
  const retryAfterMs = o.retryAfterMs ?? 5_000
  const warnEveryMs = o.warnEveryMs ?? 60_000
  let skipUntil = -Infinity
  let lastWarning = -Infinity
  let fallbacksSinceWarning = 0

  const fellBack = (reason: 'unreachable' | 'recovery-conflict', error: unknown) => {
    const now = o.now()
    if (reason === 'unreachable') skipUntil = now + retryAfterMs
    o.onFallback?.(reason)
    fallbacksSinceWarning++
    if (now - lastWarning < warnEveryMs) return
    o.log.warn('read replica unavailable; reading from the primary', { reason, fallbacks: fallbacksSinceWarning, error })
    lastWarning = now
    fallbacksSinceWarning = 0
  }

  async function run<T>(fn: (side: ReadSide) => Promise<T>): Promise<T> {
    if (!o.replica || o.now() < skipUntil) return fn(o.primary)
    try {
      return await fn(o.replica)
    } catch (error) {
      const reason = isUnreachable(error) ? 'unreachable' : isRecoveryConflict(error) ? 'recovery-conflict' : undefined
      if (!reason) throw error
      fellBack(reason, error)
      return fn(o.primary)
    }
  }

  return {
    run,
    raw: {
      query: <R>(text: string, params?: unknown[]) => run((side) => side.raw.query<R>(text, params)),
      transaction: <R>(fn: (tx: RawSql) => Promise<R>) => run((side) => side.raw.transaction(fn)),
    },
    hasReplica: !!o.replica,
  }
}

/** Lag-tolerant reads with no replica: every read on `primary` (PGlite, tests, services built without one). */
export const primaryReads = (primary: ReadSide): LagTolerantReads => lagTolerantReads({ primary, log: { warn() {} }, now: () => 0 })
