// Flow §4.5 (analytics review) in Chromium: events seeded through the API, the
// numbers on the page, a range change, the CSV download, the 60 s refresh
// without a reload, axe, and another admin kept out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import { advanceUntil, consoleHarness, expectNoAxeViolations, isServerCall, requestsDuring, type ConsoleHarness, type SignedIn } from './harness.ts'
import { ago, seedCatalog, seedEvents } from './tenant-data.ts'
import { waitFor } from '../../server/test/wait-for.ts'

let h: ConsoleHarness
let s: SignedIn
const home = { placement: 'home', strategy: 'collaborative' }
const pdp = { placement: 'pdp', strategy: 'trending' }

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
  await seedCatalog(h, s, [
    { productId: 'p1', name: 'Trail Shoe', price: 12.5, currency: 'USD' },
    { productId: 'p2', name: 'Rain Jacket', price: 40, currency: 'USD' },
  ])
  // Last 7 days: 2 impressions, 1 click, 1 attributed purchase of 2 × 12.50 = 25.
  // 20 days ago (inside 30d only): 1 impression and 1 click on the pdp placement, no purchase.
  await seedEvents(h, s, [
    { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p1', timestamp: ago(1, 30), ...home },
    { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p2', timestamp: ago(1, 30), ...home },
    { eventType: 'recommendation_clicked', userId: 'u1', productId: 'p1', timestamp: ago(1, 20), ...home },
    { eventType: 'purchase', userId: 'u1', productId: 'p1', timestamp: ago(1, 10), metadata: { price: 12.5, quantity: 2, orderId: 'o1' } },
    { eventType: 'recommendation_impressed', userId: 'u2', productId: 'p2', timestamp: ago(20), ...pdp },
    { eventType: 'recommendation_clicked', userId: 'u2', productId: 'p2', timestamp: ago(20, -1), ...pdp },
  ])
  // Ingestion commits in groups, behind the 202.
  const summary = await waitFor('3 impressions in the 30-day summary', async () => {
    const r = await h.t.req('GET', '/api/v1/analytics/summary?range=30d', { token: s.token, tenant: s.tenantId })
    return r.body?.data?.impressions === 3 && r
  })
  expect(summary.body.data).toMatchObject({ impressions: 3, clicks: 2, conversions: 1, revenue: 25 })
}, 120_000)
afterAll(async () => { await h?.close() })

