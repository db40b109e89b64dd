// The SDK in a real browser (Debian's Chromium): the merchant page is served from one
// origin and the API from another, as in production.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chromium, type Browser, type Page, type Request } from '@playwright/test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureSdk } from '../../../scripts/build-sdk.ts'
import { testApp, type TestApp } from '../../test/harness.ts'
import { waitFor } from '../../test/wait-for.ts'
import { DEMO_STATE_FILE } from './demo.ts'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const SLOW = 30_000

let t: TestApp
let browser: Browser
let api: ReturnType<typeof Bun.serve>
let shop: ReturnType<typeof Bun.serve>
let broken: ReturnType<typeof Bun.serve>
let k: { token: string; tenantId: string; readKey: string; writeKey: string }
let apiBase = ''
let shopBase = ''
let deadPort = 0
const dataDir = mkdtempSync(join(tmpdir(), 'recomengine-sdk-'))

interface PageSpec { head?: string; body: string; script?: Record<string, string>; csp?: string; before?: string }
const pages = new Map<string, PageSpec>()
let pageSeq = 0

/** Registers a merchant page and returns its URL (on the shop origin). */
function merchantPage(spec: PageSpec): string {
  const path = `/page-${++pageSeq}`
  pages.set(path, spec)
  return `${shopBase}${path}`
}

