// The experiments table (name, status, arms, traffic, metric, placement, start): the console's list and the
// embedded one (F-016) show the same; `search` is what each link carries besides the id (an embed session).
import { component$ } from '@builder.io/qwik'
import { Link } from '@builder.io/qwik-city'
import { metricLabel, STATUS_LABELS, strategyLabel } from './labels'
import { STATUS_BADGE, type Experiment } from './types'

export const ExperimentsTable = component$<{ rows: Experiment[]; base: string; search?: string }>(({ rows, base, search }) => (
  <div class="table-wrap">
    <table id="experiments-table">
      <caption class="sr-only">Experiments</caption>
      <thead><tr>
        <th scope="col">Name</th><th scope="col">Status</th><th scope="col">Control</th><th scope="col">Variant</th>
        <th scope="col" class="num">Variant traffic</th><th scope="col">Metric</th><th scope="col">Placement</th><th scope="col">Started</th>
      </tr></thead>
      <tbody>
        {rows.map((e) => (
          <tr key={e.id}>
            <th scope="row" style="font-weight:400;background:none"><Link href={`${base}/${e.id}${search ?? ''}`}>{e.name}</Link></th>
            <td><span class={STATUS_BADGE[e.status]}>{STATUS_LABELS[e.status]}</span></td>
            <td>{strategyLabel(e.control)}</td>
            <td>{strategyLabel(e.variant)}</td>
            <td class="num">{e.trafficSplit}%</td>
            <td>{metricLabel(e.metric)}</td>
            <td>{e.placement ?? <span class="muted">all</span>}</td>
            <td>{e.startedAt ? `${e.startedAt.slice(0, 16).replace('T', ' ')} UTC` : <span class="muted">not started</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
))
