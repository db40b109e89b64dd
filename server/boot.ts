// Start-up shared by every runtime: open the database (PGlite or
// PostgreSQL), apply migrations, open the cache (Redis or in-process),
// resolve secrets, build the app and start background jobs. Runtime-specific
// serving and signal handling live in main.ts / main.deno.ts.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { openDatabase } from '../db/client.ts'
import { createApp, type AppParts } from './app.ts'
import { openCache } from './infra/cache/index.ts'
import type { Config } from './config.ts'
import type { Logger } from './logger.ts'
import { fileMailer } from './infra/mailer.ts'
import { resolveSecrets } from './infra/secrets.ts'
import { jsKernels, loadKernels } from './kernels/load.ts'

const HOUR = 3600_000

export async function boot(config: Config, log: Logger, extra: Partial<AppParts> = {}) {
  if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true })
  else surviveDriverWriteRace(log)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pg'), statementTimeoutMs: config.statementTimeoutMs })
  await database.migrate()
  const cache = await openCache({ redisUrl: config.redisUrl, log })
  const secrets = await resolveSecrets(config, log)
  const kernels = await loadKernels().catch((error) => {
    log.warn('WASM kernels unavailable; using the TypeScript fallbacks', { error })
    return jsKernels()
  })
  const app = await createApp({
    config, database, cache, log, secrets, mailer: fileMailer(config.dataDir, log), kernels,
    startWorker: config.modelWorker === 'inline', ...extra,
  })

  const purge = async () => {
    try {
      const n = await app.services.housekeeping.tenants.purge()
      if (n) log.info('purged deleted tenants', { count: n })
    } catch (error) { log.error('tenant purge failed', { error }) }
  }
  const maintain = async () => {
    try {
      const { folded, prunedEventIds } = await app.services.housekeeping.events.maintain()
      if (folded) log.info('retention: folded old events into daily summaries', { count: folded })
      if (prunedEventIds) log.info('retention: forgot eventIds older than the window', { count: prunedEventIds })
      const archived = await app.services.housekeeping.experiments.archiveOld()
      if (archived) log.info('retention: archived completed experiments to summaries', { count: archived })
    } catch (error) { log.error('event maintenance failed', { error }) }
  }
  const jobs = [setInterval(purge, HOUR), setInterval(maintain, 24 * HOUR)]
  void purge()
  void maintain()

  log.info('ready', { db: database.kind, cache: cache.kind })
  return {
    app,
    database,
    cache,
    /** Stops jobs, flushes pending writes, closes connections. Call after the server has drained. */
    async close() {
      for (const j of jobs) clearInterval(j)
      await app.shutdown()
      await cache.close()
      await database.close()
    },
  }
}

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
function surviveDriverWriteRace(log: Logger) {
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
