// The analytics date range, as the page's URL carries it (?range=7d|30d|90d or
// ?from=YYYY-MM-DD&to=YYYY-MM-DD): parsed once, turned into the API's query.
// Pure, so the rules (custom beats preset, bad input falls back with a message)
// are unit-tested without a browser.

export const PRESETS = ['7d', '30d', '90d'] as const
export type Preset = (typeof PRESETS)[number]
export type DateRange = { kind: 'preset'; preset: Preset } | { kind: 'custom'; from: string; to: string }

export const DEFAULT_RANGE: DateRange = { kind: 'preset', preset: '30d' }
/** The longest custom range the console asks for: a year and a day covers any leap year. */
export const MAX_CUSTOM_DAYS = 366

const DAY_MS = 86_400_000
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

/** True for a real calendar date written YYYY-MM-DD (rejects 2026-02-30). */
export function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1
}

export interface ParsedRange { range: DateRange; error?: string }

/**
 * Reads the range from the page's search params (range=7d|30d|90d, or
 * range=custom / no range with from and to); anything invalid falls back to the default with an error
 * the page shows next to the inputs (never a 500, never a silent guess).
 */
export function parseRange(params: URLSearchParams): ParsedRange {
  const from = params.get('from')?.trim() ?? ''
  const to = params.get('to')?.trim() ?? ''
  const preset = params.get('range') ?? ''
  // The form's "custom" choice, or a bare from/to link, means the dates; a preset ignores leftover dates.
  if (preset === 'custom' || (!preset && (from || to))) {
    if (!isIsoDate(from) || !isIsoDate(to)) return { range: DEFAULT_RANGE, error: 'Enter both dates of a custom range as YYYY-MM-DD.' }
    if (from > to) return { range: DEFAULT_RANGE, error: 'The start date must be on or before the end date.' }
    if (daysBetween(from, to) > MAX_CUSTOM_DAYS) return { range: DEFAULT_RANGE, error: `A custom range spans at most ${MAX_CUSTOM_DAYS} days.` }
    return { range: { kind: 'custom', from, to } }
  }
  if (!preset) return { range: DEFAULT_RANGE }
  if ((PRESETS as readonly string[]).includes(preset)) return { range: { kind: 'preset', preset: preset as Preset } }
  return { range: DEFAULT_RANGE, error: `Unknown range "${preset}"; showing the last 30 days.` }
}

/** The query parameters the analytics API takes for this range. */
export function rangeQuery(r: DateRange): Record<string, string> {
  return r.kind === 'preset' ? { range: r.preset } : { from: r.from, to: r.to }
}

/** Human label, e.g. "Last 30 days" or "2026-11-01 – 2026-11-07". */
export function rangeLabel(r: DateRange): string {
  return r.kind === 'preset' ? `Last ${r.preset.slice(0, -1)} days` : `${r.from} – ${r.to}`
}

/** Filters the page passes on unchanged (placement, strategy), trimmed; empty means "all". */
export function parseFilters(params: URLSearchParams): { placement?: string; strategy?: string } {
  const out: { placement?: string; strategy?: string } = {}
  const placement = params.get('placement')?.trim()
  const strategy = params.get('strategy')?.trim()
  if (placement) out.placement = placement.slice(0, 100)
  if (strategy) out.strategy = strategy.slice(0, 64)
  return out
}

/** The range and filters as the page's own query (for the CSV link and the refresh). */
export function pageQuery(r: DateRange, f: { placement?: string; strategy?: string }): Record<string, string | undefined> {
  return r.kind === 'preset' ? { range: r.preset, ...f } : { range: 'custom', from: r.from, to: r.to, ...f }
}

/** A query string for links that keep the current range and filters (CSV export, range buttons). */
export function toSearch(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, v)
  const s = p.toString()
  return s ? `?${s}` : ''
}
