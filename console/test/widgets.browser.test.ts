// Widget settings in Chromium: the real SDK renders the preview from the real
// API; a saved change (layout, colours, button text) reaches the preview and
// the API; bad input is explained; previews record no events; axe; another
// admin is kept out of both the page and the preview's API route.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { seedCatalog, seedEvents } from './tenant-data.ts'

let h: ConsoleHarness
let s: SignedIn

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
  await seedCatalog(h, s, Array.from({ length: 6 }, (_, i) => ({ productId: `p${i}`, name: `Lamp ${i}`, price: 20 + i, url: `https://shop.example/p${i}`, category: 'lights' })))
  // Some behaviour so trending has something to rank.
  await seedEvents(h, s, Array.from({ length: 12 }, (_, i) => ({ eventType: 'product_viewed', userId: `u${i % 4}`, productId: `p${i % 6}` })))
  await h.t.app.services.models.build(s.tenantId)
}, 120_000)
afterAll(async () => { await h?.close() })

/** The widget's cards inside the preview iframe's shadow root (the SDK renders into an open one). */
async function previewCards(page: SignedIn['page'], min = 1) {
  await page.frameLocator('#widget-preview').locator('[data-recomengine-placement]').waitFor({ state: 'attached' })
  const frame = (await page.locator('#widget-preview').elementHandle())!
  const f = (await frame.contentFrame())!
  const rendered = (n: number) => {
    const el = document.querySelector('[data-recomengine-placement]')
    return (el?.shadowRoot?.querySelectorAll('a').length ?? 0) >= n
  }
  await f.waitForFunction(rendered, min, { timeout: 15_000 })
  return f.evaluate(() => {
    const root = document.querySelector('[data-recomengine-placement]')!.shadowRoot!
    const cta = root.querySelector('.cta')
    return { text: root.textContent ?? '', html: root.innerHTML, ctaBackground: cta ? getComputedStyle(cta).backgroundColor : '' }
  })
}

describe('widgets', () => {
  test('the preview shows real recommendations with the tenant defaults; axe clean', async () => {
    const { page, tenantId } = s
    const calls: string[] = []
    page.on('request', (r) => calls.push(`${r.method()} ${new URL(r.url()).pathname}`))
    await page.goto(`/dashboard/tenants/${tenantId}/widgets?placement=home`)
    expect(await page.locator('h2', { hasText: 'Settings of “home”' }).count()).toBe(1)
    expect(await page.getByLabel('Layout').inputValue()).toBe('grid')
    const cards = await previewCards(page)
    expect(cards.text).toContain('Lamp')
    expect(cards.text).toContain('View product')
    await expectNoAxeViolations(page)
    // The SDK's reads went through the preview route; nothing was tracked.
    expect(calls.some((c) => c.includes('/widgets/preview-api/api/v1/recommendations'))).toBe(true)
    expect(calls.some((c) => c.endsWith('/api/v1/track'))).toBe(false)
  }, 60_000)

  test('a saved change is stored and rendered by the SDK in the preview', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/widgets?placement=home`)
    await page.getByLabel('Layout').selectOption('carousel')
    await page.getByLabel('Columns').fill('3')
    await page.getByLabel('Button text').fill('Add to Cart')
    await page.getByLabel('Title').fill('Lights you may like')
    await page.getByLabel('Primary colour').fill('#b45309')
    await page.getByLabel('Show prices').uncheck()
    await page.getByRole('button', { name: 'Save widget' }).click()
    await page.locator('#saved').waitFor()
    const stored = (await h.t.req('GET', '/api/v1/widgets/home', { token: s.token, tenant: tenantId })).body.data
    expect(stored.config).toMatchObject({ layout: 'carousel', columns: 3, ctaText: 'Add to Cart', title: 'Lights you may like', showPrice: false })
    expect(stored.config.theme.primaryColor).toBe('#b45309')
    expect(stored.updatedAt).not.toBeNull()
    const cards = await previewCards(page)
    expect(cards.text).toContain('Add to Cart')
    expect(cards.text).toContain('Lights you may like')
    expect(cards.text).not.toContain('$20')
    // The theme's primary colour (#b45309) paints the button.
    expect(cards.ctaBackground).toBe('rgb(180, 83, 9)')
    expect(cards.html).toContain('class="w carousel"')
    expect(await page.getByLabel('Layout').inputValue()).toBe('carousel')
    await expectNoAxeViolations(page)
    // Preview traffic is not shopper traffic: no events were recorded for the preview user.
    const ev = await h.t.req('GET', '/api/v1/events?userId=console-widget-preview', { token: s.token, tenant: tenantId })
    expect(ev.body.data).toEqual([])
  }, 60_000)

  test('bad values are explained and change nothing; low contrast is flagged', async () => {
    const { page, tenantId } = s
    const before = (await h.t.req('GET', '/api/v1/widgets/home', { token: s.token, tenant: tenantId })).body.data
    await page.goto(`/dashboard/tenants/${tenantId}/widgets?placement=home`)
    // Past the browser's own checks (max=8), to reach the console's validation.
    await page.locator('form[aria-label^="Settings"]').evaluate((f) => f.setAttribute('novalidate', ''))
    await page.getByLabel('Columns').fill('12')
    await page.getByLabel('Background').fill('blue')
    await page.getByRole('button', { name: 'Save widget' }).click()
    await page.locator('#f-background-error').waitFor()
    expect(await page.locator('#f-columns-error').innerText()).toContain('1 to 8')
    await expectNoAxeViolations(page)
    expect((await h.t.req('GET', '/api/v1/widgets/home', { token: s.token, tenant: tenantId })).body.data).toEqual(before)
    // A pale text colour is saved but flagged.
    await page.goto(`/dashboard/tenants/${tenantId}/widgets?placement=home`)
    await page.getByLabel('Text colour').fill('#aaaaaa')
    await page.getByRole('button', { name: 'Save widget' }).click()
    await page.locator('#contrast-warning').waitFor()
    expect(await page.locator('#contrast-warning').innerText()).toContain('below the WCAG AA minimum')
    // Reset: the placement follows the tenant defaults again.
    await page.getByRole('button', { name: 'Reset to tenant defaults' }).click()
    await page.waitForFunction(() => (document.querySelector('#f-layout') as HTMLSelectElement | null)?.value === 'grid')
    expect((await h.t.req('GET', '/api/v1/widgets/home', { token: s.token, tenant: tenantId })).body.data.overrides).toEqual({})
  }, 60_000)

  test("another admin can neither open the page nor use the preview route for this tenant", async () => {
    const other = await h.newSignedInPage()
    await other.page.goto(`/dashboard/tenants/${s.tenantId}/widgets?placement=home`)
    expect(await other.page.locator('h1:visible').innerText()).toBe('Tenant not found')
    const rec = await other.page.request.get(`/dashboard/tenants/${s.tenantId}/widgets/preview-api/api/v1/recommendations?userId=x&placement=home`)
    expect([403, 404]).toContain(rec.status())
    expect(await rec.text()).not.toContain('Lamp')
    // Only the SDK's reads are forwarded.
    expect((await s.page.request.get(`/dashboard/tenants/${s.tenantId}/widgets/preview-api/api/v1/events`)).status()).toBe(404)
    await other.context.close()
  }, 60_000)
})
