// Start-up shared by every runtime: open the database (PGlite or
// PostgreSQL), apply migrations, open the cache (Redis or in-process),
// resolve secrets, build the app and start background jobs. Runtime-specific
// serving and signal handling live in server/runtime/ (bun.ts, deno.ts).
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { openDatabase } from '../db/client.ts'
import { createApp, createServices, type AppParts, type Services } from './app.ts'
import { openCache } from './infra/cache/index.ts'
import type { Config } from './config.ts'
import type { Logger } from './logger.ts'
import { fileMailer } from './infra/mailer.ts'
import { resolveSecrets } from './infra/secrets.ts'
import { jsKernels, loadKernels } from './kernels/load.ts'
import { DutyScheduler } from './infra/duties.ts'

const HOUR = 3600_000
/** How often a process checks whether a periodic duty is due (a duty runs at most a tick late). */
const DUTY_TICK_MS = 60_000

/**
 * The database (migrated), the cache, secrets and kernels every process opens first. `exit`: how the runtime ends the
 * process, called when PGlite's thread dies (every statement would fail from then on; a restart reopens the data).
 */
async function openParts(config: Config, log: Logger, exit?: (code: number) => void) {
  if (!config.databaseUrl) await mkdir(config.dataDir, { recursive: true })
  // PGlite is one process's embedded database: there is no replica to read from.
  if (config.databaseReadUrl && !config.databaseUrl) log.warn('DATABASE_READ_URL is ignored without DATABASE_URL (embedded PGlite has no replicas)')
  const database = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, 'pg'), statementTimeoutMs: config.statementTimeoutMs,
    readUrl: config.databaseUrl ? config.databaseReadUrl : undefined,
    onLost: (error) => {
      log.error("PGlite's thread died: exiting, to be restarted (the data directory is reopened and recovered on start)", { error })
      exit?.(1)
    },
  })
  await database.migrate()
  const cache = await openCache({ redisUrl: config.redisUrl, log })
  const secrets = await resolveSecrets(config, log)
  const kernels = await loadKernels().catch((error) => {
    log.warn('WASM kernels unavailable; using the TypeScript fallbacks', { error })
    return jsKernels()
  })
  return { config, database, cache, log, secrets, mailer: fileMailer(config.dataDir, log), kernels }
}

/**
 * Hourly tenant purge and weekly summary mails, daily retention and the quarter-hourly experiment watch, on the
 * background pool: every process ticks, and each duty runs once per period across the fleet, where its lease is
 * claimed (infra/duties.ts).
 */
function startHousekeeping(housekeeping: Services['services']['housekeeping'], parts: Awaited<ReturnType<typeof openParts>>, summaries: Services['services']['summaries'],
  alertMails: Services['services']['alertMails']) {
  const { log } = parts
  const duties = new DutyScheduler(parts.database.background.raw, [
    { name: 'tenant-purge', everyMs: HOUR, async run() {
      const n = await housekeeping.tenants.purge()
      if (n) log.info('purged deleted tenants', { count: n })
      await housekeeping.tenants.purgeIdempotentAnswers()
    } },
    // Each user is claimed before their mail is sent, so an overlap could not send twice either.
    { name: 'weekly-summaries', everyMs: HOUR, async run() {
      const sent = await summaries.sendDue()
      if (sent) log.info('weekly summaries sent', { count: sent })
    } },
    // Running experiments' results are read now and then so their first significant reading and SRM send webhooks
    // (and alert mails) unasked; then any alert mail a crash left queued goes out.
    { name: 'experiment-watch', everyMs: HOUR / 4, async run() {
      await housekeeping.experiments.watchRunning()
      await alertMails.sendDue()
    } },
    { name: 'retention', everyMs: 24 * HOUR, async run() {
      const { folded, prunedEventIds } = await housekeeping.events.maintain()
      if (folded) log.info('retention: folded old events into daily summaries', { count: folded })
      if (prunedEventIds) log.info('retention: forgot eventIds older than the window', { count: prunedEventIds })
      const archived = await housekeeping.experiments.archiveOld()
      if (archived) log.info('retention: archived completed experiments to summaries', { count: archived })
    } },
  ], log, () => new Date(), { tickMs: DUTY_TICK_MS, leaseMs: parts.config.modelLeaseSeconds * 1000 })
  duties.start()
  return () => duties.stop()
}

/** The services without the HTTP app (the model worker process). */
export async function bootServices(config: Config, log: Logger) {
  const parts = await openParts(config, log)
  const wired = await createServices({ ...parts, startWorker: false })
  const stopJobs = startHousekeeping(wired.services.housekeeping, parts, wired.services.summaries, wired.services.alertMails)
  log.info('ready', { db: parts.database.kind, cache: parts.cache.kind })
  return {
    services: wired.services,
    async close() {
      await stopJobs()
      await wired.shutdown()
      await parts.cache.close()
      await parts.database.close()
    },
  }
}

export async function boot(config: Config, log: Logger, extra: Partial<AppParts> = {}, exit?: (code: number) => void) {
  const parts = await openParts(config, log, exit)
  const { database, cache } = parts
  const app = await createApp({ ...parts, startWorker: config.modelWorker === 'inline', ...extra })
  const stopJobs = startHousekeeping(app.services.housekeeping, parts, app.services.summaries, app.services.alertMails)

  log.info('ready', { db: database.kind, cache: cache.kind })
  return {
    app,
    database,
    cache,
    /** Stops jobs, flushes pending writes, closes connections. Call after the server has drained. */
    async close() {
      await stopJobs()
      await app.shutdown()
      await cache.close()
      await database.close()
    },
  }
}
