// The weekly summary mail (§6 email preferences): each hour the job claims the users due one (weekly,
// wanted) and mails them the last 7 days' KPIs of their default account's tenants, through the mailer.
import type { Db } from '../../../db/client.ts'
import { findMembership } from '../../../db/queries/accounts.ts'
import { claimWeeklySummaries } from '../../../db/queries/users.ts'
import type { Mailer } from '../../infra/mailer.ts'
import type { Logger } from '../../logger.ts'

export interface TenantKpis { name: string; impressions: number; clicks: number; ctr: number; conversions: number; revenue: number; currency: string | null }

/** The mail's text: pure, so its wording is tested without a database. */
export function weeklySummaryText(name: string, accountName: string, tenants: TenantKpis[], consoleUrl: string): string {
  const lines = tenants.length
    ? tenants.map((t) => `- ${t.name}: ${t.impressions} impressions, ${t.clicks} clicks (CTR ${(t.ctr * 100).toFixed(1)}%), ${t.conversions} conversions, revenue ${t.revenue.toFixed(2)}${t.currency ? ` ${t.currency}` : ''}`)
    : ['- No active tenants yet.']
  return `Hello ${name},\n\nThe last 7 days of "${accountName}" on RecomEngine:\n\n${lines.join('\n')}\n\n`
    + `See more: ${consoleUrl}/dashboard\nTurn this mail off under ${consoleUrl}/dashboard/settings (email preferences).\n`
}

export interface WeeklySummaryDeps {
  db: Db
  mailer: Mailer
  log: Logger
  clock: () => Date
  consoleUrl: string
  overview: (accountId: string) => Promise<TenantKpis[]>
}

export function weeklySummaries(d: WeeklySummaryDeps) {
  return {
    /** Sends every summary now due (in batches of 100); answers how many were sent. */
    async sendDue(): Promise<number> {
      let sent = 0
      for (;;) {
        const due = await claimWeeklySummaries(d.db, d.clock(), 100)
        for (const user of due) {
          try {
            const m = await findMembership(d.db, user.id)
            if (!m) continue
            await d.mailer.send({ to: user.email, subject: `Your week on RecomEngine: ${m.accountName}`, text: weeklySummaryText(user.name, m.accountName, await d.overview(m.accountId), d.consoleUrl) })
            sent++
          } catch (error) { d.log.warn('weekly summary: could not send', { userId: user.id, error }) }
        }
        if (due.length < 100) return sent
      }
    },
  }
}
