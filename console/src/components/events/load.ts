// Server side of the event viewer: the filters from the URL → GET /api/v1/events.
import type { RequestEventBase } from '@builder.io/qwik-city'
import { apiFetch, type ApiData, type Problem } from '../../lib/api'
import type { Pagination } from '../catalog/query'
import { eventsApiQuery, isStream, parseEventFilters, type EventFilters } from './query'

export type EventRow = ApiData<'/api/v1/events', 'get'>[number]

export interface EventsView {
  filters: EventFilters; errors: { field: string; message: string }[]; stream: boolean
  events: EventRow[]; pagination: Pagination | null; problem: Problem | null; loadedAt: string
}

export async function loadEvents(ev: RequestEventBase, tenantId: string, params: URLSearchParams): Promise<EventsView> {
  const { filters, errors } = parseEventFilters(params)
  const r = await apiFetch<EventRow[]>(ev, '/api/v1/events', { tenantId, query: eventsApiQuery(filters) })
  return {
    filters, errors, stream: isStream(filters),
    events: r.ok ? r.data : [], pagination: r.ok ? (r.meta?.pagination as Pagination) : null, problem: r.ok ? null : r.problem,
    loadedAt: new Date().toISOString(),
  }
}
