// /api/docs in Chromium with every request to anything but the API's origin
// refused: the reference still renders every operation (it is our bundle, not
// a CDN's), nothing breaks the page's CSP and nothing logs an error.
import { chromium, type Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testApp, type TestApp } from '../test/harness.ts'
import { API_DOCS_CSP, SWAGGER_UI_VERSION } from './api-docs-page.ts'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

let t: TestApp
let server: ReturnType<typeof Bun.serve>
let browser: Browser
beforeAll(async () => {
  t = await testApp('pglite')
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => t.app.handle(req) })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}, 60_000)
afterAll(async () => { await browser?.close(); server?.stop(true) })

describe('/api/docs offline', () => {
  test('the CSP allows this origin only, and the assets are the pinned swagger-ui-dist', async () => {
    const r = await t.req('GET', '/api/docs')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-security-policy')).toBe(API_DOCS_CSP)
    expect(API_DOCS_CSP).toContain("default-src 'self'")
    expect(API_DOCS_CSP).toContain("script-src 'self'")
    expect(API_DOCS_CSP).not.toMatch(/https?:|\*|'unsafe-eval'/)
    expect(r.text).not.toMatch(/<script>|https?:\/\//) // no inline script, no absolute URL
    const pinned = (await import('../../package.json')).dependencies['swagger-ui-dist']
    expect(SWAGGER_UI_VERSION).toBe(pinned)
    const js = await t.app.handle(new Request(`http://localhost/api/docs/swagger-ui-${pinned}/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip' } }))
    expect(js.status).toBe(200)
    expect(js.headers.get('content-encoding')).toBe('gzip')
    expect(js.headers.get('cache-control')).toContain('immutable')
  })

  test('renders every operation with only the API origin reachable, no CSP violation, no console error', async () => {
    const origin = `http://127.0.0.1:${server.port}`
    const context = await browser.newContext()
    const page = await context.newPage()
    const blocked: string[] = []
    const errors: string[] = []
    await context.route('**/*', (route) => {
      const url = route.request().url()
      if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue()
      blocked.push(url)
      return route.abort('blockedbyclient')
    })
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.addInitScript(() => {
      (window as unknown as { violations: string[] }).violations = []
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { violations: string[] }).violations.push(`${e.violatedDirective} ${e.blockedURI}`))
    })
    try {
      const res = await page.goto(`${origin}/api/docs`)
      expect(res?.status()).toBe(200)
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 })
      const doc = (await t.req('GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, unknown>> }
      const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)
      // Swagger UI shows tags collapsed or open by its own defaults; every operation is in the DOM either way.
      await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, documented, { timeout: 30_000 })
      expect(await page.locator('.opblock').count()).toBe(documented)
      await expect(page.locator('.info .title').first().textContent()).resolves.toContain('RecomEngine API')
      // Open one operation: its parameters, example and problem+json responses render too.
      await page.locator('#operations-Tenants-getApiV1Tenants .opblock-summary').click()
      await page.locator('#operations-Tenants-getApiV1Tenants .responses-table').waitFor({ timeout: 10_000 })
      const opened = await page.locator('#operations-Tenants-getApiV1Tenants').textContent()
      expect(opened).toContain('limit')
      expect(opened).toContain('application/problem+json')
      expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([])
      expect(blocked).toEqual([])
      expect(errors).toEqual([])
    } finally { await context.close() }
  }, 90_000)
})
