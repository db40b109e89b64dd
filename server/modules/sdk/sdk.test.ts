import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { buildSdk } from '../../../scripts/build-sdk.ts'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { negotiate, notModified } from './assets.ts'
import { DEMO_CSP, DEMO_STATE_FILE, parseDemoState, productSvg } from './demo.ts'

/** The budget from the issue: the whole bundle, WASM included, gzipped. */
const SIZE_BUDGET = 6 * 1024

const built = await buildSdk()
const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

describe('SDK bundle', () => {
  test(`v1.js is at most ${SIZE_BUDGET} B gzipped, WASM included`, () => {
    expect(built.wasmBytes).toBeGreaterThan(100)
    expect(built.gzipBytes).toBeLessThanOrEqual(SIZE_BUDGET)
  })
  test('one IIFE: nothing declared at the top level, no external requests', async () => {
    const code = await Bun.file(built.path).text()
    expect(code.startsWith('(()=>{')).toBe(true)
    expect(code.trimEnd().endsWith('})();')).toBe(true)
    // Only the API it is pointed at: no hard-coded origin anywhere.
    expect(code).not.toMatch(/https?:\/\/(?!www\.w3\.org)/)
  })
})

describe('content negotiation', () => {
  test('brotli, then gzip, else identity; q=0 refuses', () => {
    expect(negotiate('gzip, deflate, br, zstd')).toBe('br')
    expect(negotiate('gzip')).toBe('gzip')
    expect(negotiate('br;q=0, gzip;q=0.5')).toBe('gzip')
    expect(negotiate('*')).toBe('br')
    expect(negotiate('identity')).toBe('identity')
    expect(negotiate(null)).toBe('identity')
    expect(negotiate('br;q=0,gzip;q=0')).toBe('identity')
  })
  test('If-None-Match: exact, weak, lists and *', () => {
    expect(notModified('"abc"', '"abc"')).toBe(true)
    expect(notModified('W/"abc"', '"abc"')).toBe(true)
    expect(notModified('"x", "abc"', '"abc"')).toBe(true)
    expect(notModified('*', '"abc"')).toBe(true)
    expect(notModified('"abd"', '"abc"')).toBe(false)
    expect(notModified(null, '"abc"')).toBe(false)
  })
})

describe('demo pieces', () => {
  test('state file: only a well-formed read key is accepted', () => {
    expect(parseDemoState('{"tenantId":"t","readKey":"rk_live_abc123"}')).toEqual({ tenantId: 't', readKey: 'rk_live_abc123' })
    expect(parseDemoState('{"tenantId":"t","readKey":"\\"><script>"}')).toBeUndefined()
    expect(parseDemoState('not json')).toBeUndefined()
  })
  test('pictures escape their label', () => {
    expect(productSvg('<b>-1')).toContain('&#60;b&#62; 1')
    expect(productSvg('jacket-3')).toContain('Jacket 3')
  })
})

for (const b of BACKENDS) describe(`GET /sdk/v1.js and /demo (${b})`, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'recomengine-demo-'))
  dirs.push(dataDir)
  const t = await testApp(b, { dataDir })
  const raw = await Bun.file(built.path).bytes()

  test('JavaScript, long-cached, with an ETag; brotli or gzip by Accept-Encoding; 304 when unchanged', async () => {
    const plain = await t.req('GET', '/sdk/v1.js', { headers: { 'accept-encoding': 'identity' } })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(plain.headers.get('cache-control')).toContain('max-age=86400')
    expect(plain.headers.get('vary')).toBe('Accept-Encoding')
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(plain.text).toBe(new TextDecoder().decode(raw))
    const etag = plain.headers.get('etag')!
    expect(etag).toMatch(/^"[0-9a-f]{24}"$/)

    const res = (enc: string, extra: Record<string, string> = {}) => t.app.handle(new Request('http://localhost/sdk/v1.js', { headers: { 'accept-encoding': enc, ...extra } }))
    const br = await res('gzip, deflate, br')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(new Uint8Array(brotliDecompressSync(new Uint8Array(await br.arrayBuffer())))).toEqual(raw)
    const gz = await res('gzip')
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const gzBytes = new Uint8Array(await gz.arrayBuffer())
    expect(gzBytes.length).toBeLessThanOrEqual(SIZE_BUDGET)
    expect(new Uint8Array(gunzipSync(gzBytes))).toEqual(raw)
    expect(gz.headers.get('etag')).toBe(etag)

    const again = await res('gzip', { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    expect((await res('gzip', { 'if-none-match': '"stale"' })).status).toBe(200)
    // Any merchant origin may load it.
    expect((await res('gzip', { origin: 'https://shop.example' })).headers.get('access-control-allow-origin')).toBe('https://shop.example')
  })

  test('/demo: 404 with instructions until seeded, then the store wired to the demo tenant only', async () => {
    expect(expectProblem(await t.req('GET', '/demo'), 404).detail).toContain('npm run demo')

    const demo = await t.tenantWithKeys()
    const other = await t.tenantWithKeys()
    await t.req('POST', '/api/v1/catalog', { key: demo.writeKey, body: { productId: 'jacket-1', name: 'Alto <b>Jacket</b>', price: 120, currency: 'EUR', category: 'Outdoor Jackets', imageUrl: 'http://localhost/demo/images/jacket-1.svg' } })
    await t.req('POST', '/api/v1/catalog', { key: other.writeKey, body: { productId: 'secret-1', name: 'Other tenant secret' } })
    writeFileSync(join(dataDir, DEMO_STATE_FILE), JSON.stringify({ tenantId: demo.tenantId, readKey: demo.readKey }))

    const home = await t.req('GET', '/demo')
    expect(home.status).toBe(200)
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(home.headers.get('content-security-policy')).toBe(DEMO_CSP)
    expect(home.text).toContain(`<script src="/sdk/v1.js" data-api-key="${demo.readKey}"`)
    expect(home.text).toContain('data-recomengine-placement="homepage"')
    expect(home.text).not.toContain(demo.writeKey)

    const product = await t.req('GET', '/demo?product=jacket-1')
    expect(product.text).toContain('Alto &#60;b&#62;Jacket&#60;/b&#62;')
    expect(product.text).toContain('data-recomengine-placement="product-page" data-product-id="jacket-1"')
    // Another tenant's product is not found through the demo: the home page instead.
    const cross = await t.req('GET', '/demo?product=secret-1')
    expect(cross.status).toBe(200)
    expect(cross.text).not.toContain('Other tenant secret')
    expect(cross.text).toContain('data-recomengine-placement="homepage"')
    expectProblem(await t.req('GET', `/demo?product=${'x'.repeat(300)}`), 400)
  })

  test('/demo assets and pictures', async () => {
    const css = await t.req('GET', '/demo/assets/demo.css')
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect((await t.req('GET', '/demo/assets/demo.js')).text).toContain('RecomEngine.push')
    expectProblem(await t.req('GET', '/demo/assets/..%2Fsecrets.json'), 404)
    const svg = await t.req('GET', '/demo/images/jacket-1.svg')
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(svg.text).toContain('Jacket 1')
  })
})
