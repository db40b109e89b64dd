import { describe, expect, test } from 'bun:test'
import { daysBetween, DEFAULT_RANGE, isIsoDate, pageQuery, parseFilters, parseRange, rangeLabel, rangeQuery, toSearch } from './range.ts'

const q = (s: string) => new URLSearchParams(s)

describe('parseRange', () => {
  test('no params → last 30 days, no error', () => {
    expect(parseRange(q(''))).toEqual({ range: DEFAULT_RANGE })
    expect(DEFAULT_RANGE).toEqual({ kind: 'preset', preset: '30d' })
  })
  test('presets', () => {
    for (const p of ['7d', '30d', '90d'] as const) expect(parseRange(q(`range=${p}`))).toEqual({ range: { kind: 'preset', preset: p } })
  })
  test('unknown preset falls back with a message', () => {
    const r = parseRange(q('range=365d'))
    expect(r.range).toEqual(DEFAULT_RANGE)
    expect(r.error).toContain('365d')
  })
  test('range=custom (or no range) with a valid pair is a custom range; a preset ignores leftover dates', () => {
    expect(parseRange(q('range=custom&from=2026-11-01&to=2026-11-07'))).toEqual({ range: { kind: 'custom', from: '2026-11-01', to: '2026-11-07' } })
    expect(parseRange(q('from=2026-11-03&to=2026-11-03')).range).toEqual({ kind: 'custom', from: '2026-11-03', to: '2026-11-03' })
    expect(parseRange(q('range=7d&from=2026-11-01&to=2026-11-07'))).toEqual({ range: { kind: 'preset', preset: '7d' } })
  })
  test('half a pair, bad dates, reversed or too long ranges are errors', () => {
    for (const s of ['from=2026-11-01', 'to=2026-11-01', 'from=2026-02-30&to=2026-03-01', 'from=11/01/2026&to=2026-11-02', 'from=2026-11-08&to=2026-11-01', 'from=2024-01-01&to=2026-01-01']) {
      const r = parseRange(q(s))
      expect(r.range).toEqual(DEFAULT_RANGE)
      expect(r.error).toBeString()
    }
  })
  test('range=custom without dates asks for them', () => {
    expect(parseRange(q('range=custom')).error).toContain('both dates')
    expect(parseRange(q('range=custom&from=2026-11-01&to=')).range).toEqual(DEFAULT_RANGE)
  })
})

describe('date helpers', () => {
  test('isIsoDate', () => {
    expect(isIsoDate('2028-02-29')).toBe(true)
    expect(isIsoDate('2026-02-29')).toBe(false)
    expect(isIsoDate('2026-1-01')).toBe(false)
  })
  test('daysBetween counts both ends, across month ends', () => {
    expect(daysBetween('2026-02-27', '2026-03-01')).toBe(3)
    expect(daysBetween('2026-11-01', '2026-11-30')).toBe(30)
    expect(daysBetween('2026-11-01', '2026-11-01')).toBe(1)
  })
})

describe('API query and links', () => {
  test('rangeQuery', () => {
    expect(rangeQuery({ kind: 'preset', preset: '90d' })).toEqual({ range: '90d' })
    expect(rangeQuery({ kind: 'custom', from: '2026-11-01', to: '2026-11-07' })).toEqual({ from: '2026-11-01', to: '2026-11-07' })
  })
  test('rangeLabel', () => {
    expect(rangeLabel({ kind: 'preset', preset: '7d' })).toBe('Last 7 days')
    expect(rangeLabel({ kind: 'custom', from: '2026-11-01', to: '2026-11-07' })).toBe('2026-11-01 – 2026-11-07')
  })
  test('parseFilters trims and drops empties', () => {
    expect(parseFilters(q('placement=%20home%20&strategy='))).toEqual({ placement: 'home' })
    expect(parseFilters(q('strategy=trending'))).toEqual({ strategy: 'trending' })
  })
  test('pageQuery round-trips through parseRange', () => {
    const custom = { kind: 'custom', from: '2026-11-01', to: '2026-11-07' } as const
    expect(parseRange(new URLSearchParams(toSearch(pageQuery(custom, { placement: 'home' })))).range).toEqual(custom)
    expect(toSearch(pageQuery({ kind: 'preset', preset: '90d' }, {}))).toBe('?range=90d')
  })
  test('toSearch skips empty values and encodes', () => {
    expect(toSearch({ range: '7d', placement: undefined, strategy: '' })).toBe('?range=7d')
    expect(toSearch({ placement: 'a b&c' })).toBe('?placement=a+b%26c')
    expect(toSearch({})).toBe('')
  })
})
