// Browser-test harness for the console: the API (PGlite) and the built
// console in this process, each on a free port, exactly as server/main.ts
// wires them, plus one Chromium (Debian's) per test file.
//
//   const h = await consoleHarness()
//   const { page, tenantId } = await h.newSignedInPage()
//   await expectNoAxeViolations(page)
//   await h.close()
import { chromium, type Browser, type BrowserContext, type Page, type Request } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { buildConsole } from '../../scripts/build-console.ts'
import { loadConsole } from '../../server/console.ts'
import { testApp, uniqueEmail, type TestApp } from '../../server/test/harness.ts'
import type { Config } from '../../server/config.ts'
import { quietLog } from '../../server/test/backends.ts'
import type { Logger } from '../../server/logger.ts'

export const PASSWORD = 'correct horse battery'
const AXE = fileURLToPath(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url))

export interface SignedIn {
  page: Page
  context: BrowserContext
  token: string
  refreshToken: string
  email: string
  password: string
  userId: string
  tenantId: string
  tenantName: string
}

export interface ConsoleHarness {
  t: TestApp
  apiUrl: string
  consoleUrl: string
  browser: Browser
  /** A fresh admin with one tenant, signed in (session cookies set) in a new browser context. */
  newSignedInPage(opts?: { tenantConfig?: object }): Promise<SignedIn>
  /** A new context with no session. */
  newPage(): Promise<{ page: Page; context: BrowserContext }>
  close(): Promise<void>
}

export const launchChromium = () => chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})

let seq = 0

/** `config`: overrides for the API's config (e.g. webhookAllowPrivate, so a page can reach a local receiver); `log`: where the API and the console log (silent by default); a test that reads the logs passes its own. */
export async function consoleHarness(opts: { config?: Partial<Config>; log?: Logger } = {}): Promise<ConsoleHarness> {
  await buildConsole() // no-op when the sources did not change
  const t = await testApp('pglite', opts.config ?? {}, undefined, { log: opts.log })
  const api = Bun.serve({ port: 0, fetch: (req) => t.app.handle(req) })
  const fetchConsole = await loadConsole((req) => t.app.handle(req), opts.log ?? quietLog)
  if (!fetchConsole) throw new Error('console build missing')
  const web = Bun.serve({ port: 0, fetch: (req, srv) => fetchConsole(req, srv.requestIP(req)?.address) })
  const consoleUrl = `http://localhost:${web.port}`
  const browser = await launchChromium()

  const newPage = async () => {
    const context = await browser.newContext({ baseURL: consoleUrl })
    return { context, page: await context.newPage() }
  }

  const newSignedInPage = async (opts: { tenantConfig?: object } = {}): Promise<SignedIn> => {
    const email = uniqueEmail('console')
    const s = await t.req('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Ada Admin' } })
    if (s.status !== 201) throw new Error(`signup failed: ${s.status} ${s.text}`)
    const { accessToken: token, refreshToken, user } = s.body.data
    const tenantName = `Shop ${++seq}`
    const tr = await t.req('POST', '/api/v1/tenants', { token, body: { name: tenantName, ...(opts.tenantConfig ? { config: opts.tenantConfig } : {}) } })
    if (tr.status !== 201) throw new Error(`tenant failed: ${tr.status} ${tr.text}`)
    const { context, page } = await newPage()
    const cookie = { domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' as const }
    await context.addCookies([{ ...cookie, name: 're_access', value: token }, { ...cookie, name: 're_refresh', value: refreshToken }])
    return { page, context, token, refreshToken, email, password: PASSWORD, userId: user.id, tenantId: tr.body.data.id, tenantName }
  }

  return {
    t, apiUrl: `http://localhost:${api.port}`, consoleUrl, browser, newSignedInPage, newPage,
    async close() {
      await browser.close().catch(() => {})
      web.stop(true)
      api.stop(true)
      await t.app.shutdown()
    },
  }
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA) on the page and throws listing every violation. */
/**
 * Advances a page's fake clock one period at a time (at most `periods`) until `done` holds in the page.
 * A page's timers start when it resumes on the client (a visible task), which can trail goto on a
 * loaded machine, so a single jump could land before the timer exists. True once `done` held.
 */
export async function advanceUntil(page: Page, periodMs: number, done: () => boolean | undefined, periods = 5): Promise<boolean> {
  for (let i = 0; i < periods; i++) {
    await page.clock.fastForward(periodMs)
    if (await page.waitForFunction(done, null, { timeout: 3_000 }).then(() => true, () => false)) return true
  }
  return false
}

/**
 * The URLs of the page's requests matching `match` while `act` runs and for `quietMs` after it: the
 * "nothing happens" half of a test, watched at the request, the first sign of a refresh, not the page.
 */
export async function requestsDuring(page: Page, match: (r: Request) => boolean, act: () => Promise<unknown>, quietMs: number): Promise<string[]> {
  const seen: string[] = []
  const on = (r: Request) => { if (match(r)) seen.push(r.url()) }
  page.on('request', on)
  try {
    await act()
    await new Promise((r) => setTimeout(r, quietMs))
  } finally {
    page.off('request', on)
  }
  return seen
}

/** A Qwik server$ call (how the console's pages refresh without a reload). */
export const isServerCall = (r: Request) => new URL(r.url()).searchParams.has('qfunc')

export async function expectNoAxeViolations(page: Page, opts: { exclude?: string[] } = {}) {
  await page.addScriptTag({ path: AXE })
  const violations = await page.evaluate(async (exclude) => {
    const axe = (window as any).axe
    const r = await axe.run(exclude.length ? { exclude: exclude.map((s: string) => [s]) } : document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n: any) => `${n.target.join(' ')}: ${n.failureSummary}`) }))
  }, opts.exclude ?? [])
  if (violations.length) {
    const url = page.url()
    throw new Error(`axe found ${violations.length} violation(s) on ${url}:\n` + violations.map((v: any) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n'))
  }
}
