import { component$ } from '@builder.io/qwik'
import { intervalGeometry, type ArmEstimate } from './interval'
import { formatMetric } from './labels'

/**
 * Control vs variant: each arm's estimate (dot) with its 95 % confidence
 * interval (bar) on one axis. role="img" with the figures in its label; the
 * page's arm table carries the same numbers for screen readers and keyboards.
 */
export const IntervalChart = component$<{ arms: ArmEstimate[]; metric: string; currency?: string | null; label: string; tableId?: string }>(({ arms, metric, currency, label, tableId }) => {
  const g = intervalGeometry(arms)
  const colors: Record<string, string> = { control: '#4b5563', variant: '#1d4ed8' }
  return (
    <svg viewBox={`0 0 ${g.width} ${g.height}`} width="100%" role="img" aria-label={label} aria-describedby={tableId} focusable="false" class="interval-chart" data-testid="interval-chart">
      {g.ticks.map((t, i) => (
        <g key={i}>
          <line x1={t.x} x2={t.x} y1={g.plot.y} y2={g.plot.y + g.plot.height} stroke="#d1d5db" />
          <text x={t.x} y={g.plot.y + g.plot.height + 18} text-anchor="middle" font-size="12" fill="#4b5563">{formatMetric(metric, t.value, currency)}</text>
        </g>
      ))}
      {g.rows.map((r) => (
        <g key={r.key} data-arm={r.key}>
          <text x={8} y={r.y + 4} font-size="13" fill="#111827">{r.label}</text>
          {r.lo !== null && r.hi !== null && (
            <>
              <line x1={r.lo} x2={r.hi} y1={r.y} y2={r.y} stroke={colors[r.key] ?? '#111827'} stroke-width="6" stroke-linecap="round" opacity="0.45" />
              <line x1={r.lo} x2={r.lo} y1={r.y - 9} y2={r.y + 9} stroke={colors[r.key] ?? '#111827'} stroke-width="2" />
              <line x1={r.hi} x2={r.hi} y1={r.y - 9} y2={r.y + 9} stroke={colors[r.key] ?? '#111827'} stroke-width="2" />
            </>
          )}
          {r.x !== null && <circle cx={r.x} cy={r.y} r="7" fill={colors[r.key] ?? '#111827'} stroke="#ffffff" stroke-width="2" />}
        </g>
      ))}
    </svg>
  )
})
