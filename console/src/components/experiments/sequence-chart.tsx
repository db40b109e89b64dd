import { component$ } from '@builder.io/qwik'
import { formatPercent } from '../analytics/format'
import { sequenceGeometry, type SequenceDay } from './sequence'

const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7c3aed']

/**
 * Each arm's lift over time with its confidence sequence (a band that must
 * leave 0 for a decision). role="img" with a summary label; the daily table
 * below it carries the figures.
 */
export const SequenceChart = component$<{ days: SequenceDay[]; label: string }>(({ days, label }) => {
  const g = sequenceGeometry(days)
  return (
    <svg viewBox={`0 0 ${g.width} ${g.height}`} width="100%" role="img" aria-label={label} focusable="false" data-testid="sequence-chart">
      {g.yTicks.map((t, i) => (
        <g key={i}>
          <line x1={g.plot.x} x2={g.plot.x + g.plot.width} y1={t.y} y2={t.y} stroke="#e5e7eb" />
          <text x={g.plot.x - 6} y={t.y + 4} text-anchor="end" font-size="12" fill="#4b5563">{formatPercent(t.value, 1)}</text>
        </g>
      ))}
      <line x1={g.plot.x} x2={g.plot.x + g.plot.width} y1={g.zeroY} y2={g.zeroY} stroke="#111827" stroke-dasharray="4 3" />
      {g.xLabels.map((l) => <text key={l.date} x={l.x} y={g.height - 8} text-anchor="middle" font-size="12" fill="#4b5563">{l.date}</text>)}
      {g.series.map((s, i) => (
        <g key={s.key} data-arm={s.key}>
          {s.band && <polygon points={s.band} fill={COLORS[i % COLORS.length]} opacity="0.15" />}
          {s.line && <polyline points={s.line} fill="none" stroke={COLORS[i % COLORS.length]} stroke-width="2" />}
          {s.last && <text x={s.last.x - 4} y={s.last.y - 6} text-anchor="end" font-size="12" fill={COLORS[i % COLORS.length]}>{s.key}</text>}
        </g>
      ))}
    </svg>
  )
})
