import { describe, expect, test } from 'bun:test'
import { catalogApiQuery, pageHref, pager, parseCatalogFilters, parsePage } from './query.ts'

const q = (s: string) => new URLSearchParams(s)

describe('catalog filters', () => {
  test('defaults: everything, page 1', () => {
    expect(parseCatalogFilters(q(''))).toEqual({ q: '', category: '', availability: 'all', page: 1 })
    expect(catalogApiQuery(parseCatalogFilters(q('')))).toEqual({ limit: 20, offset: 0, q: undefined, category: undefined, available: undefined })
  })
  test('search, category, availability and page become the API query', () => {
    const f = parseCatalogFilters(q('q=%20shoe%20&category=Footwear&available=unavailable&page=3'))
    expect(catalogApiQuery(f)).toEqual({ limit: 20, offset: 40, q: 'shoe', category: 'Footwear', available: 'false' })
    expect(catalogApiQuery(parseCatalogFilters(q('available=available'))).available).toBe('true')
  })
  test('odd page numbers are page 1', () => {
    for (const s of ['0', '-1', '1.5', 'x', '', null]) expect(parsePage(s)).toBe(1)
    expect(parsePage('7')).toBe(7)
  })
})

describe('pager', () => {
  test('middle page', () => {
    expect(pager({ total: 95, limit: 20, offset: 20, hasMore: true })).toEqual({ from: 21, to: 40, total: 95, page: 2, pages: 5, prev: 1, next: 3 })
  })
  test('last page and empty list', () => {
    expect(pager({ total: 95, limit: 20, offset: 80, hasMore: false })).toMatchObject({ from: 81, to: 95, page: 5, prev: 4, next: null })
    expect(pager({ total: 0, limit: 20, offset: 0, hasMore: false })).toMatchObject({ from: 0, to: 0, pages: 1, prev: null, next: null })
  })
  test('a page past the end still links back', () => {
    expect(pager({ total: 10, limit: 20, offset: 200, hasMore: false })).toMatchObject({ from: 0, to: 0, page: 11, prev: 1 })
  })
  test('pageHref keeps the filters', () => {
    expect(pageHref(q('q=a&page=2'), 3)).toBe('?q=a&page=3')
    expect(pageHref(q('q=a&page=2'), 1)).toBe('?q=a')
    expect(pageHref(q('page=2'), 1)).toBe('?')
  })
})
