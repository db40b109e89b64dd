// The event viewer's URL ↔ the query of GET /api/v1/events. Times are entered
// in UTC (datetime-local inputs carry no zone; the page says "UTC"). Pure.
import { EVENT_TYPES } from '../../lib/vocabulary.ts'
import { parsePage } from '../catalog/query.ts'

export const EVENTS_PAGE_SIZE = 50

export interface EventFilters { userId: string; productId: string; eventType: string; from: string; to: string; page: number }
export interface ParsedEventFilters { filters: EventFilters; errors: { field: string; message: string }[] }

const LOCAL = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?$/

/** "2026-11-25T01:30" (a datetime-local value, read as UTC) → "2026-11-25T01:30:00.000Z"; null if not a time. */
export function localToIso(v: string): string | null {
  const m = LOCAL.exec(v)
  if (!m) return null
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}Z`)
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 16) !== `${m[1]}T${m[2]}` ? null : d.toISOString()
}

export function parseEventFilters(params: URLSearchParams): ParsedEventFilters {
  const get = (k: string) => (params.get(k) ?? '').trim().slice(0, 256)
  const errors: ParsedEventFilters['errors'] = []
  const filters: EventFilters = { userId: get('userId'), productId: get('productId'), eventType: get('eventType'), from: get('from'), to: get('to'), page: parsePage(params.get('page')) }
  if (filters.eventType && !(EVENT_TYPES as readonly string[]).includes(filters.eventType)) {
    errors.push({ field: 'eventType', message: 'Unknown event type.' }); filters.eventType = ''
  }
  for (const k of ['from', 'to'] as const) {
    if (filters[k] && !localToIso(filters[k])) { errors.push({ field: k, message: 'Enter a date and time.' }); filters[k] = '' }
  }
  if (filters.from && filters.to && localToIso(filters.from)! > localToIso(filters.to)!) errors.push({ field: 'to', message: 'The end must be after the start.' })
  return { filters, errors }
}

export function eventsApiQuery(f: EventFilters, limit = EVENTS_PAGE_SIZE): Record<string, string | number | undefined> {
  return {
    limit, offset: (f.page - 1) * limit,
    userId: f.userId || undefined, productId: f.productId || undefined, eventType: f.eventType || undefined,
    from: f.from ? localToIso(f.from) ?? undefined : undefined, to: f.to ? localToIso(f.to) ?? undefined : undefined,
  }
}

/** True when nothing narrows the list: the page then shows the live stream and refreshes itself. */
export const isStream = (f: EventFilters) => !f.userId && !f.productId && !f.eventType && !f.from && !f.to && f.page === 1
