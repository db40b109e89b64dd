// Largest Contentful Paint of the console's production build, served the way
// `npm start` serves it (bun server/main.ts: API + console in one process, on
// embedded PGlite), measured in Debian's Chromium with a PerformanceObserver.
// Each page is loaded RUNS times in a fresh browser context (cold cache,
// no cookies but the session). Goal: ≤ 1 s (PRD NFR-004: < 2 s). Prints
// figures; asserts nothing.
//
//   bun scripts/bench/console-lcp.ts [runs]
import { chromium } from '@playwright/test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startBenchServer, ROOT } from '../lib/bench-server.ts'
import { buildConsole } from '../build-console.ts'

const RUNS = Number(process.argv[2] ?? 7)
const consolePort = 31000 + Math.floor(Math.random() * 9000)
console.log(`console build: ${await buildConsole()}`)

// startBenchServer passes this environment to `bun server/main.ts`.
process.env.CONSOLE_PORT = String(consolePort)
process.env.NODE_ENV = 'production'
const server = await startBenchServer('pglite', 'lcp')
const consoleUrl = `http://localhost:${consolePort}`
const post = async (path: string, body: unknown, token?: string) => (await fetch(server.base + path, {
  method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body),
})).json() as Promise<any>

const session = (await post('/api/v1/auth/signup', { email: `lcp-${Date.now()}@example.com`, password: 'benchmark password', name: 'LCP' })).data
const tenant = (await post('/api/v1/tenants', { name: 'LCP store' }, session.accessToken)).data
const hasAnalytics = existsSync(join(ROOT, 'console/src/routes/dashboard/tenants/[id]/analytics/index.tsx'))

const pages: { path: string; signedIn: boolean }[] = [
  { path: '/', signedIn: false },
  { path: '/login', signedIn: false },
  { path: '/dashboard', signedIn: true },
  ...(hasAnalytics ? [{ path: `/dashboard/tenants/${tenant.id}/analytics`, signedIn: true }] : []),
]
if (!hasAnalytics) console.log('skipping /dashboard/tenants/:id/analytics: the page does not exist yet')

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})

/** LCP of one cold load, in ms (the last candidate once the page has loaded). */
async function lcpOnce(path: string, signedIn: boolean): Promise<{ lcp: number; status: number }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  if (signedIn) {
    const c = { domain: 'localhost', path: '/', httpOnly: true, sameSite: 'Lax' as const }
    await context.addCookies([{ ...c, name: 're_access', value: session.accessToken }, { ...c, name: 're_refresh', value: session.refreshToken }])
  }
  const page = await context.newPage()
  const res = await page.goto(consoleUrl + path, { waitUntil: 'load' })
  const lcp = await page.evaluate(() => new Promise<number>((resolve) => {
    new PerformanceObserver((list) => {
      const entries = list.getEntries()
      resolve(entries[entries.length - 1].startTime)
    }).observe({ type: 'largest-contentful-paint', buffered: true })
    setTimeout(() => resolve(-1), 5000)
  }))
  const status = res?.status() ?? 0
  await context.close()
  return { lcp, status }
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
console.log(`\nLCP over ${RUNS} cold loads per page (ms), Chromium ${browser.version()}, viewport 1280×800`)
console.log('page'.padEnd(46) + 'median'.padStart(8) + 'p90'.padStart(8) + 'max'.padStart(8))
try {
  for (const { path, signedIn } of pages) {
    await lcpOnce(path, signedIn) // warm the server's module cache; not counted
    const runs: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const { lcp, status } = await lcpOnce(path, signedIn)
      if (status !== 200) throw new Error(`${path} answered ${status}`)
      runs.push(lcp)
    }
    const label = path.replace(tenant.id, ':id') + (signedIn ? ' (signed in)' : '')
    console.log(label.padEnd(46) + pct(runs, 50).toFixed(0).padStart(8) + pct(runs, 90).toFixed(0).padStart(8) + Math.max(...runs).toFixed(0).padStart(8))
  }
} finally {
  await browser.close()
  await server.stop()
}
