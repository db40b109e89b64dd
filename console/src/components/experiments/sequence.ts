// Geometry of the "lift over time" chart (pure): per arm, the cumulative lift
// by exposure day as a line and its confidence sequence (or fixed interval) as
// a band, on one y axis that always shows 0 (the line the band must leave).

export interface SequenceDay { date: string; arms: { key: string; lift: number | null; liftInterval: [number, number] | null }[] }
export interface SequenceSeries { key: string; line: string; band: string; last: { x: number; y: number } | null }
export interface SequenceGeometry {
  width: number; height: number
  plot: { x: number; y: number; width: number; height: number }
  zeroY: number
  yTicks: { value: number; y: number }[]
  xLabels: { date: string; x: number }[]
  series: SequenceSeries[]
}

export function sequenceGeometry(days: SequenceDay[], width = 640, height = 240): SequenceGeometry {
  const plot = { x: 56, y: 8, width: width - 56 - 16, height: height - 8 - 28 }
  const values = days.flatMap((d) => d.arms.flatMap((a) => [a.lift, ...(a.liftInterval ?? [])])).filter((v): v is number => v !== null && Number.isFinite(v))
  let lo = Math.min(0, ...values), hi = Math.max(0, ...values)
  if (hi === lo) { lo -= 0.05; hi += 0.05 }
  const pad = (hi - lo) * 0.05
  lo -= pad; hi += pad
  const yAt = (v: number) => Math.round((plot.y + (1 - (v - lo) / (hi - lo)) * plot.height) * 10) / 10
  const xAt = (i: number) => Math.round((plot.x + (days.length > 1 ? i / (days.length - 1) : 0.5) * plot.width) * 10) / 10
  const keys = [...new Set(days.flatMap((d) => d.arms.map((a) => a.key)))]
  const series = keys.map((key) => {
    const pts = days.map((d, i) => ({ i, a: d.arms.find((x) => x.key === key) }))
    const line = pts.filter((p) => p.a?.lift != null).map((p) => `${xAt(p.i)},${yAt(p.a!.lift!)}`)
    const banded = pts.filter((p) => p.a?.liftInterval)
    const upper = banded.map((p) => `${xAt(p.i)},${yAt(p.a!.liftInterval![1])}`)
    const lower = banded.map((p) => `${xAt(p.i)},${yAt(p.a!.liftInterval![0])}`).reverse()
    const lastPoint = pts.filter((p) => p.a?.lift != null).at(-1)
    return {
      key, line: line.join(' '), band: upper.length ? [...upper, ...lower].join(' ') : '',
      last: lastPoint ? { x: xAt(lastPoint.i), y: yAt(lastPoint.a!.lift!) } : null,
    }
  })
  const step = (hi - lo) / 4
  return {
    width, height, plot, zeroY: yAt(0),
    yTicks: [0, 1, 2, 3, 4].map((k) => { const value = lo + k * step; return { value, y: yAt(value) } }),
    xLabels: days.length ? [...new Set([0, days.length - 1])].map((i) => ({ date: days[i]!.date, x: xAt(i) })) : [],
    series,
  }
}
