// A process-wide handler, installed by the entry points only (never by tests or embedders).
import type { Logger } from '../logger.ts'

/**
 * postgres.js (3.4.9) schedules a buffered write with setImmediate; when the
 * connection drops just then, the write can still run after the close handler
 * has nulled the socket (its clearImmediate does not stop it on Bun), and
 * `socket.write` throws from the timer — an uncaught exception that ended the
 * whole API process in scripts/fault/postgres-outage.ts. That error concerns a
 * connection already closed (its queries have failed and the pool reconnects),
 * so it is logged and survived; any other uncaught exception still ends the
 * process, as it would without this handler.
 */
export function surviveDriverWriteRace(log: Logger) {
  process.on('uncaughtException', (error) => {
    const stack = error instanceof Error ? error.stack ?? '' : ''
    if (error instanceof TypeError && /\bnextWrite\b/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack)) {
      log.warn('PostgreSQL connection dropped during a write; the pool reconnects', { error: error.message })
      return
    }
    log.error('uncaught exception', { error })
    process.exit(1)
  })
}
