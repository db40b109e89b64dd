// Serving on Bun: the API, the in-process console, client addresses, signals and draining.
import http from 'node:http'
import { boot } from '../boot.ts'
import { configOrExit } from './config.ts'
import { surviveDriverWriteRace } from './crash-guard.ts'
import { loadConsole } from '../console.ts'
import { createLogger } from '../logger.ts'
import { isPortInUse, portInUseMessage } from './port-in-use.ts'

export async function serveOnBun(env: Record<string, string | undefined>) {
  const config = configOrExit(env, process.exit)
  const log = createLogger(config.logLevel)
  if (config.databaseUrl) surviveDriverWriteRace(log)
  let server: ReturnType<typeof Bun.serve> | undefined
  // Requests the console makes in-process carry the browser's address here.
  const consoleCallers = new WeakMap<Request, string>()
  const svc = await boot(config, log, { clientIp: (req) => consoleCallers.get(req) ?? server?.requestIP(req)?.address ?? 'unknown' }, process.exit)
  const { app } = svc

  // Bun's own limits answer with empty bodies; set above the app's (MAX_BODY_BYTES, header-limit.ts) so
  // that the app answers first, with a problem document. Bun reads http.maxHeaderSize when it serves. Bun streams
  // request bodies (a 300 MB upload refused at 5 MB left the server's RSS at ~30 MB), so no body cap here is safe.
  ;(http as { maxHeaderSize: number }).maxHeaderSize = 64 * 1024
  try {
    // Elysia asks Bun for SO_REUSEPORT by default; only REUSE_PORT=true shares a port.
    app.listen({ port: config.port, maxRequestBodySize: Number.MAX_SAFE_INTEGER, reusePort: config.reusePort })
  } catch (error) {
    if (!isPortInUse(error)) throw error
    log.error(portInUseMessage(config.port))
    await svc.close()
    process.exit(1)
  }
  server = app.server as unknown as ReturnType<typeof Bun.serve>
  log.info(`API listening on http://localhost:${app.server?.port}`, { docs: `http://localhost:${app.server?.port}/api/docs` })

  // The console (Qwik City) on CONSOLE_PORT, in this process; its API calls skip the network.
  let consoleServer: ReturnType<typeof Bun.serve> | undefined
  // A CONSOLE_URL other than the default names the public origin (a proxy in front may rewrite Host).
  const publicOrigin = config.consoleUrl === `http://localhost:${config.consolePort}` ? undefined : new URL(config.consoleUrl).origin
  const fetchConsole = await loadConsole((req, ip) => { consoleCallers.set(req, ip); return app.handle(req) }, log, publicOrigin)
  if (fetchConsole) {
    try {
      consoleServer = Bun.serve({
        port: config.consolePort,
        fetch: (req, srv) => fetchConsole(req, srv.requestIP(req)?.address),
        error: (error) => { log.error('console request failed', { error }); return new Response('Internal Server Error', { status: 500 }) },
      })
      log.info(`Console listening on http://localhost:${consoleServer.port}`)
    } catch (error) { log.error('console could not listen; the API keeps serving', { port: config.consolePort, error }) }
  }

  let stopping = false
  async function stop(signal: string) {
    if (stopping) return
    stopping = true
    log.info('shutting down: draining in-flight requests', { signal })
    app.shutdown().catch(() => {}) // readiness goes to 503 at once
    await Promise.all([server?.stop(false), consoleServer?.stop(false)]) // stop accepting; resolves once in-flight requests finish
    await svc.close()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  // Listening, /health answering 503 "starting" (out of a balancer's rotation) while the most wanted models load; then ready.
  await app.warmUp().catch((error) => log.warn('model warm-up failed; models load on their first requests', { error }))
  if (!stopping) app.markReady()
}