const kpi = (label: string) => s.page.locator('.kpi', { has: s.page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd')

describe('analytics page', () => {
  test('KPI cards, chart, tables for the default 30 days; axe clean', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/analytics`)
    expect(await page.locator('h1').innerText()).toBe('Analytics')
    expect(await kpi('Impressions').innerText()).toStartWith('3')
    expect(await kpi('Clicks').innerText()).toStartWith('2')
    expect(await kpi('CTR').innerText()).toStartWith('66.67%')
    expect(await kpi('Conversions').innerText()).toStartWith('1')
    expect(await kpi('Revenue').innerText()).toStartWith('$25.00')
    // The chart is an image with a text alternative, and its data is also a table of 30 days.
    const chart = page.locator('svg#daily-chart')
    expect(await chart.getAttribute('role')).toBe('img')
    expect(await chart.getAttribute('aria-label')).toContain('Impressions: 3 in total')
    expect(await page.locator('.chart-table tbody tr').count()).toBe(30)
    // Placements, most impressions first, and the top tables with catalog names.
    const placements = await page.locator('#placements-table tbody tr').allInnerTexts()
    expect(placements[0]).toContain('home')
    expect(placements[0]).toContain('$25.00')
    expect(placements[1]).toContain('pdp')
    expect(await page.locator('#top-recommended tbody').innerText()).toContain('Rain Jacket')
    expect(await page.locator('#top-clicked tbody').innerText()).toContain('Trail Shoe')
    await expectNoAxeViolations(page)
  }, 60_000)

  test('changing the range to 7 days and to a custom range', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/analytics`)
    await page.getByLabel('Last 7 days').check()
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/range=7d/)
    expect(await kpi('Impressions').innerText()).toStartWith('2')
    expect(await kpi('CTR').innerText()).toStartWith('50.00%')
    expect(await page.locator('.chart-table tbody tr').count()).toBe(7)
    // A custom range covering only the older day.
    const day = ago(20).slice(0, 10)
    await page.getByLabel('Custom').check()
    await page.getByLabel('From (UTC)').fill(day)
    await page.getByLabel('To (UTC)').fill(day)
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/range=custom/)
    expect(await kpi('Impressions').innerText()).toStartWith('1')
    expect(await kpi('Revenue').innerText()).toStartWith('$0.00')
    // Drill into a placement from the placements table.
    await page.goto(`/dashboard/tenants/${tenantId}/analytics?range=30d`)
    await page.getByRole('link', { name: 'Show only placement pdp' }).click()
    // Client-side navigation: the loader's new numbers replace the old ones in place.
    await page.waitForFunction(() => document.querySelector('.page-header p')?.textContent?.includes('placement “pdp”') && document.querySelector('.kpi dd')?.textContent?.startsWith('1'), null, { timeout: 10_000 })
    expect(page.url()).toContain('placement=pdp')
    // A reversed custom range is explained, not a crash.
    await page.goto(`/dashboard/tenants/${tenantId}/analytics?range=custom&from=2026-11-10&to=2026-11-01`)
    expect(await page.locator('#a-range-error').innerText()).toContain('on or before')
    await expectNoAxeViolations(page)
  }, 60_000)

  test('Export CSV downloads every metric shown, with the displayed names as headers', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/analytics?range=7d`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()])
    expect(download.suggestedFilename()).toMatch(/^analytics-.*\.csv$/)
    const csv = await readFile((await download.path())!, 'utf8')
    const lines = csv.split('\r\n')
    expect(lines[0]).toBe('Date,Impressions,Clicks,CTR,Conversions,Revenue')
    const daily = csv.split('\r\n\r\n')[0]!.split('\r\n')
    expect(daily.filter((l) => /^\d{4}-\d{2}-\d{2},/.test(l))).toHaveLength(7)
    expect(csv).toContain('Placement,Impressions,Clicks,CTR,Conversions,Revenue')
    expect(csv).toMatch(/\r\nhome,2,1,[^,]+,1,25/)
    expect(csv).toContain('Trail Shoe')
  }, 60_000)

  test('the numbers refresh every 60 s without a page reload', async () => {
    const { context, tenantId } = s
    const page = await context.newPage()
    await page.clock.install()
    await page.goto(`/dashboard/tenants/${tenantId}/analytics?range=7d`)
    await page.evaluate(() => { (window as any).__sameDocument = true })
    expect(await page.locator('.kpi dd').first().innerText()).toStartWith('2')
    await seedEvents(h, s, [{ eventType: 'recommendation_impressed', userId: 'u9', productId: 'p2', timestamp: ago(0, 5), ...home }])
    await waitFor('3 impressions in the 7-day summary', async () => (await h.t.req('GET', '/api/v1/analytics/summary?range=7d', { token: s.token, tenant: s.tenantId })).body?.data?.impressions === 3)
    expect(await advanceUntil(page, 60_000, () => document.querySelector('.kpi dd')?.textContent?.startsWith('3'))).toBe(true)
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true)
    // Paused (WCAG 2.2.2): the next minute brings nothing new.
    await page.getByRole('button', { name: 'Pause automatic refresh' }).click()
    await page.waitForFunction(() => document.querySelector('#analytics-updated')?.textContent?.includes('paused'))
    await seedEvents(h, s, [{ eventType: 'recommendation_impressed', userId: 'u10', productId: 'p2', timestamp: ago(0, 4), ...home }])
    await waitFor('4 impressions in the 7-day summary', async () => (await h.t.req('GET', '/api/v1/analytics/summary?range=7d', { token: s.token, tenant: s.tenantId })).body?.data?.impressions === 4)
    // A refresh would leave within milliseconds of its timer; 200 ms of quiet is ample.
    expect(await requestsDuring(page, isServerCall, () => page.clock.fastForward(120_000), 200)).toEqual([])
    expect(await page.locator('.kpi dd').first().innerText()).toStartWith('3')
    await page.close()
  }, 60_000)

  test("another admin cannot read this tenant's analytics or its CSV", async () => {
    const other = await h.newSignedInPage()
    await other.page.goto(`/dashboard/tenants/${s.tenantId}/analytics`)
    expect(await other.page.locator('h1:visible').innerText()).toBe('Tenant not found')
    expect(await other.page.content()).not.toContain('Trail Shoe')
    const res = await other.page.request.get(`/dashboard/tenants/${s.tenantId}/analytics/export?range=7d`)
    expect([403, 404]).toContain(res.status())
    expect(await res.text()).not.toContain('Trail Shoe')
    await other.context.close()
  }, 60_000)
})
