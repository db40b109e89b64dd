// Deno entry point: the same app, served through its web-standard fetch.
//   deno run --allow-net --allow-env --allow-read --allow-write --allow-sys --allow-ffi server/main.deno.ts
import { boot } from './boot.ts'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { isPortInUse, portInUseMessage } from './port-in-use.ts'

let config
try {
  config = loadConfig(Deno.env.toObject())
} catch (e) {
  if (e instanceof ConfigError) { console.error(`Configuration error: ${e.message}`); Deno.exit(1) }
  throw e
}
const log = createLogger(config.logLevel)
const ips = new WeakMap<Request, string>()
const svc = await boot(config, log, { clientIp: (req) => ips.get(req) ?? 'unknown' })
const { app } = svc

let server: Deno.HttpServer
try {
  server = Deno.serve({
    port: config.port,
    reusePort: config.reusePort,
    onListen: ({ port }) => log.info(`API listening on http://localhost:${port} (Deno)`),
  }, (req, info) => {
    ips.set(req, (info.remoteAddr as Deno.NetAddr).hostname)
    return app.fetch(req)
  })
} catch (error) {
  if (!isPortInUse(error)) throw error
  log.error(portInUseMessage(config.port))
  await svc.close()
  Deno.exit(1)
}
app.markReady()

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await server.shutdown() // finishes in-flight requests
  await svc.close()
  Deno.exit(0)
}
Deno.addSignalListener('SIGTERM', stop)
Deno.addSignalListener('SIGINT', stop)
