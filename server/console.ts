// Loads the built console (console/server/entry.bun.js, made by
// scripts/build-console.ts) so the Bun entry point can serve it beside the
// API. The console's server-side API calls go to the app in-process.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Logger } from './logger.ts'

/** Serves one console request; clientIp is the browser's address (for sign-in throttling). */
export type ConsoleFetch = (req: Request, clientIp?: string) => Promise<Response>
/** The API as the console sees it: a Request in, a Response out, with the browser's address. */
export type InProcessApi = (req: Request, clientIp: string) => Promise<Response>

const CONSOLE_ENTRY = fileURLToPath(new URL('../console/server/entry.bun.js', import.meta.url))

/** The console's fetch handler, or undefined (with a warning) when it has not been built.
 *  `origin`: the public origin form POSTs must come from (CONSOLE_URL behind a proxy); by default each
 *  request's own. */
export async function loadConsole(api: InProcessApi, log: Logger, origin?: string): Promise<ConsoleFetch | undefined> {
  if (!existsSync(CONSOLE_ENTRY)) {
    log.warn('console not built; run `npm run build` to serve it', { expected: CONSOLE_ENTRY })
    return undefined
  }
  const mod = (await import(CONSOLE_ENTRY)) as { createConsoleHandler(opts: { api: InProcessApi; origin?: string }): ConsoleFetch }
  return mod.createConsoleHandler({ api, origin })
}
