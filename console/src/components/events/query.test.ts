import { expect, test } from 'bun:test'
import { eventsApiQuery, isStream, localToIso, parseEventFilters } from './query.ts'

test('datetime-local values are read as UTC', () => {
  expect(localToIso('2026-11-25T01:30')).toBe('2026-11-25T01:30:00.000Z')
  expect(localToIso('2026-11-25T01:30:15')).toBe('2026-11-25T01:30:15.000Z')
  expect(localToIso('2026-02-30T01:30')).toBeNull()
  expect(localToIso('yesterday')).toBeNull()
})

test('filters become the API query; bad ones are dropped with a message', () => {
  const { filters, errors } = parseEventFilters(new URLSearchParams('userId=u1&eventType=purchase&from=2026-11-01T00:00&to=2026-11-02T00:00&page=2'))
  expect(errors).toEqual([])
  expect(eventsApiQuery(filters)).toEqual({ limit: 50, offset: 50, userId: 'u1', productId: undefined, eventType: 'purchase', from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' })
  const bad = parseEventFilters(new URLSearchParams('eventType=hack&from=soon'))
  expect(bad.errors.map((e) => e.field)).toEqual(['eventType', 'from'])
  expect(eventsApiQuery(bad.filters)).toMatchObject({ eventType: undefined, from: undefined })
  expect(parseEventFilters(new URLSearchParams('from=2026-11-02T00:00&to=2026-11-01T00:00')).errors).toEqual([{ field: 'to', message: 'The end must be after the start.' }])
})

test('the unfiltered first page is the live stream', () => {
  expect(isStream(parseEventFilters(new URLSearchParams('')).filters)).toBe(true)
  expect(isStream(parseEventFilters(new URLSearchParams('userId=x')).filters)).toBe(false)
  expect(isStream(parseEventFilters(new URLSearchParams('page=2')).filters)).toBe(false)
})
