// Serving on Deno: the same app through its web-standard fetch, client addresses, signals and draining.
import { boot } from '../boot.ts'
import { configOrExit } from './config.ts'
import { surviveDriverWriteRace } from './crash-guard.ts'
import { createLogger } from '../logger.ts'
import { isPortInUse, portInUseMessage } from './port-in-use.ts'

export async function serveOnDeno(env: Record<string, string | undefined>) {
  const config = configOrExit(env, Deno.exit)
  const log = createLogger(config.logLevel)
  if (config.databaseUrl) surviveDriverWriteRace(log)
  const ips = new WeakMap<Request, string>()
  const svc = await boot(config, log, { clientIp: (req) => ips.get(req) ?? 'unknown' }, Deno.exit)
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
  // Listening, /health answering 503 "starting" (out of a balancer's rotation) while the most wanted models load; then ready.
  await app.warmUp().catch((error) => log.warn('model warm-up failed; models load on their first requests', { error }))
  if (!stopping) app.markReady()
}
