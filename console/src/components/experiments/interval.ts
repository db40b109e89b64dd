// Geometry of the control-vs-variant chart (pure): each arm's estimate as a
// dot on a shared horizontal axis with its 95 % confidence interval as a bar.

export interface ArmEstimate { key: 'control' | 'variant'; label: string; value: number | null; ci: [number, number] | null }
export interface IntervalRow { key: string; label: string; y: number; x: number | null; lo: number | null; hi: number | null }
export interface IntervalGeometry {
  width: number; height: number
  plot: { x: number; y: number; width: number; height: number }
  ticks: { value: number; x: number }[]
  rows: IntervalRow[]
}

/** Lays the arms out one per row; the axis spans every estimate and interval with 5 % padding. */
export function intervalGeometry(arms: ArmEstimate[], width = 640, rowHeight = 56, labelWidth = 120): IntervalGeometry {
  const values = arms.flatMap((a) => [a.value, ...(a.ci ?? [])]).filter((v): v is number => v !== null && Number.isFinite(v))
  let lo = values.length ? Math.min(...values) : 0
  let hi = values.length ? Math.max(...values) : 1
  if (lo >= 0 && lo <= hi * 0.5) lo = 0 // near zero: start at zero, easier to read
  if (hi === lo) { hi = lo + (lo === 0 ? 1 : Math.abs(lo) * 0.1) }
  const pad = (hi - lo) * 0.05
  const domain: [number, number] = [lo === 0 ? 0 : lo - pad, hi + pad]
  const plot = { x: labelWidth, y: 8, width: width - labelWidth - 24, height: arms.length * rowHeight }
  const xAt = (v: number) => Math.round((plot.x + ((v - domain[0]) / (domain[1] - domain[0])) * plot.width) * 10) / 10
  const step = (domain[1] - domain[0]) / 4
  const ticks = [0, 1, 2, 3, 4].map((i) => { const value = domain[0] + i * step; return { value, x: xAt(value) } })
  return {
    width, height: plot.y + plot.height + 28, plot, ticks,
    rows: arms.map((a, i) => ({
      key: a.key, label: a.label, y: plot.y + i * rowHeight + rowHeight / 2,
      x: a.value === null || !Number.isFinite(a.value) ? null : xAt(a.value),
      lo: a.ci ? xAt(a.ci[0]) : null, hi: a.ci ? xAt(a.ci[1]) : null,
    })),
  }
}
