import { expect, test } from 'bun:test'
import { formatCompact, formatCount, formatDuration, formatMoney, formatPercent, formatPValue } from './format.ts'

test('counts group thousands and show a dash for missing values', () => {
  expect(formatCount(1234567)).toBe('1,234,567')
  expect(formatCount(0)).toBe('0')
  expect(formatCount(null)).toBe('–')
  expect(formatCount(Number.NaN)).toBe('–')
})
test('percent from a 0–1 ratio', () => {
  expect(formatPercent(0.03254)).toBe('3.25%')
  expect(formatPercent(1)).toBe('100.00%')
  expect(formatPercent(0)).toBe('0.00%')
  expect(formatPercent(0.5, 0)).toBe('50%')
})
test('money in the tenant currency, unknown codes still readable', () => {
  expect(formatMoney(1234.5, 'USD')).toBe('$1,234.50')
  expect(formatMoney(10, 'EUR')).toBe('€10.00')
  expect(formatMoney(10, 'ZZ1')).toBe('10.00 ZZ1')
  expect(formatMoney(undefined, 'USD')).toBe('–')
  expect(formatMoney(1234.5, null)).toBe('1,234.50')
})
test('compact axis labels', () => {
  expect(formatCompact(950)).toBe('950')
  expect(formatCompact(1200)).toBe('1.2k')
  expect(formatCompact(2000)).toBe('2k')
  expect(formatCompact(3_400_000)).toBe('3.4M')
  expect(formatCompact(2.5)).toBe('2.5')
})
test('p-values and durations', () => {
  expect(formatPValue(0.0004)).toBe('< 0.001')
  expect(formatPValue(0.04567)).toBe('0.046')
  expect(formatPValue(null)).toBe('–')
  expect(formatDuration(45)).toBe('45 s')
  expect(formatDuration(125)).toBe('2 min')
  expect(formatDuration(7500)).toBe('2 h 5 min')
  expect(formatDuration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h')
})
