// The catalog browser (search, filter, paginate) and the event viewer (live
// stream, search) in Chromium, with axe on each and another admin kept out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { advanceUntil, consoleHarness, expectNoAxeViolations, isServerCall, requestsDuring, type ConsoleHarness, type SignedIn } from './harness.ts'
import { ago, seedCatalog, seedEvents } from './tenant-data.ts'
import { waitFor } from '../../server/test/wait-for.ts'

let h: ConsoleHarness
let s: SignedIn

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
  // 45 products: 15 shoes (Footwear), 30 mugs (Kitchen); mug-7 is unavailable.
  await seedCatalog(h, s, Array.from({ length: 45 }, (_, i) => i < 15
    ? { productId: `shoe-${i}`, name: `Trail Shoe ${i}`, category: 'Footwear', price: 80 + i, currency: 'EUR' }
    : { productId: `mug-${i}`, name: `Ceramic Mug ${i}`, category: 'Kitchen', description: 'holds coffee', price: 9, currency: 'EUR', available: i !== 22 }))
  await seedEvents(h, s, [
    { eventType: 'product_viewed', userId: 'alice', productId: 'shoe-1', timestamp: ago(0, 30) },
    { eventType: 'add_to_cart', userId: 'alice', productId: 'shoe-1', timestamp: ago(0, 20) },
    { eventType: 'purchase', userId: 'alice', productId: 'shoe-1', timestamp: ago(0, 10), metadata: { price: 81, quantity: 1, orderId: 'o-1' } },
    { eventType: 'product_viewed', userId: 'bob', productId: 'mug-20', timestamp: ago(2) },
  ])
  // Ingestion commits in groups, behind the 202.
  await waitFor('the 4 seeded events to be stored', async () => (await h.t.req('GET', '/api/v1/events?limit=10', { token: s.token, tenant: s.tenantId })).body.data?.length === 4)
}, 120_000)
afterAll(async () => { await h?.close() })

const rows = (id: string) => s.page.locator(`#${id} tbody tr`).allInnerTexts()

describe('catalog', () => {
  test('paginates 20 at a time and keeps the filters on every page', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/catalog`)
    expect(await page.locator('#pager-status').innerText()).toBe('Showing 1–20 of 45 products (page 1 of 3)')
    expect(await rows('catalog-table')).toHaveLength(20)
    await expectNoAxeViolations(page)
    await page.getByRole('link', { name: 'Next page' }).click()
    await page.waitForFunction(() => document.querySelector('#pager-status')?.textContent?.startsWith('Showing 21–40'))
    await page.getByRole('link', { name: 'Next page' }).click()
    await page.waitForFunction(() => document.querySelector('#pager-status')?.textContent === 'Showing 41–45 of 45 products (page 3 of 3)')
    expect(await rows('catalog-table')).toHaveLength(5)
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Previous page' }).click()
    await page.waitForFunction(() => document.querySelector('#pager-status')?.textContent?.startsWith('Showing 21–40'))
  }, 60_000)

  test('search, category and availability filters', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/catalog`)
    await page.getByLabel('Search', { exact: true }).fill('trail shoe 1')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/q=trail/)
    const found = await rows('catalog-table')
    // "Trail Shoe 1", "Trail Shoe 10" … "14": case-insensitive substring.
    expect(found).toHaveLength(6)
    expect(found.every((r) => r.includes('Trail Shoe 1'))).toBe(true)
    expect(found.join('\n')).toContain('€81.00')
    await page.goto(`/dashboard/tenants/${tenantId}/catalog?q=coffee&category=Kitchen&available=unavailable`)
    const off = await rows('catalog-table')
    expect(off).toHaveLength(1)
    expect(off[0]).toContain('mug-22')
    expect(off[0]).toContain('Unavailable')
    expect(await page.getByLabel('Availability').inputValue()).toBe('unavailable')
    await page.goto(`/dashboard/tenants/${tenantId}/catalog?category=Footwear&page=2`)
    expect(await page.locator('#pager-status').innerText()).toBe('Page 2 is past the last page (15 products).')
    expect(await page.getByRole('link', { name: 'Previous page' }).count()).toBe(1)
    await page.goto(`/dashboard/tenants/${tenantId}/catalog?q=nothing-like-this`)
    expect((await rows('catalog-table'))[0]).toContain('No products match')
    await expectNoAxeViolations(page)
  }, 60_000)
})

describe('events', () => {
  test('the stream shows the newest first and picks up new events by itself; it can be paused', async () => {
    const { context, tenantId } = s
    const page = await context.newPage()
    await page.clock.install()
    await page.goto(`/dashboard/tenants/${tenantId}/events`)
    const first = await page.locator('#events-table tbody tr').allInnerTexts()
    expect(first).toHaveLength(4)
    expect(first[0]).toContain('purchase')
    expect(first[0]).toContain('"orderId":"o-1"')
    expect(first[3]).toContain('bob')
    await expectNoAxeViolations(page)
    await seedEvents(h, s, [{ eventType: 'product_clicked', userId: 'carol', productId: 'mug-30' }])
    expect(await advanceUntil(page, 5_000, () => document.querySelector('#events-table tbody tr')?.textContent?.includes('carol'))).toBe(true)
    // Paused: a new event stays off the page.
    await page.getByRole('button', { name: 'Pause live updates' }).click()
    await page.waitForFunction(() => document.querySelector('#stream-status')?.textContent === 'Live updates paused.')
    await seedEvents(h, s, [{ eventType: 'product_clicked', userId: 'dave', productId: 'mug-31' }])
    // A refresh would leave within milliseconds of its timer; 200 ms of quiet is ample.
    expect(await requestsDuring(page, isServerCall, () => page.clock.fastForward(15_000), 200)).toEqual([])
    expect(await page.locator('#events-table').innerText()).not.toContain('dave')
    expect(await page.getByRole('button', { name: 'Resume live updates' }).getAttribute('aria-pressed')).toBe('true')
    await page.close()
  }, 60_000)

  test('search by user, type and time; a bad time is explained', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/events`)
    await page.getByLabel('User ID').fill('alice')
    await page.getByLabel('Event type').selectOption('purchase')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/userId=alice/)
    const found = await rows('events-table')
    expect(found).toHaveLength(1)
    expect(found[0]).toContain('purchase')
    expect(await page.locator('#stream-status').count()).toBe(0)
    // From one day ago: bob's older view is left out.
    const from = ago(1).slice(0, 16)
    await page.goto(`/dashboard/tenants/${tenantId}/events?userId=bob&from=${from}`)
    expect((await rows('events-table'))[0]).toContain('No events match')
    await page.goto(`/dashboard/tenants/${tenantId}/events?from=not-a-time`)
    expect(await page.locator('#e-from-error').innerText()).toBe('Enter a date and time.')
    await expectNoAxeViolations(page)
  }, 60_000)

  test("another admin sees none of this tenant's products or events", async () => {
    const other = await h.newSignedInPage()
    for (const section of ['catalog', 'events']) {
      await other.page.goto(`/dashboard/tenants/${s.tenantId}/${section}`)
      expect(await other.page.locator('h1:visible').innerText()).toBe('Tenant not found')
      const html = await other.page.content()
      expect(html).not.toContain('Trail Shoe')
      expect(html).not.toContain('alice')
    }
    await other.context.close()
  }, 60_000)
})
