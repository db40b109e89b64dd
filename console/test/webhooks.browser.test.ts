// The "Webhooks" page in Chromium: reached from the tenant's tabs; an endpoint added (its secret shown once),
// "Send test" delivered and shown in the delivery log, a retry under the same webhook-id, the secret rotated; axe.
import { afterAll, beforeAll, describe, expect, setSystemTime, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { receiver } from '../../server/modules/webhooks/test-receiver.ts'

let h: ConsoleHarness
let s: SignedIn
const rx = receiver()

beforeAll(async () => {
  h = await consoleHarness({ config: { webhookAllowPrivate: true } })
  s = await h.newSignedInPage()
}, 120_000)
afterAll(async () => { rx.stop(); await h?.close() })

const verify = (secret: string, r: (typeof rx.got)[number]) => {
  setSystemTime(new Date(Number(r.headers['webhook-timestamp']) * 1000))
  try { return new Webhook(secret).verify(r.body, r.headers) as { type: string } } finally { setSystemTime() }
}

describe('webhooks page', () => {
  test('add an endpoint (secret shown once), send a test, see it in the log, retry, rotate', async () => {
    const { page, tenantId } = s
    await page.goto(`/dashboard/tenants/${tenantId}`)
    await page.getByRole('link', { name: 'Webhooks' }).click()
    await page.waitForURL(/\/webhooks$/)
    await page.getByText('No endpoints yet').waitFor()

    // No event chosen: refused, nothing created.
    await page.getByLabel('URL').fill(rx.url)
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await page.getByText('Choose at least one event').waitFor()

    await page.getByLabel('URL').fill(rx.url)
    await page.getByLabel('Description (optional)').fill('Order system')
    await page.getByRole('checkbox', { name: 'model.ready' }).check()
    await page.getByRole('checkbox', { name: 'api_key.created' }).check()
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const secret = (await page.locator('#new-secret').innerText()).trim()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/)
    const row = page.locator('table', { hasText: 'Endpoints' }).locator('tbody tr')
    expect(await row.count()).toBe(1)
    expect(await row.innerText()).toContain('model.ready, api_key.created')
    await expectNoAxeViolations(page)

    // Shown once: not on the next visit, nor anywhere in the API's list.
    await page.goto(`/dashboard/tenants/${tenantId}/webhooks`)
    expect(await page.locator('#new-secret').count()).toBe(0)
    expect(await page.content()).not.toContain(secret)

    await page.getByRole('button', { name: `Send test for ${rx.url}` }).click()
    await page.getByText('Test event sent').waitFor()
    await h.t.app.services.dispatcher.runOnce()
    expect(rx.got).toHaveLength(1)
    expect(verify(secret, rx.got[0]!).type).toBe('ping')
    await page.goto(`/dashboard/tenants/${tenantId}/webhooks`)
    const log = page.locator('section', { hasText: `Deliveries to ${rx.url}` }).locator('tbody tr')
    expect(await log.count()).toBe(1)
    expect(await log.innerText()).toMatch(/ping[\s\S]*succeeded[\s\S]*1[\s\S]*200/)
    await expectNoAxeViolations(page)

    await page.getByRole('button', { name: 'Retry ping delivery' }).click()
    await page.getByText('Delivery queued to be sent again').waitFor()
    await h.t.app.services.dispatcher.runOnce()
    expect(rx.got).toHaveLength(2)
    expect(rx.got[1]!.headers['webhook-id']).toBe(rx.got[0]!.headers['webhook-id'])

    await page.getByRole('button', { name: `Rotate secret for ${rx.url}` }).click()
    const rotated = (await page.locator('#new-secret').innerText()).trim()
    expect(rotated).toMatch(/^whsec_/)
    expect(rotated).not.toBe(secret)
    expect(await page.getByText('old secret signs until').count()).toBe(1)
  }, 90_000)
})
