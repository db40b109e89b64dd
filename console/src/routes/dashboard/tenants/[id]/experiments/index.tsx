// The tenant's experiments (flow §4.4 starts here): newest first, with status.
import { component$ } from '@builder.io/qwik'
import { Link, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { pageHref, pager, parsePage, type Pagination } from '../../../../../components/catalog/query'
import { ExperimentsTable } from '../../../../../components/experiments/experiments-table'
import { STATUS_LABELS } from '../../../../../components/experiments/labels'
import type { Experiment } from '../../../../../components/experiments/types'
import { EmptyState, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { apiFetch } from '../../../../../lib/api'

const PAGE = 50
const STATUSES = ['draft', 'running', 'paused', 'completed'] as const

export const useExperiments = routeLoader$(async (ev) => {
  const status = ev.url.searchParams.get('status') ?? ''
  const page = parsePage(ev.url.searchParams.get('page'))
  const r = await apiFetch<Experiment[]>(ev, '/api/v1/experiments', {
    tenantId: ev.params.id,
    query: { limit: PAGE, offset: (page - 1) * PAGE, status: (STATUSES as readonly string[]).includes(status) ? status : undefined },
  })
  return r.ok
    ? { rows: r.data, pagination: r.meta?.pagination as Pagination, status, problem: null }
    : { rows: [] as Experiment[], pagination: null, status, problem: r.problem }
})

export default component$(() => {
  const list = useExperiments()
  const loc = useLocation()
  const base = `/dashboard/tenants/${loc.params.id}/experiments`
  const { rows, pagination, status, problem } = list.value
  const p = pagination ? pager(pagination) : null
  return (
    <>
      <PageHeader title="Experiments" lead="A/B tests of one recommendation strategy against another.">
        <Link class="btn" href={`${base}/new`}>New experiment</Link>
      </PageHeader>
      <ProblemAlert problem={problem} />
      <form method="get" action={base} class="form-row" aria-label="Filter experiments">
        <div class="field">
          <label for="x-status">Status</label>
          <select id="x-status" name="status">
            <option value="" selected={!status}>All</option>
            {STATUSES.map((s) => <option key={s} value={s} selected={s === status}>{STATUS_LABELS[s]}</option>)}
          </select>
        </div>
        <div class="field"><button class="btn btn-secondary" type="submit">Filter</button></div>
      </form>
      {rows.length === 0 && !problem
        ? (
          <EmptyState title={status ? `No ${STATUS_LABELS[status]?.toLowerCase() ?? ''} experiments.` : 'No experiments yet.'}>
            <p>Compare two strategies on live traffic: <Link href={`${base}/new`}>create your first experiment</Link>; it takes a minute.</p>
          </EmptyState>
        )
        : (
          <ExperimentsTable rows={rows} base={base} />
        )}
      {p && p.pages > 1 && (
        <nav aria-label="Pages" class="form-row">
          {p.prev && <Link href={pageHref(loc.url.searchParams, p.prev)}>Previous page</Link>}
          <span>Page {p.page} of {p.pages}</span>
          {p.next && <Link href={pageHref(loc.url.searchParams, p.next)}>Next page</Link>}
        </nav>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'Experiments · RecomEngine' }
