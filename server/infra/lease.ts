// Leases: how N processes (API instances, `bun server/worker.ts`) share background work over one
// database. A lease row names its holder and an expiry; the holder renews it while it works, so a
// long build keeps it, and a holder that dies (SIGKILL, a lost machine) stops renewing: its claim is
// taken over once the expiry passes. The claim itself is one conditional statement per duty
// (db/queries/models.ts for builds, db/queries/duties.ts for periodic duties); the holder id and
// the renewal are shared here.
import { hostname } from 'node:os'
import { pid } from 'node:process'
import type { Logger } from '../logger.ts'

/** This process's holder id: readable in the database (which host and pid holds what) and unique across restarts. */
export function newHolderId(): string {
  return `${hostname()}:${pid}:${crypto.randomUUID().slice(0, 8)}`
}

/**
 * Runs `work` while renewing its lease every third of `leaseMs`. `held()` turns false once a
 * renewal finds the lease taken over (this process stalled past its expiry): the work should stop
 * and not write its result, whoever holds the lease now does.
 */
export async function whileLeased<T>(leaseMs: number, renew: () => Promise<boolean>, log: Logger, work: (held: () => boolean) => Promise<T>): Promise<T> {
  let held = true
  let renewing: Promise<void> | undefined
  const timer = setInterval(() => {
    if (renewing || !held) return
    renewing = renew().then((ok) => { if (!ok) { held = false; log.warn('lease lost to another worker') } },
      (error) => log.warn('could not renew a lease; retrying', { error })).finally(() => { renewing = undefined })
  }, Math.max(50, Math.floor(leaseMs / 3)))
  try {
    return await work(() => held)
  } finally {
    clearInterval(timer)
    await renewing
  }
}
