// The catalog browser's URL (?q=&category=&available=&page=) ↔ the query of
// GET /api/v1/catalog, and the pager built from meta.pagination. Pure.
import type { ApiResponse } from '../../lib/api.ts'

export const PAGE_SIZE = 20

/** meta.pagination of the API's list answers (catalog, events, experiments, tenants share it). */
export type Pagination = ApiResponse<'/api/v1/catalog', 'get'>['meta']['pagination']

/** A 1-based page number from the URL; anything odd is page 1. */
export function parsePage(raw: string | null): number {
  const n = Number(raw)
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1
}

export type Availability = 'available' | 'unavailable' | 'all'

export interface CatalogFilters { q: string; category: string; availability: Availability; page: number }

export function parseCatalogFilters(params: URLSearchParams): CatalogFilters {
  const a = params.get('available')
  return {
    q: (params.get('q') ?? '').trim().slice(0, 200),
    category: (params.get('category') ?? '').trim().slice(0, 200),
    // The API reads available=false as "unavailable or deleted"; "all" sends no filter.
    availability: a === 'available' || a === 'unavailable' ? a : 'all',
    page: parsePage(params.get('page')),
  }
}

/** The API query: offset from the page; `available` as the API reads it. */
export function catalogApiQuery(f: CatalogFilters, limit = PAGE_SIZE): Record<string, string | number | undefined> {
  return {
    limit, offset: (f.page - 1) * limit,
    q: f.q || undefined, category: f.category || undefined,
    available: f.availability === 'all' ? undefined : f.availability === 'available' ? 'true' : 'false',
  }
}

export interface PagerView {
  from: number; to: number; total: number; page: number; pages: number
  prev: number | null; next: number | null
}

/** "Showing 21–40 of 95", previous/next page numbers (null at the ends). */
export function pager(p: Pagination): PagerView {
  const limit = Math.max(1, p.limit)
  const page = Math.floor(p.offset / limit) + 1
  const pages = Math.max(1, Math.ceil(p.total / limit))
  const shown = Math.max(0, Math.min(limit, p.total - p.offset))
  return {
    from: shown ? p.offset + 1 : 0, to: shown ? p.offset + shown : 0, total: p.total, page, pages,
    prev: page > 1 ? Math.min(page - 1, pages) : null, next: p.hasMore ? page + 1 : null,
  }
}

/** The link to another page keeping every other parameter. */
export function pageHref(params: URLSearchParams, page: number): string {
  const p = new URLSearchParams(params)
  if (page <= 1) p.delete('page'); else p.set('page', String(page))
  const s = p.toString()
  return s ? `?${s}` : '?'
}
