// The README's console screenshots (docs/screenshots/*.png), taken in Chromium
// against the demo store: starts `bun server/main.ts` on a fresh DATA_DIR, runs
// `npm run demo` against it, signs in as the demo admin and photographs each
// main page at 1200 × 900 (about 40–90 KB a PNG).
//
//   bun scripts/screenshots.ts
import { chromium } from '@playwright/test'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const OUT = join(ROOT, 'docs/screenshots')
const port = 20000 + Math.floor(Math.random() * 20000), consolePort = port + 1
const api = `http://127.0.0.1:${port}`, consoleUrl = `http://localhost:${consolePort}`
const dataDir = mkdtempSync(join(tmpdir(), 'screenshots-'))

const server = Bun.spawn([process.execPath, 'server/main.ts'], {
  cwd: ROOT, stdout: 'ignore', stderr: 'inherit',
  env: { ...process.env, PORT: String(port), CONSOLE_PORT: String(consolePort), DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_COST: '4' },
})
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${consoleUrl}/login`)).ok) break } catch { /* starting */ }
    if (i > 600 || server.exitCode !== null) throw new Error('the server did not start')
    await Bun.sleep(100)
  }
  const demo = Bun.spawn([process.execPath, 'scripts/demo.ts'], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, DEMO_API_URL: api }, stdout: 'inherit', stderr: 'inherit' })
  if (await demo.exited !== 0) throw new Error('npm run demo failed')
  const admin = JSON.parse(readFileSync(join(dataDir, 'demo-admin.json'), 'utf8')) as { email: string; password: string }
  const { tenantId } = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as { tenantId: string }

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, baseURL: consoleUrl })
  // The results page works out the statistics on the server: slow on a busy machine.
  page.setDefaultTimeout(120_000)
  await page.goto('/login')
  await page.getByLabel('Email').fill(admin.email)
  await page.getByLabel('Password').fill(admin.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL('**/dashboard**')

  // The finished experiment's results page.
  const token = (await (await fetch(`${api}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }) })).json() as { data: { accessToken: string } }).data.accessToken
  const exps = (await (await fetch(`${api}/api/v1/experiments?limit=10`, { headers: { authorization: `Bearer ${token}`, 'x-tenant-id': tenantId } })).json() as { data: { id: string; status: string }[] }).data
  const finished = exps.find((e) => e.status === 'completed')!

  const t = `/dashboard/tenants/${tenantId}`
  const shots: [string, string][] = [
    ['overview', '/dashboard?range=30d'],
    ['tenant', t],
    ['analytics', `${t}/analytics`],
    ['catalog', `${t}/catalog`],
    ['events', `${t}/events`],
    ['experiments', `${t}/experiments`],
    ['experiment-results', `${t}/experiments/${finished.id}`],
    ['widgets', `${t}/widgets`],
  ]
  mkdirSync(OUT, { recursive: true })
  for (const [name, path] of shots) {
    // Not 'networkidle': the events page polls every 5 s. The widget preview draws after load.
    await page.goto(path, { waitUntil: 'load' })
    await page.locator('h1').first().waitFor()
    await page.waitForTimeout(1000)
    const file = join(OUT, `${name}.png`)
    await page.screenshot({ path: file })
    console.log(`docs/screenshots/${name}.png  ${path}  ${(statSync(file).size / 1024).toFixed(0)} KB`)
  }
  await browser.close()
} finally {
  server.kill()
  await server.exited
  rmSync(dataDir, { recursive: true, force: true })
}
