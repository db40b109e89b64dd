// Geometry of the daily line chart (pure): scales, nice ticks and SVG paths.
// The component only draws what this returns, so the maths is unit-tested.

export interface Series { key: string; label: string; color: string; values: number[] }
export interface ChartBox { width: number; height: number; top: number; right: number; bottom: number; left: number }
export const DEFAULT_BOX: ChartBox = { width: 720, height: 260, top: 16, right: 16, bottom: 32, left: 56 }

/** A "nice" upper bound and step for a 0-based axis (1, 2, 2.5, 5 × 10^k), at most `count` steps. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const ticks: number[] = []
  for (let v = 0; v < max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)))
  return ticks
}

export interface LineChartGeometry {
  plot: { x: number; y: number; width: number; height: number }
  yTicks: { value: number; y: number }[]
  xTicks: { index: number; x: number; label: string }[]
  lines: { key: string; label: string; color: string; d: string; points: { x: number; y: number }[] }[]
}

/** Lays out one line per series over `labels` (one per day); y from 0 to a nice maximum. */
export function lineChartGeometry(labels: string[], series: Series[], box: ChartBox = DEFAULT_BOX, maxXTicks = 7): LineChartGeometry {
  const plot = { x: box.left, y: box.top, width: box.width - box.left - box.right, height: box.height - box.top - box.bottom }
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter(Number.isFinite)))
  const ticks = niceTicks(max)
  const top = ticks[ticks.length - 1]!
  const n = labels.length
  const xAt = (i: number) => plot.x + (n <= 1 ? plot.width / 2 : (i * plot.width) / (n - 1))
  const yAt = (v: number) => plot.y + plot.height - (top > 0 ? (v / top) * plot.height : 0)
  const round = (v: number) => Math.round(v * 10) / 10
  const every = Math.max(1, Math.ceil(n / maxXTicks))
  // Every `every`-th day, plus the last day unless it would crowd the previous label.
  const idx = labels.map((_, i) => i).filter((i) => i % every === 0)
  if (n > 0 && idx[idx.length - 1] !== n - 1) {
    if (n - 1 - idx[idx.length - 1]! < every / 2 && idx.length > 1) idx.pop()
    idx.push(n - 1)
  }
  const xTicks = idx.map((index) => ({ index, x: round(xAt(index)), label: labels[index]! }))
  return {
    plot,
    yTicks: ticks.map((value) => ({ value, y: round(yAt(value)) })),
    xTicks,
    lines: series.map((s) => {
      const points = s.values.map((v, i) => ({ x: round(xAt(i)), y: round(yAt(Number.isFinite(v) ? v : 0)) }))
      return { key: s.key, label: s.label, color: s.color, points, d: points.map((p, i) => `${i ? 'L' : 'M'}${p.x} ${p.y}`).join(' ') }
    }),
  }
}

/** Short day label for the x axis: "2026-11-05" → "Nov 5". */
export function shortDate(iso: string): string {
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
}

/** The chart's text alternative (its aria-label): totals and peaks in one sentence. */
export function chartSummary(labels: string[], series: Series[]): string {
  if (!labels.length) return 'No data in this range.'
  const parts = series.map((s) => {
    const total = s.values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0)
    const peak = s.values.reduce((best, v, i) => (v > s.values[best]! ? i : best), 0)
    return `${s.label}: ${total.toLocaleString('en-US')} in total${total > 0 ? `, peak ${s.values[peak]!.toLocaleString('en-US')} on ${labels[peak]}` : ''}`
  })
  return `Daily ${series.map((s) => s.label.toLowerCase()).join(', ')} from ${labels[0]} to ${labels[labels.length - 1]}. ${parts.join('; ')}.`
}
