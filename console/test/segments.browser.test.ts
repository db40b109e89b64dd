// Segments in Chromium: the list with the built-ins and sizes, a segment made with the fields (no JSON),
// edited, one made with JSON, a bad condition explained at its field, an experiment scoped to one, delete;
// axe; another admin kept out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { seedCatalog, seedEvents } from './tenant-data.ts'

let h: ConsoleHarness
let s: SignedIn

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage()
  await seedCatalog(h, s, Array.from({ length: 4 }, (_, i) => ({ productId: `p${i}`, name: `Lamp ${i}`, price: 20 + i, category: 'lights' })))
  await seedEvents(h, s, [
    ...['ann', 'bob', 'cid'].flatMap((u, n) => Array.from({ length: n + 1 }, (_, i) => ({ eventType: 'purchase', userId: u, productId: `p${i}`, metadata: { price: 50 } }))),
    { eventType: 'product_viewed', userId: 'dee', productId: 'p1', metadata: { traits: { tier: 'gold' } } },
  ])
}, 120_000)
afterAll(async () => { await h?.close() })

const sizeOf = async (page: SignedIn['page'], key: string) => (await page.locator('tr', { has: page.locator(`code:text-is("${key}")`) }).locator('td.num').innerText()).trim()

describe('segments page', () => {
  test('lists the built-ins with sizes; a segment made with the fields counts its shoppers; axe clean', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/segments`)
    expect(await page.locator('h1:visible').innerText()).toBe('Segments')
    for (const key of ['new_visitor', 'returning', 'buyer', 'high_value']) expect(await page.locator(`code:text-is("${key}")`).count()).toBe(1)
    expect(await sizeOf(page, 'buyer')).toBe('3')
    await expectNoAxeViolations(page)

    await page.getByLabel('Key').fill('repeat')
    await page.getByLabel('Name').fill('Repeat buyers')
    await page.getByLabel('Purchases at least').fill('2')
    await page.getByRole('button', { name: 'Create segment' }).click()
    await page.locator('text=Segment "repeat" saved.').waitFor()
    expect(await sizeOf(page, 'repeat')).toBe('2')
    const stored = (await h.t.req('GET', '/api/v1/segments/repeat', { token: s.token, tenant: tenantId })).body.data
    expect(stored.conditions).toEqual({ field: 'purchaseCount', op: 'gte', value: 2 })

    // Edit: the form shows the fields back; a trait is added.
    await page.getByRole('link', { name: 'Edit segment repeat' }).click()
    await page.locator('h2', { hasText: 'Edit segment "repeat"' }).waitFor()
    expect(await page.getByLabel('Purchases at least').inputValue()).toBe('2')
    await page.getByLabel('Purchases at least').fill('3')
    await page.getByRole('button', { name: 'Save segment' }).click()
    await page.locator('text=Segment "repeat" saved.').waitFor()
    expect(await sizeOf(page, 'repeat')).toBe('1')
    await expectNoAxeViolations(page)
  }, 90_000)

  test('a trait segment; JSON for the rest, its bad path explained at the field; delete', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/segments`)
    await page.getByLabel('Key').fill('gold')
    await page.getByLabel('Name').fill('Gold tier')
    await page.getByLabel('Trait').fill('tier')
    await page.getByLabel('equals').fill('gold')
    await page.getByRole('button', { name: 'Create segment' }).click()
    await page.locator('text=Segment "gold" saved.').waitFor()
    expect(await sizeOf(page, 'gold')).toBe('1')

    // An experiment scoped to the segment, from the new-experiment form.
    await page.goto(`/dashboard/tenants/${tenantId}/experiments/new`)
    await page.getByLabel('Name').fill('Gold only')
    await page.getByLabel('Shoppers (optional)').selectOption('gold')
    await page.getByRole('button', { name: 'Launch experiment' }).click()
    await page.waitForURL(/\/experiments\/[0-9a-f-]{36}$/)
    const launched = (await h.t.req('GET', '/api/v1/experiments', { token: s.token, tenant: tenantId })).body.data
    expect(launched.map((e: { name: string; segment: string | null }) => [e.name, e.segment])).toEqual([['Gold only', 'gold']])
    await page.goto(`/dashboard/tenants/${tenantId}/segments`)

    await page.getByLabel('Key').fill('odd')
    await page.getByLabel('Name').fill('Odd')
    await page.locator('summary', { hasText: 'Advanced' }).click()
    await page.getByLabel('Conditions (JSON)').fill('{"and":[{"field":"eventCount","op":"gte","value":1},{"field":"eventCount","op":"between","value":2}]}')
    await page.getByRole('button', { name: 'Create segment' }).click()
    await page.locator('#f-json-error').waitFor()
    expect(await page.locator('#f-json-error').innerText()).toContain('conditions.and[1].op')
    await expectNoAxeViolations(page)
    await page.getByLabel('Conditions (JSON)').fill('{"or":[{"field":"totalSpend","op":"gte","value":100},{"field":"traits.tier","op":"eq","value":"gold"}]}')
    await page.getByRole('button', { name: 'Create segment' }).click()
    await page.locator('text=Segment "odd" saved.').waitFor()
    expect(await sizeOf(page, 'odd')).toBe('3') // bob (100), cid (150), dee (gold)

    await page.getByRole('button', { name: 'Delete segment odd' }).click()
    await page.locator('text=Segment "odd" deleted.').waitFor()
    expect(await page.locator('code:text-is("odd")').count()).toBe(0)
  }, 90_000)

  test('another admin cannot open the page for this tenant', async () => {
    const other = await h.newSignedInPage()
    await other.page.goto(`/dashboard/tenants/${s.tenantId}/segments`)
    expect(await other.page.locator('h1:visible').innerText()).toBe('Tenant not found')
    await other.context.close()
  }, 60_000)
})
