import { describe, expect, test } from 'bun:test'
import { addDays, dayOf, daysBetween, daysOf, isDay, weekOf } from './dates.ts'

describe('dates', () => {
  test('dayOf: the UTC day, whatever the local offset of the instant written', () => {
    expect(dayOf(new Date('2026-03-18T23:59:59.999Z'))).toBe('2026-03-18')
    expect(dayOf(new Date('2026-03-18T23:30:00-02:00'))).toBe('2026-03-19')
    expect(dayOf(new Date('2026-03-19T00:30:00+02:00'))).toBe('2026-03-18')
  })

  test('weekOf: the Monday of the ISO week (Sunday belongs to the week before), across month and year ends', () => {
    expect(weekOf('2026-03-16')).toBe('2026-03-16') // a Monday
    expect(weekOf('2026-03-18')).toBe('2026-03-16')
    expect(weekOf('2026-03-22')).toBe('2026-03-16') // Sunday
    expect(weekOf('2026-03-23')).toBe('2026-03-23')
    expect(weekOf('2026-03-01')).toBe('2026-02-23')
    expect(weekOf('2027-01-01')).toBe('2026-12-28')
  })

  test('addDays and daysBetween: whole UTC days, through month ends, leap days and DST dates', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01')
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30') // a DST change in Europe: no effect on UTC days
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(daysBetween('2026-02-27', '2026-03-01')).toBe(2)
    expect(daysBetween('2026-03-01', '2026-02-27')).toBe(-2)
    expect(daysBetween('2026-03-18', '2026-03-18')).toBe(0)
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365)
  })

  test('isDay: only real calendar days in YYYY-MM-DD form', () => {
    for (const s of ['2026-03-18', '2028-02-29', '2026-12-31']) expect(isDay(s)).toBe(true)
    for (const s of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-3-18', '2026-03-18T00:00:00Z', '18.03.2026', '']) expect(isDay(s)).toBe(false)
  })

  test('daysOf: every day of a closed range, oldest first; empty when from is after to', () => {
    expect(daysOf('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'])
    expect(daysOf('2026-03-18', '2026-03-18')).toEqual(['2026-03-18'])
    expect(daysOf('2026-03-19', '2026-03-18')).toEqual([])
  })
})
