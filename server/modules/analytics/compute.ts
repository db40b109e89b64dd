// The pure part of analytics: which days a query means, how a range is read
// from daily and weekly rollups, the KPIs of summed rollups, the zero-filled
// daily series, and the CSV export. No I/O.
import type { Metrics, RangeSplit } from '../../../db/queries/analytics.ts'
import { ValidationFailed } from '../../errors.ts'
import { addDays, dayOf, daysBetween, daysOf, isDay, weekOf } from '../../dates.ts'

export const PRESETS = { '7d': 7, '30d': 30, '90d': 90 } as const
export type Preset = keyof typeof PRESETS
const MAX_SPAN_DAYS = 366

export interface DayRange { from: string; to: string; range: Preset | 'custom' }

/**
 * The UTC days a query asks for: a preset ending today (default 30d), or
 * from/to (inclusive; `to` defaults to today), at most 366 days.
 */
export function resolveRange(q: { range?: string; from?: string; to?: string }, now: Date): DayRange {
  const today = dayOf(now)
  if (q.range !== undefined && (q.from !== undefined || q.to !== undefined)) {
    throw new ValidationFailed('Give either range or from/to, not both', [{ field: 'range', message: 'cannot be combined with from/to' }])
  }
  if (q.from === undefined && q.to === undefined) {
    const range = (q.range ?? '30d') as Preset
    const days = PRESETS[range]
    if (!days) throw new ValidationFailed('range must be 7d, 30d or 90d', [{ field: 'range', message: 'must be 7d, 30d or 90d' }])
    return { from: addDays(today, 1 - days), to: today, range }
  }
  const errors: { field: string; message: string }[] = []
  if (q.from === undefined) errors.push({ field: 'from', message: 'is required with to' })
  else if (!isDay(q.from)) errors.push({ field: 'from', message: 'must be a date (YYYY-MM-DD)' })
  const to = q.to ?? today
  if (!isDay(to)) errors.push({ field: 'to', message: 'must be a date (YYYY-MM-DD)' })
  if (!errors.length) {
    const span = daysBetween(q.from!, to) + 1
    if (span < 1) errors.push({ field: 'from', message: 'must not be after to' })
    else if (span > MAX_SPAN_DAYS) errors.push({ field: 'to', message: `the range may span at most ${MAX_SPAN_DAYS} days` })
  }
  if (errors.length) throw new ValidationFailed(`Invalid date range: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors)
  return { from: q.from!, to, range: 'custom' }
}

/** Whole ISO weeks (Monday–Sunday) inside [from, to], and the days left at either end. */
export function splitRange(from: string, to: string): RangeSplit {
  const firstMonday = weekOf(from) === from ? from : addDays(weekOf(from), 7)
  const lastMonday = addDays(weekOf(addDays(to, 1)), -7) // the Monday of the last week ending on or before `to`
  if (firstMonday > lastMonday) return { head: [from, to], weeks: null, tail: null }
  const lastSunday = addDays(lastMonday, 6)
  return {
    head: from < firstMonday ? [from, addDays(firstMonday, -1)] : null,
    weeks: [firstMonday, lastMonday],
    tail: lastSunday < to ? [addDays(lastSunday, 1), to] : null,
  }
}

/** clicks / impressions, 0 when there were no impressions. */
export const ctr = (clicks: number, impressions: number) => (impressions > 0 ? clicks / impressions : 0)

/** Sums of floats pick up noise (0.1 + 0.2); money is reported to a millionth. */
export const money = (x: number) => Math.round(x * 1e6) / 1e6

const ZERO: Metrics = { impressions: 0, clicks: 0, conversions: 0, revenue: 0 }

export function sumMetrics(rows: Metrics[]): Metrics {
  const s = { ...ZERO }
  for (const r of rows) { s.impressions += r.impressions; s.clicks += r.clicks; s.conversions += r.conversions; s.revenue += r.revenue }
  return s
}

/** The KPI set every analytics response uses. */
export const kpis = (m: Metrics) => ({
  impressions: m.impressions, clicks: m.clicks, ctr: ctr(m.clicks, m.impressions), conversions: m.conversions, revenue: money(m.revenue),
})

export interface DayPoint extends Metrics { date: string }

/** One point per day of the range, zeros where the rollups have nothing. */
export function fillDays(from: string, to: string, rows: (Metrics & { day: string })[]): DayPoint[] {
  const byDay = new Map(rows.map((r) => [r.day, r]))
  return daysOf(from, to).map((date) => {
    const r = byDay.get(date) ?? ZERO
    return { date, impressions: r.impressions, clicks: r.clicks, conversions: r.conversions, revenue: money(r.revenue) }
  })
}

// ---- CSV (RFC 4180, CRLF line ends)

/**
 * One CSV field: quoted when it holds a comma, quote or line break. Text that
 * a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
 * prefixed with an apostrophe, since product names and placements come from
 * the merchant's data.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return ''
  if (typeof v === 'number') return String(v)
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const csvRow = (fields: (string | number | null)[]) => fields.map(csvField).join(',')

export interface CsvSection { header: string[]; rows: (string | number | null)[][] }

/** Sections (each with its own header row) separated by one empty line. */
export const toCsv = (sections: CsvSection[]) =>
  sections.map((s) => [csvRow(s.header), ...s.rows.map(csvRow)].join('\r\n')).join('\r\n\r\n') + '\r\n'

/** The dashboard's metric names, as displayed, in display order. */
export const METRIC_HEADERS = ['Impressions', 'Clicks', 'CTR', 'Conversions', 'Revenue']
