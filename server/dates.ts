// Calendar days as 'YYYY-MM-DD' strings in UTC: how rollups key their rows and
// how analytics ranges are written, so both sides agree on what a day is.

const DAY_MS = 86400_000

/** The UTC day an instant falls on. */
export const dayOf = (ts: Date) => ts.toISOString().slice(0, 10)

/** The Monday (UTC) of the ISO week a day ('YYYY-MM-DD') falls in: PostgreSQL's date_trunc('week'). */
export function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7))
  return dayOf(d)
}

export const addDays = (day: string, n: number) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS))
/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

/** A real calendar day in 'YYYY-MM-DD' form (2026-02-30 is not). */
export function isDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false
  const ms = Date.parse(`${s}T00:00:00Z`)
  return Number.isFinite(ms) && dayOf(new Date(ms)) === s
}

/** Every day of [from, to], oldest first. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d)
  return out
}
