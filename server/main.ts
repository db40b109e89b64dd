// Bun entry point: `bun server/main.ts`.
import { boot } from './boot.ts'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'

let config
try {
  config = loadConfig(process.env)
} catch (e) {
  if (e instanceof ConfigError) { console.error(`Configuration error: ${e.message}`); process.exit(1) }
  throw e
}
const log = createLogger(config.logLevel)
let server: ReturnType<typeof Bun.serve> | undefined
const svc = await boot(config, log, { clientIp: (req) => server?.requestIP(req)?.address ?? 'unknown' })
const { app } = svc

app.listen({ port: config.port, maxRequestBodySize: config.maxBodyBytes })
server = app.server as unknown as ReturnType<typeof Bun.serve>
app.markReady()
log.info(`API listening on http://localhost:${app.server?.port}`, { docs: `http://localhost:${app.server?.port}/api/docs` })

let stopping = false
async function stop(signal: string) {
  if (stopping) return
  stopping = true
  log.info('shutting down: draining in-flight requests', { signal })
  app.shutdown().catch(() => {}) // readiness goes to 503 at once
  await server?.stop(false) // stop accepting; resolves once in-flight requests finish
  await svc.close()
  log.info('stopped')
  process.exit(0)
}
process.on('SIGTERM', () => void stop('SIGTERM'))
process.on('SIGINT', () => void stop('SIGINT'))
