// @recomengine/sdk as a bundler sees it: a tiny app importing { init,
// getRecommendations } from the package (resolved through its package.json,
// as from node_modules) and bundled by esbuild stays within the SDK's budget
// with its WASM, importing it alone adds nothing (no side effects), and the
// bundle works in Chromium against the API: recommendations come back and
// placements render, as with the script tag, without a global.
import { chromium, type Browser } from '@playwright/test'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { build } from 'esbuild'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { ensureSdk } from '../../../scripts/build-sdk.ts'
import { testApp, type TestApp } from '../../test/harness.ts'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** The SDK's budget (the script tag's, sdk.test.ts): the whole bundle, WASM included, gzipped. */
const BUDGET_GZ = 6 * 1024
const SDK_DIR = fileURLToPath(new URL('../../../sdk', import.meta.url))

const APP = `import { init, getRecommendations } from '@recomengine/sdk'
const { key, api } = document.documentElement.dataset
init({ apiKey: key, apiBase: api })
getRecommendations({ limit: 4 }).then((items) => { document.getElementById('out').textContent = items.map((i) => i.productId).join(',') })
`

/** A project with the package in node_modules, as `npm install @recomengine/sdk` leaves it. */
const project = mkdtempSync(join(tmpdir(), 'recomengine-sdk-app-'))
mkdirSync(join(project, 'node_modules', '@recomengine'), { recursive: true })
symlinkSync(SDK_DIR, join(project, 'node_modules', '@recomengine', 'sdk'))

const bundle = async (contents: string) => {
  const r = await build({ stdin: { contents, resolveDir: project, loader: 'js' }, absWorkingDir: project, bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' })
  return r.outputFiles[0]!.text
}

let t: TestApp
let server: ReturnType<typeof Bun.serve>
let browser: Browser
let appJs = ''
let k: { readKey: string; writeKey: string; tenantId: string }
beforeAll(async () => {
  await ensureSdk()
  appJs = await bundle(APP)
  t = await testApp('pglite')
  k = await t.tenantWithKeys()
  const items = Array.from({ length: 8 }, (_, i) => ({ productId: `esm-${i}`, name: `Product ${i}`, price: 10 + i, url: `https://shop.example/p/${i}` }))
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })).status).toBe(200)
  const events = Array.from({ length: 24 }, (_, i) => ({ eventType: 'product_viewed', userId: `seed-${i % 6}`, productId: `esm-${i % 8}` }))
  expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).status).toBe(202)
  await t.app.services.models.build(k.tenantId)
  server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    fetch(req) {
      const path = new URL(req.url).pathname
      if (path === '/favicon.ico') return new Response(null, { status: 204 })
      if (path === '/app.js') return new Response(appJs, { headers: { 'content-type': 'text/javascript' } })
      if (path === '/shop') {
        return new Response(`<!doctype html><html lang="en" data-key="${k.readKey}" data-api="${new URL(req.url).origin}"><head><meta charset="utf-8"><title>Shop</title></head>
<body><p id="out"></p><div data-recomengine-placement="product_page"></div><script type="module" src="/app.js"></script></body></html>`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
      }
      return t.app.handle(req)
    },
  })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}, 90_000)
afterAll(async () => { await browser?.close(); server?.stop(true); rmSync(project, { recursive: true, force: true }) })

describe('@recomengine/sdk (ESM, for bundlers)', () => {
  test(`an app bundled with esbuild stays within ${BUDGET_GZ} B gzipped, WASM included`, () => {
    const gz = gzipSync(appJs, { level: 9 }).length
    expect(gz).toBeLessThanOrEqual(BUDGET_GZ)
    expect(appJs).toContain('AGFzbQ') // the bucket kernel, inlined ("\0asm" in base64)
  })

  test('tree-shakeable: importing it without calling anything bundles to nothing', async () => {
    expect((await bundle(`import '@recomengine/sdk'`)).trim()).toBe('')
    expect((await bundle(`import * as sdk from '@recomengine/sdk'; void sdk`)).trim()).toBe('')
  })

  test('works in Chromium: recommendations come back, a placement renders, no global, no error', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    try {
      await page.goto(`http://127.0.0.1:${server.port}/shop`)
      await page.waitForFunction(() => document.getElementById('out')!.textContent !== '', undefined, { timeout: 15_000 })
      const ids = (await page.locator('#out').textContent())!.split(',')
      expect(ids.length).toBeGreaterThan(0)
      for (const id of ids) expect(id).toMatch(/^esm-\d$/)
      await page.waitForFunction(() => (document.querySelector('[data-recomengine-placement="product_page"]')?.shadowRoot?.querySelectorAll('li').length ?? 0) > 0, undefined, { timeout: 15_000 })
      expect(await page.evaluate(() => 'RecomEngine' in window)).toBe(false)
      expect(errors).toEqual([])
    } finally { await page.close() }
  }, 60_000)
})
