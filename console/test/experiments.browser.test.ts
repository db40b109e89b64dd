// Flow §4.4 in Chromium: create an experiment in the console (with a mistake
// first), shoppers exposed through the recommendations API, the results page
// (decision banner, arms, intervals, p-values, warnings), promote the winner
// (confirmed, as the decision is not to ship); axe on every page.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { seedCatalog, seedEvents } from './tenant-data.ts'
import { waitFor } from '../../server/test/wait-for.ts'
import { jsKernels } from '../../server/kernels/load.ts'
import { assign } from '../../server/modules/experiments/assignment.ts'

let h: ConsoleHarness
let s: SignedIn
let expUrl = ''

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
  await seedCatalog(h, s, [
    { productId: 'p1', name: 'Blue ceramic mug', category: 'kitchen', description: 'ceramic coffee mug', price: 9 },
    { productId: 'p2', name: 'Green ceramic mug', category: 'kitchen', description: 'ceramic coffee mug', price: 11 },
    { productId: 'p3', name: 'Tea towel', category: 'kitchen', description: 'cotton towel', price: 5 },
  ])
  await h.t.app.services.models.build(s.tenantId)
}, 120_000)
afterAll(async () => { await h?.close() })

describe('experiments', () => {
  test('the empty list leads to the form; a mistake is explained; Launch creates a running experiment', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/experiments`)
    expect(await page.locator('.empty').innerText()).toContain('No experiments yet')
    await expectNoAxeViolations(page)
    // Yesterday's traffic on home, for the duration estimate: 28 shoppers (2 a day over 14 days), 7 clicks (CTR 25 %).
    // Visitors who were never exposed to an experiment: the results below do not count them.
    const noon = new Date(Date.parse(new Date().toISOString().slice(0, 10)) - 12 * 3600_000).toISOString()
    await seedEvents(h, s, Array.from({ length: 28 }, (_, i) => [
      { eventType: 'recommendation_impressed', userId: `visitor-${i}`, productId: 'p1', placement: 'home', timestamp: noon },
      ...(i % 4 === 0 ? [{ eventType: 'recommendation_clicked', userId: `visitor-${i}`, productId: 'p1', placement: 'home', timestamp: noon }] : []),
    ]).flat())
    await page.getByRole('link', { name: 'New experiment' }).click()
    await page.waitForURL(/\/experiments\/new$/)
    await page.getByLabel('Name').fill('Collab vs Content')
    // Same strategy twice: refused with the field marked, nothing created.
    await page.getByLabel('Control strategy').selectOption('collaborative')
    await page.getByLabel('Variant strategy').selectOption('collaborative')
    await page.getByRole('button', { name: 'Launch experiment' }).click()
    await page.locator('#f-variant-error').waitFor()
    expect(await page.locator('#f-variant-error').innerText()).toContain('must differ')
    await page.waitForFunction(() => document.querySelector('#f-variant')?.getAttribute('aria-invalid') === 'true')
    expect(await page.getByLabel('Name').inputValue()).toBe('Collab vs Content')
    await expectNoAxeViolations(page)
    expect((await h.t.req('GET', '/api/v1/experiments', { token: s.token, tenant: tenantId })).body.data).toHaveLength(0)

    await page.getByLabel('Variant strategy').selectOption('content_based')
    await page.getByLabel('Traffic to the variant (%)').fill('50')
    await page.getByLabel('Click-through rate').check()
    await page.getByLabel('Placement (optional)').fill('cart')
    await page.waitForFunction(() => document.querySelector('#duration-estimate')?.textContent === 'No traffic on this placement in the last 14 days.')
    await page.getByLabel('Placement (optional)').fill('home')
    await page.waitForFunction(() => document.querySelector('#duration-estimate')?.textContent?.includes('on home'))
    expect(await page.locator('#duration-estimate').innerText()).toMatch(/^About [\d,]+ days at 2 shoppers a day on home \(CTR 25 %\) to detect a 5 % lift with 80 % power\.$/)
    // 50 %: 330 per arm (1.75 × 188.4), two arms at 2 a day → 330 days.
    await page.getByLabel('Minimum detectable effect (%)').fill('50')
    await page.waitForFunction(() => document.querySelector('#duration-estimate')?.textContent?.startsWith('About 330 days'))
    await page.getByRole('button', { name: 'Launch experiment' }).click()
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/)
    expUrl = new URL(page.url()).pathname
    await page.locator('#experiment-status').waitFor()
    expect(await page.locator('h1:visible').innerText()).toBe('Collab vs Content')
    expect(await page.locator('#experiment-status').innerText()).toBe('Running')
    // No shopper exposed yet: nothing to promote.
    expect(await page.getByRole('button', { name: 'Promote winner' }).isDisabled()).toBe(true)
    expect(await page.locator('#promote-hint').innerText()).toContain('No results yet')
    const list = (await h.t.req('GET', '/api/v1/experiments', { token: s.token, tenant: tenantId })).body.data
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ name: 'Collab vs Content', control: 'collaborative', variant: 'content_based', trafficSplit: 50, metric: 'ctr', placement: 'home', status: 'running' })
  }, 60_000)

  test('the results page shows both arms, intervals, p-value, significance and the low-confidence warning', async () => {
    const { page, tenantId } = s
    const expId = expUrl.split('/').pop()!
    // 40 shoppers are shown recommendations under the experiment, then each sees 2 and clicks some.
    const users = Array.from({ length: 40 }, (_, i) => `shopper-${i}`)
    for (const u of users) expect((await h.t.req('GET', `/api/v1/recommendations?userId=${u}&placement=home`, { token: s.token, tenant: tenantId })).status).toBe(200)
    const results = () => h.t.req('GET', `/api/v1/experiments/${expId}/results`, { token: s.token, tenant: tenantId })
    await waitFor('40 exposed shoppers in the results', async () => { const r = (await results()).body.data; return r.sampleSize.control + r.sampleSize.variant === 40 })
    // Every exposure is stored by now, and an event counts from its shopper's exposure on (ts >= exposed_at).
    const now = new Date().toISOString()
    // Every third shopper of each arm clicks (arms as the server assigns them): the arms do about
    // equally well whichever shoppers the experiment's id puts where, so the control is promoted below.
    const seen = { control: 0, variant: 0 }
    const clicks = new Set(users.filter((u) => seen[assign(jsKernels(), expId, u, 50)]++ % 3 === 0))
    await seedEvents(h, s, users.flatMap((u) => [
      { eventType: 'recommendation_impressed', userId: u, productId: 'p1', placement: 'home', timestamp: now },
      { eventType: 'recommendation_impressed', userId: u, productId: 'p2', placement: 'home', timestamp: now },
      ...(clicks.has(u) ? [{ eventType: 'recommendation_clicked', userId: u, productId: 'p1', placement: 'home', timestamp: now }] : []),
    ]))
    const r = await waitFor('both arms’ metrics in the results', async () => { const x = (await results()).body.data; return x.controlMetric !== null && x.variantMetric !== null && x })
    await page.goto(expUrl)
    const arms = await page.locator('#arms-table tbody tr').allInnerTexts()
    expect(arms[0]).toContain('Control')
    expect(arms[0]).toContain('Collaborative filtering')
    expect(arms[0]).toContain(String(r.sampleSize.control))
    expect(arms[1]).toContain('Content-based')
    expect(arms[1]).toContain(String(r.sampleSize.variant))
    expect(arms[0]).toContain(`${(r.controlMetric * 100).toFixed(2)}%`)
    expect(await page.locator('#p-value').innerText()).toContain(r.pValue === null ? '–' : r.pValue < 0.001 ? '< 0.001' : r.pValue.toFixed(3))
    expect(await page.locator('#significant').innerText()).toBe(r.isSignificant ? 'Yes' : 'No')
    // Sequential by default: the decision is the banner, and the always-valid p-value sits beside the fixed one.
    expect(r.analysis).toBe('sequential')
    expect(await page.locator('#verdict').innerText()).toContain(r.decision.reason)
    expect(await page.locator('#sequential-p-value').innerText()).toContain(r.sequential.pValue === null ? '–' : r.sequential.pValue < 0.001 ? '< 0.001' : r.sequential.pValue.toFixed(3))
    expect(r.lowConfidence).toBe(true)
    expect(await page.locator('#warning-low-confidence').innerText()).toContain('at least 500 exposed shoppers')
    const chart = page.getByTestId('interval-chart')
    expect(await chart.getAttribute('role')).toBe('img')
    expect(await chart.getAttribute('aria-label')).toContain('Control (Collaborative filtering)')
    expect(await page.locator('[data-arm="variant"] circle').count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Promote winner' }).isEnabled()).toBe(true)
    await expectNoAxeViolations(page)
  }, 60_000)

  test('Promote winner completes the experiment and sets the placement strategy', async () => {
    const { page, tenantId } = s
    await page.goto(expUrl)
    // The decision is not to ship the variant, so promoting asks first: the form does not submit unconfirmed.
    await page.getByRole('button', { name: 'Promote winner' }).click()
    expect(await page.locator('#promote-confirm').evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true)
    expect(await page.locator('#experiment-status').innerText()).toBe('Running')
    await page.locator('#promote-confirm').check()
    await page.getByRole('button', { name: 'Promote winner' }).click()
    await page.locator('#promoted').waitFor()
    expect(await page.locator('#promoted').innerText()).toContain('Collaborative filtering (the control) is now the default strategy for placement home')
    expect(await page.locator('#experiment-status').innerText()).toBe('Completed')
    const tenant = (await h.t.req('GET', `/api/v1/tenants/${tenantId}`, { token: s.token })).body.data
    // Not significant with 40 shoppers: the control stays, now pinned to the placement.
    expect(tenant.config.placementStrategies.home).toBe('collaborative')
    await expectNoAxeViolations(page)
    await page.goto(`/dashboard/tenants/${tenantId}/experiments`)
    expect(await page.locator('#experiments-table tbody').innerText()).toContain('Completed')
    await expectNoAxeViolations(page)
  }, 60_000)

  test("another admin sees neither the experiment nor its results", async () => {
    const other = await h.newSignedInPage()
    await other.page.goto(expUrl)
    expect(await other.page.locator('h1:visible').innerText()).toBe('Tenant not found')
    expect(await other.page.content()).not.toContain('Collab vs Content')
    await other.context.close()
  }, 60_000)
})
