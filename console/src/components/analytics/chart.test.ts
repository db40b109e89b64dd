import { describe, expect, test } from 'bun:test'
import { chartSummary, DEFAULT_BOX, lineChartGeometry, niceTicks, shortDate } from './chart.ts'

describe('niceTicks', () => {
  test('0-based steps of 1, 2, 2.5 or 5 × 10^k covering the maximum', () => {
    expect(niceTicks(100)).toEqual([0, 25, 50, 75, 100])
    expect(niceTicks(7)).toEqual([0, 2, 4, 6, 8])
    expect(niceTicks(1234)).toEqual([0, 500, 1000, 1500])
    expect(niceTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3])
  })
  test('an all-zero series still has an axis', () => {
    expect(niceTicks(0)).toEqual([0, 1])
  })
})

describe('lineChartGeometry', () => {
  const labels = ['2026-11-01', '2026-11-02', '2026-11-03']
  const g = lineChartGeometry(labels, [
    { key: 'impressions', label: 'Impressions', color: '#000', values: [0, 50, 100] },
    { key: 'clicks', label: 'Clicks', color: '#111', values: [10, 0, 5] },
  ])
  test('x spans the plot, y maps 0 to the bottom and the top tick to the top', () => {
    const { plot } = g
    const [a, b, c] = g.lines[0]!.points
    expect(a).toEqual({ x: plot.x, y: plot.y + plot.height })
    expect(b!.x).toBe(plot.x + plot.width / 2)
    expect(c).toEqual({ x: plot.x + plot.width, y: plot.y })
    expect(g.lines[0]!.d).toBe(`M${plot.x} ${plot.y + plot.height} L${b!.x} ${b!.y} L${plot.x + plot.width} ${plot.y}`)
    expect(plot.width).toBe(DEFAULT_BOX.width - DEFAULT_BOX.left - DEFAULT_BOX.right)
  })
  test('y ticks go from 0 at the bottom to the maximum at the top', () => {
    expect(g.yTicks[0]).toEqual({ value: 0, y: g.plot.y + g.plot.height })
    expect(g.yTicks[g.yTicks.length - 1]).toEqual({ value: 100, y: g.plot.y })
  })
  test('x ticks thin out for long ranges but keep the first and last day', () => {
    const days = Array.from({ length: 30 }, (_, i) => `d${i}`)
    const t = lineChartGeometry(days, [{ key: 'a', label: 'A', color: '#000', values: days.map(() => 1) }]).xTicks
    expect(t.length).toBeLessThanOrEqual(8)
    expect(t[0]!.index).toBe(0)
    expect(t[t.length - 1]!.index).toBe(29)
    for (let i = 1; i < t.length; i++) expect(t[i]!.index - t[i - 1]!.index).toBeGreaterThanOrEqual(2)
  })
  test('a single day is centred', () => {
    const one = lineChartGeometry(['d'], [{ key: 'a', label: 'A', color: '#000', values: [3] }])
    expect(one.lines[0]!.points[0]!.x).toBe(one.plot.x + one.plot.width / 2)
  })
})

test('shortDate and chartSummary', () => {
  expect(shortDate('2026-11-05')).toBe('Nov 5')
  expect(chartSummary([], [])).toBe('No data in this range.')
  const s = chartSummary(['2026-11-01', '2026-11-02'], [
    { key: 'i', label: 'Impressions', color: '#000', values: [1000, 2500] },
    { key: 'c', label: 'Clicks', color: '#000', values: [0, 0] },
  ])
  expect(s).toBe('Daily impressions, clicks from 2026-11-01 to 2026-11-02. Impressions: 3,500 in total, peak 2,500 on 2026-11-02; Clicks: 0 in total.')
})
