import { component$ } from '@builder.io/qwik'
import { DataTable } from '../ui'
import { chartSummary, lineChartGeometry, shortDate, type Series } from './chart'
import { formatCompact, formatCount } from './format'

/**
 * A daily line chart as inline SVG (role="img", its numbers summarised in the
 * aria-label) followed by the same data as a table, so nothing is only visual.
 */
export const LineChart = component$<{ id: string; title: string; labels: string[]; series: Series[] }>(({ id, title, labels, series }) => {
  const g = lineChartGeometry(labels, series)
  const { plot } = g
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}><strong>{title}</strong></figcaption>
      <ul class="chart-legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.key}><svg width="24" height="10" focusable="false"><line x1="0" y1="5" x2="24" y2="5" stroke={s.color} stroke-width="3" /></svg>{s.label}</li>
        ))}
      </ul>
      <svg id={id} viewBox={`0 0 720 260`} width="100%" role="img" aria-label={chartSummary(labels, series)} preserveAspectRatio="xMidYMid meet" focusable="false">
        {g.yTicks.map((t) => (
          <g key={`y${t.value}`}>
            <line x1={plot.x} x2={plot.x + plot.width} y1={t.y} y2={t.y} stroke="#d1d5db" stroke-width="1" />
            <text x={plot.x - 8} y={t.y + 4} text-anchor="end" font-size="12" fill="#4b5563">{formatCompact(t.value)}</text>
          </g>
        ))}
        {g.xTicks.map((t) => (
          <text key={`x${t.index}`} x={t.x} y={plot.y + plot.height + 20} text-anchor={t.index === labels.length - 1 && labels.length > 1 ? 'end' : 'middle'} font-size="12" fill="#4b5563">{shortDate(t.label)}</text>
        ))}
        <line x1={plot.x} x2={plot.x} y1={plot.y} y2={plot.y + plot.height} stroke="#6b7280" />
        {g.lines.map((l) => (
          <g key={l.key} data-series={l.key}>
            <path d={l.d} fill="none" stroke={l.color} stroke-width="2.5" stroke-linejoin="round" />
            {l.points.length <= 31 && l.points.map((p, i) => <circle key={i} cx={p.x} cy={p.y} r="3" fill={l.color} />)}
          </g>
        ))}
      </svg>
      <details class="chart-table">
        <summary>Show the chart's data as a table</summary>
        <DataTable
          caption={title}
          captionHidden
          columns={[{ key: 'date', label: 'Date' }, ...series.map((s) => ({ key: s.key, label: s.label, numeric: true }))]}
          rows={labels.map((date, i) => Object.fromEntries([['date', date], ...series.map((s) => [s.key, formatCount(s.values[i])])]))}
          empty="No days in this range."
        />
      </details>
    </figure>
  )
})