function html(spec: PageSpec): string {
  const attrs = Object.entries({ src: `${apiBase}/sdk/v1.js`, 'data-api-key': k.readKey, ...spec.script })
    .map(([a, v]) => `${a}="${v}"`).join(' ')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script>window.__before = Object.keys(window); window.__errors = [];</script>${spec.before ?? ''}
<script ${attrs} async></script>${spec.head ?? ''}</head><body>${spec.body}<script>window.__hostScriptRan = true</script></body></html>`
}

const PRODUCTS = Array.from({ length: 12 }, (_, i) => ({
  productId: `p${i + 1}`,
  name: `Product ${i + 1}`,
  category: ['Shoes', 'Jackets', 'Coffee'][i % 3],
  description: `A ${['light', 'warm', 'strong'][i % 3]} thing number ${i + 1}`,
  price: 10 + i,
}))

async function newPage(): Promise<{ page: Page; errors: string[]; consoleErrors: string[] }> {
  const page = await browser.newPage()
  const errors: string[] = []
  const consoleErrors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()) })
  return { page, errors, consoleErrors }
}

/** Cards rendered in a placement's shadow root. */
const cards = (page: Page, placement: string) => page.evaluate((p) => {
  const host = document.querySelector(`[data-recomengine-placement="${p}"]`)
  return [...(host?.shadowRoot?.querySelectorAll('li') ?? [])].map((li) => {
    const a = li.querySelector('a')
    return {
      productId: li.dataset.productId, href: a?.href ?? null, img: li.querySelector('img')?.src ?? null,
      name: li.querySelector('.n')?.textContent, price: li.querySelector('.p')?.textContent ?? null, cta: li.querySelector('.cta')?.textContent ?? null,
    }
  })
}, placement)

async function waitForCards(page: Page, placement: string) {
  await page.waitForFunction((p) => (document.querySelector(`[data-recomengine-placement="${p}"]`)?.shadowRoot?.querySelectorAll('li').length ?? 0) > 0, placement, { timeout: 10_000 })
  return cards(page, placement)
}

async function eventsOf(type: string, filter: (e: any) => boolean, atLeast = 1) {
  return waitFor(`${atLeast} stored ${type} event(s)`, async () => {
    const r = await t.req('GET', `/api/v1/events?eventType=${type}&limit=100`, { key: k.writeKey })
    const found = (r.body.data as any[]).filter(filter)
    return found.length >= atLeast && found
  })
}

/** Every request a page makes, with how it ended so far. */
function requestLog(page: Page) {
  const log = new Map<Request, 'pending' | 'finished' | 'failed'>()
  page.on('request', (r) => log.set(r, 'pending'))
  page.on('requestfinished', (r) => log.set(r, 'finished'))
  page.on('requestfailed', (r) => log.set(r, 'failed'))
  return log
}

beforeAll(async () => {
  await ensureSdk()
  t = await testApp('pglite', { dataDir })
  api = Bun.serve({ port: 0, fetch: (req) => t.app.handle(req) })
  apiBase = `http://127.0.0.1:${api.port}`
  shop = Bun.serve({
    port: 0,
    fetch(req) {
      const url = new URL(req.url)
      if (url.pathname.startsWith('/img/')) return new Response('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#888"/></svg>', { headers: { 'content-type': 'image/svg+xml' } })
      if (url.pathname.startsWith('/products/')) return new Response('<!doctype html><title>Product</title><h1>Product page</h1>', { headers: { 'content-type': 'text/html' } })
      const spec = pages.get(url.pathname)
      if (!spec) return new Response('not found', { status: 404 })
      return new Response(html(spec), { headers: { 'content-type': 'text/html; charset=utf-8', ...(spec.csp ? { 'content-security-policy': spec.csp } : {}) } })
    },
  })
  // "localhost" for the shop and 127.0.0.1 for the API: two origins.
  shopBase = `http://localhost:${shop.port}`
  // An API that misbehaves in every way the SDK must survive.
  broken = Bun.serve({
    port: 0,
    async fetch(req) {
      const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': '*' }
      if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors })
      const mode = new URL(req.url).pathname.split('/')[1]
      // Well past the page's 500 ms data-timeout, so the SDK has given up before this answer comes.
      if (mode === 'slow') { await Bun.sleep(1500); return Response.json({ data: { config: {} } }, { headers: cors }) }
      if (mode === 'badjson') return new Response('{"data": [', { headers: { ...cors, 'content-type': 'application/json' } })
      if (mode === 'notfound') return Response.json({ type: 'x', title: 'Not found', status: 404 }, { status: 404, headers: cors })
      if (mode === 'wrongshape') return Response.json({ data: { config: { layout: 'grid', theme: {} } }, meta: {} }, { headers: cors })
      return new Response('boom', { status: 500, headers: cors })
    },
  })
  const closed = Bun.serve({ port: 0, fetch: () => new Response('') })
  deadPort = closed.port!
  closed.stop(true)

  k = await t.tenantWithKeys({ rateLimits: { read: 100000, write: 100000 } })
  const items = PRODUCTS.map((p) => ({ ...p, url: `${shopBase}/products/${p.productId}`, imageUrl: `${shopBase}/img/${p.productId}.svg` }))
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: k.writeKey, body: { items } })).status).toBe(200)
  const now = Date.now()
  const events = []
  for (let u = 0; u < 20; u++) for (let j = 0; j < 4; j++) {
    events.push({ eventType: 'product_viewed', userId: `seed-${u}`, productId: `p${((u + j) % 12) + 1}`, timestamp: new Date(now - (u * 4 + j) * 60_000).toISOString() })
  }
  expect((await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events } })).status).toBe(202)
  await t.app.services.models.build(k.tenantId)
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  api?.stop(true)
  shop?.stop(true)
  broken?.stop(true)
  await t?.app.shutdown()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('SDK in Chromium', () => {
  test('two placements render product cards in open shadow roots, with image, name, price and a CTA to the product url', async () => {
    const { page, errors } = await newPage()
    const asked: URL[] = []
    page.on('request', (r) => { if (r.url().includes('/api/v1/recommendations')) asked.push(new URL(r.url())) })
    await page.goto(merchantPage({
      script: { 'data-user-id': 'shopper-1', 'data-currency': 'EUR' },
      body: '<div data-recomengine-placement="product-page" data-product-id="p2"></div><div data-recomengine-placement="homepage"></div>'
        + '<div data-recomengine-placement="cart" data-context="cart_page" data-cart-product-ids="p1,p3"></div>',
    }))
    const a = await waitForCards(page, 'product-page')
    const b = await waitForCards(page, 'homepage')
    const cart = await waitForCards(page, 'cart')
    expect(a.length).toBe(4) // the default widget limit
    expect(b.length).toBe(4)
    expect(a.map((c) => c.productId)).not.toContain('p2') // the product in view is not recommended to itself
    expect(cart.length).toBe(4)
    // The placement's cart is sent, and nothing in it comes back.
    expect(asked.find((u) => u.searchParams.get('placement') === 'cart')?.searchParams.get('cartProductIds')).toBe('p1,p3')
    for (const inCart of ['p1', 'p3']) expect(cart.map((c) => c.productId)).not.toContain(inCart)
    for (const c of [...a, ...b, ...cart]) {
      const p = PRODUCTS.find((x) => x.productId === c.productId)!
      expect(c.name).toBe(p.name)
      expect(c.href).toBe(`${shopBase}/products/${p.productId}`)
      expect(c.img).toBe(`${shopBase}/img/${p.productId}.svg`)
      expect(c.price).toContain(String(p.price))
      expect(c.price).toContain('€')
      expect(c.cta).toBe('View product')
    }
    // Keyboard: every card is a link reachable with Tab.
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const host = document.activeElement
      return host?.shadowRoot?.activeElement?.tagName ?? null
    })
    expect(focused).toBe('A')
    // The only global the SDK adds.
    const added = await page.evaluate(() => Object.keys(window).filter((k) => !(window as any).__before.includes(k) && !k.startsWith('__')))
    expect(added).toEqual(['RecomEngine'])
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('impressions after 1 s at 50 % visibility (once per page view) and clicks before navigation, with placement and strategy', async () => {
    const { page, errors } = await newPage()
    const userId = `shopper-imp-${Date.now()}`
    await page.goto(merchantPage({
      script: { 'data-user-id': userId },
      // Keeps what the SDK sends, so "nothing more was sent" is read in the page rather than waited for.
      before: `<script>window.__sent = []; var f = window.fetch; window.fetch = function (u, o) { if (String(u).endsWith('/api/v1/track')) __sent.push.apply(__sent, [].concat(JSON.parse(o.body))); return f.apply(this, arguments) }</script>`,
      // The script twice on one page (it happens): the first copy stays in charge, nothing is counted twice.
      head: `<script src="${apiBase}/sdk/v1.js" data-api-key="${k.readKey}" data-user-id="${userId}" async></script>`,
      body: `<div data-recomengine-placement="homepage"></div><div style="height:3000px"></div><div data-recomengine-placement="product-page" data-product-id="p1"></div>`,
    }))
    const shown = await waitForCards(page, 'homepage')
    const impressions = await eventsOf('recommendation_impressed', (e) => e.userId === userId, shown.length)
    expect(impressions.map((e) => e.productId).sort()).toEqual(shown.map((c) => c.productId!).sort())
    for (const e of impressions) {
      expect(e.placement).toBe('homepage')
      expect(e.strategy).toBeTruthy()
    }
    // The far-away placement has not even been fetched, so nothing of it was impressed.
    expect(await cards(page, 'product-page')).toEqual([])
    // Scrolling away and back does not count twice. The page's own observer is told in the same task as
    // the SDK's (same card, same thresholds), so once it has seen the card go and come back, the SDK has too.
    const impressed = () => page.evaluate(() => (window as any).__sent.filter((e: any) => e.eventType === 'recommendation_impressed').length)
    expect(await impressed()).toBe(shown.length)
    await page.evaluate(() => new IntersectionObserver((es) => { for (const e of es) (window as any).__inView = e.intersectionRatio >= 0.5 }, { threshold: [0, 0.5] })
      .observe(document.querySelector('[data-recomengine-placement="homepage"]')!.shadowRoot!.querySelector('li')!))
    await page.waitForFunction(() => (window as any).__inView === true)
    await page.clock.install()
    await page.mouse.wheel(0, 1000) // not as far as the other placement, which would then load and count its own
    await page.waitForFunction(() => (window as any).__inView === false)
    await page.mouse.wheel(0, -1000)
    await page.waitForFunction(() => (window as any).__inView === true)
    // A second impression would be queued 1 s after the card came back and sent 250 ms after that.
    await page.clock.runFor(1300)
    expect(await impressed()).toBe(shown.length)
    expect(await cards(page, 'product-page')).toEqual([])

    const target = shown[1]!
    await page.evaluate((id) => {
      const host = document.querySelector('[data-recomengine-placement="homepage"]')!
      ;(host.shadowRoot!.querySelector(`li[data-product-id="${id}"] a`) as HTMLElement).click()
    }, target.productId!)
    await page.waitForURL(`${shopBase}/products/${target.productId}`)
    const clicks = await eventsOf('recommendation_clicked', (e) => e.userId === userId)
    expect(clicks).toHaveLength(1)
    expect(clicks[0].productId).toBe(target.productId)
    expect(clicks[0].placement).toBe('homepage')
    expect(clicks[0].strategy).toBe(impressions[0].strategy)
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('a click right after load, before any other call to /track, still arrives (keepalive survives the navigation)', async () => {
    const { page, errors } = await newPage()
    const userId = `shopper-quick-${Date.now()}`
    await page.goto(merchantPage({ script: { 'data-user-id': userId }, body: '<div data-recomengine-placement="homepage"></div>' }))
    const [first] = await waitForCards(page, 'homepage')
    await page.evaluate(() => (document.querySelector('[data-recomengine-placement]')!.shadowRoot!.querySelector('a') as HTMLElement).click())
    await page.waitForURL(`${shopBase}/products/${first!.productId}`)
    const clicks = await eventsOf('recommendation_clicked', (e) => e.userId === userId)
    expect(clicks.map((e) => [e.productId, e.placement])).toEqual([[first!.productId, 'homepage']])
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('layout and theme from the placement’s widget config', async () => {
    const put = await t.req('PUT', '/api/v1/widgets/themed', {
      key: k.writeKey,
      body: { layout: 'carousel', columns: 3, showPrice: false, ctaText: 'Add to Cart', title: 'Hot right now', limit: 5, theme: { primaryColor: '#ff6600', textColor: '#222222', background: '#fafafa', fontFamily: 'Georgia, serif', borderRadius: 12 } },
    })
    expect(put.status).toBe(200)
    const { page, errors } = await newPage()
    await page.goto(merchantPage({ body: '<div data-recomengine-placement="themed" style="width:900px"></div><div data-recomengine-placement="plain" style="width:900px"></div>' }))
    const themed = await waitForCards(page, 'themed')
    expect(themed).toHaveLength(5)
    expect(themed.every((c) => c.price === null && c.cta === 'Add to Cart')).toBe(true)
    const style = (p: string) => page.evaluate((placement) => {
      const root = document.querySelector(`[data-recomengine-placement="${placement}"]`)!.shadowRoot!
      const css = (sel: string) => getComputedStyle(root.querySelector(sel)!)
      return {
        title: root.querySelector('h2')?.textContent, label: root.querySelector('section')!.getAttribute('aria-label'),
        flow: css('ul').gridAutoFlow, overflow: css('ul').overflowX, cardWidth: root.querySelector('li')!.getBoundingClientRect().width,
        columns: css('ul').gridTemplateColumns.split(' ').length,
        cta: css('.cta').backgroundColor, color: css('section').color, background: css('section').backgroundColor,
        font: css('section').fontFamily, radius: css('section').borderRadius,
      }
    }, p)
    const t1 = await style('themed')
    expect(t1).toMatchObject({ title: 'Hot right now', label: 'Hot right now', flow: 'column', overflow: 'auto', cta: 'rgb(255, 102, 0)', color: 'rgb(34, 34, 34)', background: 'rgb(250, 250, 250)', font: 'Georgia, serif', radius: '12px' })
    // Three cards per view: 5 cards overflow sideways.
    expect(t1.cardWidth).toBeGreaterThan(250)
    expect(t1.cardWidth).toBeLessThan(300)
    // The untouched placement keeps the tenant defaults: a 4-column grid.
    await waitForCards(page, 'plain')
    const t2 = await style('plain')
    expect(t2).toMatchObject({ title: 'Recommended for you', flow: 'row', columns: 4, cta: 'rgb(29, 78, 216)' })
    // The merchant's CSS does not leak into the widget.
    await page.addStyleTag({ content: 'li, a, span { color: rgb(1, 2, 3) !important; display: none !important }' })
    expect((await style('plain')).cardWidth).toBeGreaterThan(100)
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('a saved config change reaches an open page without a reload', async () => {
    await t.req('PUT', '/api/v1/widgets/live', { key: k.writeKey, body: { layout: 'grid', ctaText: 'Before', limit: 3 } })
    const { page, errors } = await newPage()
    await page.goto(merchantPage({ script: { 'data-poll-interval': '500' }, body: '<div data-recomengine-placement="live"></div>' }))
    expect((await waitForCards(page, 'live')).map((c) => c.cta)).toEqual(['Before', 'Before', 'Before'])
    await page.evaluate(() => { (window as any).__samePage = true })
    await t.req('PUT', '/api/v1/widgets/live', { key: k.writeKey, body: { layout: 'list', ctaText: 'After', limit: 2, theme: { primaryColor: '#00ff00' } } })
    await page.waitForFunction(() => document.querySelector('[data-recomengine-placement="live"]')!.shadowRoot!.querySelector('.cta')?.textContent === 'After', null, { timeout: 10_000 })
    const after = await cards(page, 'live')
    expect(after.map((c) => c.cta)).toEqual(['After', 'After'])
    expect(await page.evaluate(() => [(window as any).__samePage, document.querySelector('[data-recomengine-placement="live"]')!.shadowRoot!.querySelector('section')!.className])).toEqual([true, 'w list'])
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('onRecommendations: headless placements get the items and the SDK renders nothing there', async () => {
    const { page, errors } = await newPage()
    await page.goto(merchantPage({
      before: `<script>window.RecomEngine = window.RecomEngine || []; RecomEngine.push(function (re) {
        re.onRecommendations(function (r) { (window.__got = window.__got || []).push({ placement: r.placement, ids: r.items.map(function (i) { return i.productId }), strategy: r.strategy, el: r.element.id }) }, 'headless');
      });</script>`,
      body: '<div id="h" data-recomengine-placement="headless"></div><div data-recomengine-placement="homepage"></div>',
    }))
    await waitForCards(page, 'homepage')
    await page.waitForFunction(() => (window as any).__got?.length > 0)
    const got = await page.evaluate(() => (window as any).__got)
    expect(got).toHaveLength(1)
    expect(got[0]).toMatchObject({ placement: 'headless', el: 'h' })
    expect(got[0].ids).toHaveLength(4)
    expect(got[0].strategy).toBeTruthy()
    expect(await page.evaluate(() => document.getElementById('h')!.shadowRoot?.childNodes.length ?? 0)).toBe(0)
    // The programmatic API answers too.
    const items = await page.evaluate(() => (window as any).RecomEngine.getRecommendations({ limit: 3, productId: 'p5' }))
    expect(items).toHaveLength(3)
    expect(items[0]).toMatchObject({ productId: expect.any(String), name: expect.any(String), url: expect.stringContaining('/products/') })
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)

  test('getVariant equals the server’s assignment, with WebAssembly and with it blocked by CSP', async () => {
    const exp = await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'SDK arms', control: 'trending', variant: 'content_based', trafficSplit: 50, metric: 'ctr', placement: 'exp-placement' } })
    expect(exp.status).toBe(201)
    const id = exp.body.data.id
    const draft = await t.req('POST', '/api/v1/experiments', { key: k.writeKey, body: { name: 'Not started', control: 'trending', variant: 'content_based', trafficSplit: 50, metric: 'ctr', placement: 'other', status: 'draft' } })
    const arms = new Set<string>()
    for (const [i, blocked] of [[0, false], [1, false], [2, false], [3, true], [4, true], [5, true], [6, false], [7, true]] as const) {
      const userId = `arm-user-${i}`
      const server = await t.req('GET', `/api/v1/recommendations?userId=${userId}&placement=exp-placement`, { key: k.readKey })
      const expected = server.body.meta.experiment.variant
      arms.add(expected)
      const { page, errors } = await newPage()
      await page.goto(merchantPage({
        script: { 'data-user-id': userId },
        before: '<script>document.addEventListener("securitypolicyviolation", function (e) { (window.__csp = window.__csp || []).push(e.blockedURI) })</script>',
        // Without 'wasm-unsafe-eval' the page may not compile WebAssembly: the SDK falls back to its JS twin.
        csp: blocked ? `script-src 'unsafe-inline' ${apiBase}` : undefined,
        body: '',
      }))
      await page.waitForFunction(() => (window as any).RecomEngine?.getVariant)
      const [variant, none, csp] = await page.evaluate(async ([e, d]) => [await (window as any).RecomEngine.getVariant(e), await (window as any).RecomEngine.getVariant(d), (window as any).__csp ?? []], [id, draft.body.data.id])
      expect(variant).toBe(expected)
      expect(none).toBeNull() // not running: no arm
      expect(csp).toEqual(blocked ? ['wasm-eval'] : [])
      expect(errors).toEqual([])
      await page.close()
    }
    expect(arms.size).toBe(2) // both arms were exercised
  }, 60_000)

  // What each placement asks for: a config, then items once the config passes as one (the wrong shape does).
  for (const [name, base, extra, asks] of [
    ['unreachable', () => `http://127.0.0.1:${deadPort}`, {}, ['widgets']],
    ['5xx', () => `http://127.0.0.1:${broken.port}/error`, {}, ['widgets']],
    ['4xx', () => `http://127.0.0.1:${broken.port}/notfound`, {}, ['widgets']],
    ['bad JSON', () => `http://127.0.0.1:${broken.port}/badjson`, {}, ['widgets']],
    ['wrong shape', () => `http://127.0.0.1:${broken.port}/wrongshape`, {}, ['widgets', 'recommendations']],
    ['slow (timeout)', () => `http://127.0.0.1:${broken.port}/slow`, { 'data-timeout': '500' }, ['widgets']],
  ] as const) {
    test(`API ${name}: containers stay empty, nothing thrown, the host page keeps working`, async () => {
      const { page, errors, consoleErrors } = await newPage()
      const requests = requestLog(page)
      await page.goto(merchantPage({
        script: { 'data-api-base': base(), ...extra },
        body: `<div data-recomengine-placement="product-page" data-product-id="p1"></div><div data-recomengine-placement="homepage"></div>
<script>window.RecomEngine = window.RecomEngine || []; RecomEngine.push(function (re) {
  Promise.all([re.getRecommendations({ limit: 2 }), re.track({ eventType: 'product_viewed', productId: 'p1' }), re.getVariant('x')]).then(function (r) { window.__api = r })
});</script>`,
      }))
      await page.waitForFunction(() => (window as any).__api, null, { timeout: 10_000 })
      // The placements load on their own: wait until every call they make has ended.
      const calls = (placement: string) => [...requests].filter(([r]) => {
        const u = new URL(r.url())
        return r.method() === 'GET' && (u.pathname.endsWith(`/api/v1/widgets/${placement}`) || (u.pathname.endsWith('/api/v1/recommendations') && u.searchParams.get('placement') === placement))
      })
      const ended = await waitFor('the placements’ calls to end', () => {
        const all = ['product-page', 'homepage'].map(calls)
        return all.every((c) => c.length === asks.length && c.every(([, state]) => state !== 'pending')) && all.flat()
      })
      // The timeout abandons the call (the answer would still come, a second later).
      if (name.startsWith('slow')) expect(ended.map(([r]) => r.failure()?.errorText)).toEqual(['net::ERR_ABORTED', 'net::ERR_ABORTED'])
      // track() says whether the API took the event (a misbehaving one may); the others have nothing to give.
      expect(await page.evaluate(() => (window as any).__api)).toEqual([[], expect.any(Boolean), null])
      const state = await page.evaluate(() => ({
        ran: (window as any).__hostScriptRan,
        rendered: [...document.querySelectorAll('[data-recomengine-placement]')].map((el) => el.shadowRoot?.childNodes.length ?? 0),
        height: (document.querySelector('[data-recomengine-placement]') as HTMLElement).offsetHeight,
      }))
      expect(state).toEqual({ ran: true, rendered: [0, 0], height: 0 })
      expect(errors).toEqual([])
      // Chromium itself logs failed requests; the SDK logs nothing.
      expect(consoleErrors.filter((m) => !/Failed to load resource|net::ERR_|status of (4|5)\d\d/.test(m))).toEqual([])
      await page.close()
    }, SLOW)
  }

  test('GET /demo: the demo store renders its placements under its strict CSP and records the shopper’s views', async () => {
    const demo = await t.tenantWithKeys({ rateLimits: { read: 100000, write: 100000 } })
    const items = PRODUCTS.map((p) => ({ ...p, currency: 'EUR', url: `${apiBase}/demo?product=${p.productId}`, imageUrl: `${apiBase}/demo/images/${p.productId}.svg` }))
    await t.req('POST', '/api/v1/catalog/batch', { key: demo.writeKey, body: { items } })
    await t.req('POST', '/api/v1/events/batch', { key: demo.writeKey, body: { events: PRODUCTS.map((p, i) => ({ eventType: 'product_viewed', userId: `u${i % 3}`, productId: p.productId })) } })
    await t.app.services.models.build(demo.tenantId)
    writeFileSync(join(dataDir, DEMO_STATE_FILE), JSON.stringify({ tenantId: demo.tenantId, readKey: demo.readKey }))

    const { page, errors } = await newPage()
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => { ((window as any).__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`) }))
    await page.goto(`${apiBase}/demo`)
    expect((await waitForCards(page, 'homepage')).length).toBeGreaterThan(0)
    await page.goto(`${apiBase}/demo?product=p3`)
    expect(await page.locator('h1').textContent()).toBe('Product 3')
    const cardsShown = await waitForCards(page, 'product-page')
    expect(cardsShown.every((c) => c.href?.startsWith(`${apiBase}/demo?product=`) && c.img?.startsWith(`${apiBase}/demo/images/`))).toBe(true)
    // Constructed stylesheets: the widget is styled although the page allows no inline style.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('[data-recomengine-placement]')!.shadowRoot!.querySelector('.cta')!).backgroundColor)).toBe('rgb(29, 78, 216)')
    expect(await page.evaluate(() => (window as any).__csp ?? [])).toEqual([])
    const userId = await page.evaluate(() => (window as any).RecomEngine.userId)
    expect(userId).toMatch(/^anon-/)
    const viewed = await waitFor('the shopper’s product_viewed event', async () => {
      const r = await t.req('GET', `/api/v1/events?eventType=product_viewed&userId=${userId}`, { key: demo.writeKey })
      return r.body.data.length > 0 && r.body.data
    })
    expect(viewed.map((e: { productId: string }) => e.productId)).toEqual(['p3'])
    expect(errors).toEqual([])
    await page.close()
  }, SLOW)
})
