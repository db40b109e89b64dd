// Start-up shared by every runtime: open the database (PGlite or
// PostgreSQL), apply migrations, open the cache (Redis or in-process),
// resolve secrets, build the app and start background jobs. Runtime-specific
// serving and signal handling live in server/runtime/ (bun.ts, deno.ts).
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
