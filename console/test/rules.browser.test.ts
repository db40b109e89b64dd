// Rules in Chromium: create a rule with the form (no JSON for "category is"), see it in the
// list, preview a placement's list before and after with the rule's effect marked, fix an
// invalid JSON condition from the API's path, switch a rule off and delete it; axe; another
// admin is kept out.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { ago, seedCatalog, seedEvents } from './tenant-data.ts'

let h: ConsoleHarness
let s: SignedIn

beforeAll(async () => {
  h = await consoleHarness()
  s = await h.newSignedInPage({ tenantConfig: { defaultStrategy: 'trending' } })
  await seedCatalog(h, s, [
    ...Array.from({ length: 6 }, (_, i) => ({ productId: `lamp-${i}`, name: `Lamp ${i}`, price: 20 + i, category: 'lights', attributes: { brand: i % 2 ? 'Lumen' : 'Glow' } })),
    ...Array.from({ length: 6 }, (_, i) => ({ productId: `rug-${i}`, name: `Rug ${i}`, price: 80 + i, category: 'rugs', attributes: { brand: 'Weave' } })),
  ])
  // Lamps are viewed most: without rules the list starts with lamps.
  const events = []
  for (let i = 0; i < 6; i++) for (let n = 0; n < 12 - i; n++) events.push({ eventType: 'product_viewed', userId: `u${n}`, productId: `lamp-${i}`, timestamp: ago(3, n) })
  for (let i = 0; i < 6; i++) for (let n = 0; n < 4; n++) events.push({ eventType: 'product_viewed', userId: `u${n}`, productId: `rug-${i}`, timestamp: ago(3, n) })
  await seedEvents(h, s, events)
  await h.t.app.services.models.build(s.tenantId)
}, 120_000)
afterAll(async () => { await h?.close() })

describe('rules', () => {
  test('create "rugs only" with the form; the preview shows the list before and after, effects marked; axe clean', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/rules`)
    expect(await page.getByText('No rules yet').count()).toBe(1)
    await expectNoAxeViolations(page)
    await page.getByRole('link', { name: 'New rule' }).click()
    await page.getByLabel('Name').fill('Rugs only')
    await page.getByLabel('Action', { exact: true }).selectOption('filter')
    await page.getByLabel('Condition', { exact: true }).selectOption('category')
    await page.getByLabel('Category (for “Category is”)').fill('rugs')
    await page.getByLabel('Placements').fill('home')
    await page.getByRole('button', { name: 'Create rule' }).click()
    await page.locator('#saved').waitFor()
    const stored = (await h.t.req('GET', '/api/v1/rules', { token: s.token, tenant: tenantId })).body.data
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ name: 'Rugs only', action: 'filter', active: true, scope: { placements: ['home'] }, condition: { field: 'category', op: 'eq', value: 'rugs' } })
    // The preview, for the rule's placement: lamps first without rules, rugs only with them.
    const before = await page.locator('#preview-before li').allTextContents()
    expect(before[0]).toBe('lamp-0')
    const after = page.locator('#preview-after li')
    await after.first().waitFor()
    const afterTexts = await after.allTextContents()
    expect(afterTexts.length).toBe(6)
    expect(afterTexts.every((t) => t.includes('rug-'))).toBe(true)
    expect(afterTexts[0]).toContain('this rule: moved up')
    expect(await page.locator('#preview-removed li').first().textContent()).toContain('lamp-0: this rule')
    await expectNoAxeViolations(page)
  }, 60_000)

  test('a pin with a JSON condition: the API\'s error path is shown, then fixed; another shopper and product previewed', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}/rules/new`)
    await page.getByLabel('Name').fill('Hero lamp')
    await page.getByLabel('Action', { exact: true }).selectOption('pin')
    await page.getByLabel('Products to pin').fill('lamp-5')
    await page.getByLabel('Pin positions').fill('1')
    await page.getByLabel('Condition', { exact: true }).selectOption('json')
    await page.getByLabel('Condition as JSON (for “Advanced”)').fill('{"field":"price","op":"below","value":50}')
    await page.getByRole('button', { name: 'Create rule' }).click()
    await page.locator('#f-conditionJson-error').waitFor()
    expect(await page.locator('#f-conditionJson-error').textContent()).toContain('condition.op')
    await page.getByLabel('Condition as JSON (for “Advanced”)').fill('{"field":"price","op":"lt","value":50}')
    await page.getByRole('button', { name: 'Create rule' }).click()
    await page.locator('#saved').waitFor()
    await page.getByLabel('Placement', { exact: true }).fill('home')
    await page.getByLabel('Viewed product').fill('rug-3')
    await page.getByRole('button', { name: 'Preview' }).click()
    await page.waitForURL(/productId=rug-3/)
    const after = await page.locator('#preview-after li').allTextContents()
    // Rugs only (the filter), and the pinned lamp is a lamp: the filter removes it, so it is not placed.
    expect(after.some((t) => t.includes('lamp-5'))).toBe(false)
    expect(after.some((t) => t.includes('rug-3'))).toBe(false) // the viewed product itself
    await page.goto(`/dashboard/tenants/${tenantId}/rules`)
    await page.getByRole('button', { name: 'Switch off Rugs only' }).click()
    await page.getByRole('button', { name: 'Switch on Rugs only' }).waitFor()
    await page.getByRole('link', { name: 'Hero lamp' }).click()
    await page.locator('#preview-after li').first().waitFor()
    const pinned = await page.locator('#preview-after li').first().textContent()
    expect(pinned).toContain('lamp-5')
    expect(pinned).toContain('this rule: pinned')
    await page.goto(`/dashboard/tenants/${tenantId}/rules`)
    await page.getByRole('button', { name: 'Delete Hero lamp' }).click()
    await page.locator('[data-rule="Hero lamp"]').waitFor({ state: 'detached' })
    expect((await h.t.req('GET', '/api/v1/rules', { token: s.token, tenant: tenantId })).body.data.map((r: { name: string }) => r.name)).toEqual(['Rugs only'])
    await expectNoAxeViolations(page)
  }, 60_000)

  test("another admin cannot open this tenant's rules", async () => {
    const other = await h.newSignedInPage()
    const id = (await h.t.req('GET', '/api/v1/rules', { token: s.token, tenant: s.tenantId })).body.data[0].id
    const r = await other.page.goto(`/dashboard/tenants/${s.tenantId}/rules/${id}`)
    expect(r?.status()).toBe(404)
    const own = await other.page.goto(`/dashboard/tenants/${other.tenantId}/rules/${id}`)
    expect(own?.url()).toMatch(new RegExp(`/dashboard/tenants/${other.tenantId}/rules/?$`))
    await other.context.close()
  }, 60_000)
})
