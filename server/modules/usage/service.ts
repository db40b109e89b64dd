// Per-tenant usage for billing a platform's own customers (issue 23): the daily figures the
// UsageRecorder counted (flushed first, so a read includes this instance's latest requests).
import type { Db } from '../../../db/client.ts'
import { accountDailyUsage, dailyUsage, NO_KEY } from '../../../db/queries/api-keys.ts'
import { addDays, daysBetween, daysOf, dayOf, isDay } from '../../dates.ts'
import { ValidationFailed } from '../../errors.ts'
import type { TenantService } from '../tenants/service.ts'
import type { UsageRecorder } from '../api-keys/usage.ts'

const MAX_DAYS = 366
const DEFAULT_DAYS = 30

export interface UsageDeps { db: Db; tenants: TenantService; usage: UsageRecorder; clock: () => Date }

const zero = () => ({ eventsIngested: 0, recommendationRequests: 0, apiCalls: 0 })
type Figures = ReturnType<typeof zero>
const add = (into: Figures, r: { eventsIngested: string | number; recommendationRequests: string | number; apiCalls: string | number }) => {
  into.eventsIngested += Number(r.eventsIngested)
  into.recommendationRequests += Number(r.recommendationRequests)
  into.apiCalls += Number(r.apiCalls)
  return into
}

const CSV_HEADER = 'date,tenantId,externalId,tenantName,eventsIngested,recommendationRequests,apiCalls'
const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v)
  // Quoted when needed; a leading formula character is defused (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function createUsageService(d: UsageDeps) {
  function range(q: { from?: string; to?: string }) {
    const errors = []
    if (q.to !== undefined && !isDay(q.to)) errors.push({ field: 'to', message: 'must be a day, YYYY-MM-DD' })
    if (q.from !== undefined && !isDay(q.from)) errors.push({ field: 'from', message: 'must be a day, YYYY-MM-DD' })
    if (errors.length) throw new ValidationFailed('Invalid usage range', errors)
    const to = q.to ?? dayOf(d.clock())
    const from = q.from ?? addDays(to, -(DEFAULT_DAYS - 1))
    if (!errors.length && daysBetween(from, to) < 0) errors.push({ field: 'to', message: 'must not be before from' })
    if (!errors.length && daysBetween(from, to) >= MAX_DAYS) errors.push({ field: 'from', message: `the range may span at most ${MAX_DAYS} days` })
    if (errors.length) throw new ValidationFailed('Invalid usage range', errors)
    return { from, to }
  }

  return {
    async tenant(accountId: string, tenantId: string, q: { from?: string; to?: string }) {
      await d.tenants.owned(accountId, tenantId)
      const { from, to } = range(q)
      await d.usage.flush()
      const rows = await dailyUsage(d.db, tenantId, from, to)
      const byDay = new Map<string, typeof rows>()
      for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r])
      const days = daysOf(from, to).map((date) => {
        const of = byDay.get(date) ?? []
        return {
          date, ...of.reduce(add, zero()),
          byKey: of.map((r) => ({ keyId: r.keyId === NO_KEY ? null : r.keyId, name: r.keyId === NO_KEY ? null : r.keyName, ...add(zero(), r) })),
        }
      })
      return { from, to, days }
    },

    async account(accountId: string, q: { from?: string; to?: string }) {
      const { from, to } = range(q)
      await d.usage.flush()
      const rows = await accountDailyUsage(d.db, accountId, from, to)
      const tenants = new Map<string, { tenantId: string; name: string; externalId: string | null; days: (Figures & { date: string })[] } & Figures>()
      for (const r of rows) {
        let t = tenants.get(r.tenantId)
        if (!t) tenants.set(r.tenantId, (t = { tenantId: r.tenantId, name: r.tenantName, externalId: r.externalId, ...zero(), days: [] }))
        add(t, r)
        t.days.push({ date: r.day, ...add(zero(), r) })
      }
      return { from, to, tenants: [...tenants.values()] }
    },

    /** The account view as CSV: one row per day and tenant with any usage. */
    async accountCsv(accountId: string, q: { from?: string; to?: string }) {
      const { from, to, tenants } = await this.account(accountId, q)
      const lines = [CSV_HEADER]
      const rows = tenants.flatMap((t) => t.days.map((day) => ({ t, day }))).sort((a, b) => a.day.date.localeCompare(b.day.date))
      for (const { t, day } of rows) lines.push([day.date, t.tenantId, t.externalId, t.name, day.eventsIngested, day.recommendationRequests, day.apiCalls].map(csvCell).join(','))
      return { body: `${lines.join('\n')}\n`, filename: `usage-${from}-to-${to}.csv` }
    },
  }
}
export type UsageService = ReturnType<typeof createUsageService>
