import { describe, expect, test } from 'bun:test'
import { markFirstResult } from '../../../db/queries/experiments.ts'
import { BACKENDS, backend } from '../../test/backends.ts'
import { testApp, uniqueEmail, type TestApp } from '../../test/harness.ts'
import { experimentAlertText } from './alerts.ts'

/** A signed-up user invited by `owner` into their account with `role`. */
async function member(t: TestApp, ownerToken: string, role: string) {
  const email = uniqueEmail(role)
  const inv = await t.req('POST', '/api/v1/account/members', { token: ownerToken, body: { email, role } })
  expect(inv.status).toBe(201)
  const s = await t.req('POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery', name: role, invitationToken: inv.body.data.invitationToken } })
  expect(s.status).toBe(201)
  return { token: s.body.data.accessToken as string, email }
}

test('the alert text names the experiment, the tenant, the verdict and the console link', () => {
  const text = experimentAlertText('Ada', { kind: 'significant', experimentName: 'Trending on home', tenantName: 'Shop 1', verdict: 'Ship trending: +6.5 % CTR', link: 'https://c.example/dashboard/tenants/t/experiments/e' }, 'https://c.example')
  expect(text).toContain('Hello Ada')
  expect(text).toContain('"Trending on home" of "Shop 1" has a significant result')
  expect(text).toContain('Verdict: Ship trending: +6.5 % CTR')
  expect(text).toContain('See the results: https://c.example/dashboard/tenants/t/experiments/e')
  expect(text).toContain('https://c.example/dashboard/settings')
})

for (const name of BACKENDS) {
  describe(`experiment alert mails [${name}]`, async () => {
    const now = new Date()
    // Two instances on one database: each alert is mailed by one of them, once.
    const t = await testApp(name, { consoleUrl: 'https://console.example' }, () => now)
    const t2 = await testApp(name, { consoleUrl: 'https://console.example' }, () => now)
    const raw = (await backend(name)).database.raw

    test('significant, SRM and completion each mail the members who want alerts once; others and other accounts get none', async () => {
      const owner = await t.admin('Olive')
      const tenant = (await t.req('POST', '/api/v1/tenants', { token: owner.token, body: { name: 'Alert shop' } })).body.data
      const writeKey = (await t.req('POST', `/api/v1/tenants/${tenant.id}/api-keys`, { token: owner.token, body: { name: 'w', permissions: 'write' } })).body.data.key
      const keen = await member(t, owner.token, 'analyst')
      const quiet = await member(t, owner.token, 'viewer')
      const off = await t.req('PATCH', '/api/v1/auth/me', { token: quiet.token, body: { emailPreferences: { experimentAlerts: false } } })
      expect(off.body.data.emailPreferences).toEqual({ weeklySummary: true, experimentAlerts: false })
      // Another account, with a running experiment of its own that never alerts.
      const stranger = await t.admin('Stan')
      const other = (await t.req('POST', '/api/v1/tenants', { token: stranger.token, body: { name: 'Other shop' } })).body.data

      const exp = (await t.req('POST', '/api/v1/experiments', { key: writeKey, body: { name: 'Trending on home', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr' } })).body.data
      expect(exp.status).toBe('running')
      const mails = () => [...t.mail, ...t2.mail].filter((m) => m.subject.startsWith('Experiment '))
      const to = (email: string) => mails().filter((m) => m.to === email)
      expect(mails()).toHaveLength(0) // starting is no alert

      // A sample ratio mismatch (200 vs 20 users on a 50/50 split), read by both instances at once.
      await raw.query(`insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
        select $1, $2, 'u' || i, case when i <= 200 then 'control' else 'variant' end, now() from generate_series(1, 220) i`, [tenant.id, exp.id])
      const reads = await Promise.all([t, t2, t].map((x) => x.req('GET', `/api/v1/experiments/${exp.id}/results`, { key: writeKey })))
      expect(reads.map((r) => r.body.data.srm.detected)).toEqual([true, true, true])
      const srm = to(keen.email)
      expect(srm).toHaveLength(1)
      expect(srm[0]!.subject).toBe('Experiment "Trending on home" shows a sample ratio mismatch (Alert shop)')
      expect(srm[0]!.text).toContain(`Verdict: ${reads[0]!.body.data.decision.reason}`)
      expect(srm[0]!.text).toContain(`https://console.example/dashboard/tenants/${tenant.id}/experiments/${exp.id}`)

      // The first significant reading, marked twice (as the experiment watch would), mailed by whichever sender claims it.
      expect(await markFirstResult(raw, tenant.id, exp.id, 'significant', now, () => ({}))).toBe(true)
      expect(await markFirstResult(raw, tenant.id, exp.id, 'significant', now, () => ({}))).toBe(false)
      await Promise.all([t.app.services.alertMails.sendDue(), t2.app.services.alertMails.sendDue(), t.app.services.alertMails.sendDue()])

      // Completion, then a promote (which completes nothing new) and another round of both senders.
      expect((await t2.req('POST', `/api/v1/experiments/${exp.id}/complete`, { key: writeKey })).status).toBe(200)
      expect((await t.req('POST', `/api/v1/experiments/${exp.id}/promote`, { key: writeKey })).status).toBe(200)
      await Promise.all([t.app.services.alertMails.sendDue(), t2.app.services.alertMails.sendDue()])

      for (const who of [owner.email, keen.email]) {
        expect(to(who).map((m) => m.subject).sort()).toEqual([
          'Experiment "Trending on home" has a significant result (Alert shop)',
          'Experiment "Trending on home" is completed (Alert shop)',
          'Experiment "Trending on home" shows a sample ratio mismatch (Alert shop)',
        ])
      }
      expect(to(quiet.email)).toHaveLength(0)
      expect(to(stranger.email)).toHaveLength(0)
      expect(mails().every((m) => !m.text.includes(other.id))).toBe(true)
      const [{ n }] = await raw.query<{ n: number }>('select count(*)::int as n from experiment_alerts where experiment_id = $1 and sent_at is not null', [exp.id])
      expect(n).toBe(3)
    })
  })
}
