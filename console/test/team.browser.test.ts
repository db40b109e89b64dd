// The team page in Chromium (issue 23): an owner invites, the invitee signs up with the mailed link
// and joins as a viewer (who is shown no create or invite forms), the owner changes a role and their
// email preferences, and a member of two accounts accepts an invitation and switches between them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { uniqueEmail } from '../../server/test/harness.ts'
import { consoleHarness, expectNoAxeViolations, PASSWORD, type ConsoleHarness } from './harness.ts'

let h: ConsoleHarness
beforeAll(async () => { h = await consoleHarness() }, 120_000)
afterAll(async () => { await h?.close() })

const tokenOf = (to: string) => {
  const mail = [...h.t.mail].reverse().find((m) => m.to === to)
  return mail?.text.match(/invitationToken=(inv_[0-9A-Za-z]+)/)?.[1]
}

describe('team', () => {
  test('invite, sign up with the link, roles hide what they cannot do, change a role', async () => {
    const owner = await h.newSignedInPage()
    const invitee = await h.newPage()
    try {
      const { page } = owner
      await page.goto('/dashboard/settings/team')
      await page.locator(`tr[data-member="${owner.email}"]`).waitFor()
      await expectNoAxeViolations(page)
      const email = uniqueEmail('teammate')
      await page.locator('input[name="email"]').fill(email)
      await page.getByLabel('Role', { exact: true }).selectOption('viewer')
      await page.getByRole('button', { name: 'Send invitation' }).click()
      await page.getByText(`Invitation sent to ${email}`).waitFor()
      await page.locator(`tr[data-invitation="${email}"]`).waitFor()
      const token = tokenOf(email)
      expect(token).toBeDefined()

      // The invitee signs up from the mailed link and lands in the owner's account.
      const p2 = invitee.page
      await p2.goto(`/signup?invitationToken=${token}`)
      await p2.getByLabel('Your name').fill('Vera Viewer')
      await p2.getByLabel('Work email').fill(email)
      await p2.getByLabel('Password').fill(PASSWORD)
      await p2.getByRole('button', { name: 'Create account' }).click()
      await p2.waitForURL('**/dashboard/tenants')
      await p2.getByRole('link', { name: owner.tenantName, exact: true }).waitFor()
      expect(await p2.getByRole('button', { name: 'Create tenant' }).count()).toBe(0) // a viewer cannot create tenants
      await p2.goto('/dashboard/settings/team')
      await p2.locator(`tr[data-member="${email}"]`).waitFor()
      expect(await p2.getByRole('button', { name: 'Send invitation' }).count()).toBe(0)
      expect(await p2.getByText('Only owners can invite members').count()).toBe(1)

      // The owner makes them an admin: the tenant form appears for them.
      await page.goto('/dashboard/settings/team')
      await page.getByLabel(`Role of ${email}`).selectOption('admin')
      await page.getByRole('button', { name: `Change role of ${email}` }).click()
      await page.waitForLoadState('networkidle')
      await page.goto('/dashboard/settings/team')
      expect(await page.getByLabel(`Role of ${email}`).inputValue()).toBe('admin')
      await p2.goto('/dashboard/tenants')
      await p2.getByRole('button', { name: 'Create tenant' }).waitFor()

      // Email preferences on the settings page, stored for this user only.
      await page.goto('/dashboard/settings')
      await page.getByLabel(/Weekly summary/).uncheck()
      await page.getByRole('button', { name: 'Save email preferences' }).click()
      await page.getByText('Email preferences saved.').waitFor()
      expect((await h.t.req('GET', '/api/v1/auth/me', { token: owner.token })).body.data.emailPreferences).toEqual({ weeklySummary: false, experimentAlerts: true })
      await page.goto('/dashboard/settings')
      expect(await page.getByLabel(/Weekly summary/).isChecked()).toBe(false)
      expect(await page.getByLabel(/Experiment alerts/).isChecked()).toBe(true)
    } finally {
      await owner.context.close()
      await invitee.context.close()
    }
  }, 90_000)

  test('a member of two accounts accepts an invitation signed in, then switches accounts', async () => {
    const owner = await h.newSignedInPage()
    const other = await h.newSignedInPage()
    try {
      const inv = await h.t.req('POST', '/api/v1/account/members', { token: owner.token, body: { email: other.email, role: 'analyst' } })
      expect(inv.status).toBe(201)
      const { page } = other
      await page.goto(`/dashboard/settings/team?invitationToken=${inv.body.data.invitationToken}`)
      await page.getByRole('button', { name: 'Accept invitation' }).click()
      await page.getByText('Invitation accepted').waitFor()
      await page.goto('/dashboard/tenants')
      await page.getByRole('link', { name: other.tenantName, exact: true }).waitFor() // their own account first
      await page.getByLabel('Account', { exact: true }).selectOption({ label: 'Ada Admin (analyst)' })
      await page.getByRole('button', { name: 'Switch' }).click()
      await page.waitForURL('**/dashboard')
      await page.goto('/dashboard/tenants')
      await page.getByRole('link', { name: owner.tenantName, exact: true }).waitFor()
      expect(await page.getByRole('link', { name: other.tenantName, exact: true }).count()).toBe(0)
      expect(await page.getByTestId('current-account').textContent()).toContain('analyst')
      await expectNoAxeViolations(page)
    } finally {
      await owner.context.close()
      await other.context.close()
    }
  }, 90_000)
})
