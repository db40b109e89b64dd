// The model worker on its own: `bun server/worker.ts`. Run one or more beside
// API instances started with MODEL_WORKER=off; a lease in the database makes
// sure only one of them builds a given tenant at a time, and each due tenant once. It also keeps the
// analytics weekly folds current (a per-week lock: one instance folds a week),
// sends webhooks from the outbox (rows claimed with SKIP LOCKED: workers share them),
// finishes shopper erasures whose process died (a leased row each), and shares
// the hourly purge and daily retention with every other process (leased duties).
import { bootServices } from './boot.ts'
import { createLogger } from './logger.ts'
import { configOrExit } from './runtime/config.ts'
import { surviveDriverWriteRace } from './runtime/crash-guard.ts'

const config = configOrExit({ ...process.env, MODEL_WORKER: 'off' }, process.exit)
const log = createLogger(config.logLevel).child({ role: 'worker' })
if (config.databaseUrl) surviveDriverWriteRace(log)
const svc = await bootServices(config, log)
const { worker, folds, dispatcher, shoppers } = svc.services
worker.start()
folds.start()
dispatcher.start()
shoppers.startResuming(config.workerPollMs) // erasures whose process died, once their lease expires
log.info('model worker started')

const stop = async () => {
  await Promise.all([worker.stop(), folds.stop(), dispatcher.stop()]) // lets a build or fold in progress finish; its lease or lock covers it meanwhile
  await svc.close()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
