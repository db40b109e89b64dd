import { describe, expect, test } from 'bun:test'
import { formatRevenue, revenueTotal } from './revenue'

describe('dashboard revenue', () => {
  test('one tenant with revenue among others without: its sum in its currency, not "Mixed currencies"', () => {
    expect(revenueTotal([{ revenue: 1234.5, currency: 'EUR' }, { revenue: 0, currency: null }, { revenue: 0, currency: 'USD' }]))
      .toEqual({ value: '€1,234.50' })
  })
  test('two tenants with revenue in different currencies: mixed, see the table', () => {
    expect(revenueTotal([{ revenue: 10, currency: 'EUR' }, { revenue: 5, currency: 'USD' }])).toEqual({ value: 'Mixed currencies', hint: 'see per tenant below' })
  })
  test('the same currency adds up; no revenue anywhere is a dash, not $0.00', () => {
    expect(revenueTotal([{ revenue: 10, currency: 'GBP' }, { revenue: 5, currency: 'GBP' }]).value).toBe('£15.00')
    expect(revenueTotal([{ revenue: 0, currency: null }, { revenue: 0, currency: 'USD' }])).toEqual({ value: '—', hint: 'no attributed purchases yet' })
    expect(revenueTotal([])).toEqual({ value: '—', hint: 'no attributed purchases yet' })
  })
  test('a tenant without a currency: no dollar sign', () => {
    expect(formatRevenue(0, null)).toBe('—')
    expect(formatRevenue(12.5, null)).toBe('12.50')
    expect(formatRevenue(0, 'USD')).toBe('$0.00')
    expect(formatRevenue(12.5, 'EUR')).toBe('€12.50')
  })
})
