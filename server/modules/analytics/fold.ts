// The weekly fold, pure part: which weeks a background pass should (re)fold,
// and how a filtered top-10 reads a day range from the folded weeks plus the
// daily rollups. No I/O (the queries are in db/queries/analytics.ts, the
// scheduling in fold-worker.ts).
//
// A fold of (tenant, week) sums that week's per-product daily rollups, up to
// its last closed day (`through`: the Sunday once the week is over), per
// placement, per strategy and per pair, and records the week's totals as
// analytics_daily had them then. Ingestion only ever adds to the rollups
// (every delta raises impressions, clicks or conversions), so a fold is still
// exact exactly while analytics_daily's totals for [week, through] equal the
// recorded ones: a late event (an import, a straggler from yesterday) makes
// them differ, and readers fall back to the daily rows for that week until it
// is folded again. Ingestion writes nothing for the fold.
import type { FoldedRead } from '../../../db/queries/analytics.ts'
import { addDays, dayOf, daysBetween, daysOf, weekOf } from '../../dates.ts'

/** How many days [from, to] holds. */
const daysIn = (from: string, to: string) => daysBetween(from, to) + 1

/**
 * The last day a fold may cover: yesterday, once today has been going for
 * `graceMs` (events for a day keep arriving for a few minutes after it ends;
 * folding later saves refolds, exactness does not depend on it).
 */
export function lastClosedDay(now: Date, graceMs: number): string {
  return addDays(dayOf(new Date(now.getTime() - graceMs)), -1)
}

/** The Monday of the week before the current one: the weeks every pass re-checks (stragglers land there). */
export function recentWeeksFrom(now: Date): string {
  return addDays(weekOf(dayOf(now)), -7)
}

export interface Totals { impressions: number; clicks: number; conversions: number }
/** analytics_daily's totals of a tenant's week, over its days up to the last closed one. */
export interface WeekTotals extends Totals { tenantId: string; week: string }
/** What a fold recorded: the days it covered ([week, through]) and their totals then. */
export interface FoldState extends Totals { tenantId: string; week: string; through: string }
export interface FoldTask { tenantId: string; week: string; through: string }

/**
 * The weeks to fold now: every week with rollups up to `lastDay` that was
 * never folded, was folded through fewer days than have closed since (the
 * current week, day by day; a week that ended), or whose totals moved since
 * (late events). Weeks without rollups need no fold: nothing to read.
 * Newest first, since recent weeks are the ones most read.
 */
export function weeksToFold(totals: WeekTotals[], states: FoldState[], lastDay: string): FoldTask[] {
  const byKey = new Map(states.map((s) => [`${s.tenantId}\u0000${s.week}`, s]))
  const tasks: FoldTask[] = []
  for (const t of totals) {
    if (t.week > lastDay) continue
    const through = addDays(t.week, 6) < lastDay ? addDays(t.week, 6) : lastDay
    const s = byKey.get(`${t.tenantId}\u0000${t.week}`)
    const current = s && s.through === through && s.impressions === t.impressions && s.clicks === t.clicks && s.conversions === t.conversions
    if (!current) tasks.push({ tenantId: t.tenantId, week: t.week, through })
  }
  return tasks.sort((a, b) => (a.week !== b.week ? (a.week < b.week ? 1 : -1) : a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0))
}

/** A fold whose recorded totals still hold: it covers [week, through] exactly. */
export interface UsableFold { week: string; through: string }

/**
 * How a filtered top-10 reads [from, to]: the folds to read whole, the days
 * to add from the daily rollups (those no fold covers) and the days to
 * subtract (days of a fold that lie outside the range). A fold that only
 * partly overlaps the range is used when it leaves out fewer days than it
 * brings in: a folded week costs about one day of daily rows, so a range
 * starting on a Tuesday reads that week minus its Monday rather than six days.
 */
export function planFoldedRead(from: string, to: string, folds: UsableFold[]): FoldedRead {
  const weeks: string[] = []
  const minus: string[] = []
  const covered = new Set<string>()
  for (const f of [...folds].sort((a, b) => (a.week < b.week ? -1 : 1))) {
    const start = f.week > from ? f.week : from
    const end = f.through < to ? f.through : to
    if (start > end) continue
    const inside = daysIn(start, end)
    if (daysIn(f.week, f.through) - inside >= inside) continue
    weeks.push(f.week)
    for (const d of daysOf(f.week, f.through)) {
      if (d < from || d > to) minus.push(d)
      else covered.add(d)
    }
  }
  const plus: string[] = []
  for (const d of daysOf(from, to)) if (!covered.has(d)) plus.push(d)
  return { weeks, plus, minus }
}
