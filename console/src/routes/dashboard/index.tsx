// KPIs across all of the admin's tenants (GET /api/v1/analytics/overview).
import { component$ } from '@builder.io/qwik'
import { Link, routeLoader$, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, EmptyState, KpiCard, KpiGrid, PageHeader } from '../../components/ui'
import { apiFetch, type ApiData } from '../../lib/api'
import { formatInt, formatPercent } from '../../lib/format'
import { formatRevenue, revenueTotal } from '../../lib/revenue'

type TenantKpis = ApiData<'/api/v1/analytics/overview', 'get'>[number]
const RANGES = ['7d', '30d', '90d'] as const

export const useOverview = routeLoader$(async (ev) => {
  const q = ev.query.get('range')
  const range = (RANGES as readonly string[]).includes(q ?? '') ? q! : '30d'
  const [overview, tenants] = await Promise.all([
    apiFetch<TenantKpis[]>(ev, '/api/v1/analytics/overview', { query: { range } }),
    apiFetch<ApiData<'/api/v1/tenants', 'get'>>(ev, '/api/v1/tenants', { query: { limit: 1 } }),
  ])
  const rows = overview.ok && Array.isArray(overview.data) ? overview.data : null
  return {
    range,
    rows,
    unavailable: !overview.ok ? (overview.status === 404 ? 'Analytics are not available on this server yet.' : overview.problem.title) : null,
    tenantCount: tenants.ok ? (tenants.meta?.pagination?.total ?? tenants.data.length) : 0,
  }
})

export default component$(() => {
  const o = useOverview()
  const rows = o.value.rows ?? []
  const revenue = revenueTotal(rows)
  const sum = (k: 'impressions' | 'clicks' | 'conversions') => rows.reduce((a, r) => a + (Number(r[k]) || 0), 0)
  const impressions = sum('impressions')
  const clicks = sum('clicks')
  return (
    <>
      <PageHeader title="Overview" lead={`Your recommendations across every tenant, last ${o.value.range.replace('d', ' days')}.`}>
        <nav aria-label="Date range">
          <ul class="nav">
            {RANGES.map((r) => <li key={r}><Link href={`?range=${r}`} aria-current={r === o.value.range ? 'true' : undefined}>{r.replace('d', ' days')}</Link></li>)}
          </ul>
        </nav>
      </PageHeader>
      {o.value.tenantCount === 0 ? (
        <EmptyState title="No tenants yet">
          <p>A tenant is one store: it has its own catalog, API keys and analytics.</p>
          <Link class="btn" href="/dashboard/tenants">Create your first tenant</Link>
        </EmptyState>
      ) : o.value.unavailable ? (
        <Alert kind="info" title="No analytics yet.">{o.value.unavailable} Your tenants are listed on the <Link href="/dashboard/tenants">Tenants</Link> page.</Alert>
      ) : (
        <>
          <KpiGrid label="Totals across tenants">
            <KpiCard label="Impressions" value={formatInt(impressions)} />
            <KpiCard label="Clicks" value={formatInt(clicks)} />
            <KpiCard label="Click-through rate" value={formatPercent(impressions ? clicks / impressions : 0)} />
            <KpiCard label="Conversions" value={formatInt(sum('conversions'))} />
            <KpiCard label="Attributed revenue" value={revenue.value} hint={revenue.hint} />
          </KpiGrid>
          <div class="table-wrap">
            <table>
              <caption>Per tenant</caption>
              <thead>
                <tr><th scope="col">Tenant</th><th scope="col" class="num">Impressions</th><th scope="col" class="num">Clicks</th><th scope="col" class="num">CTR</th><th scope="col" class="num">Conversions</th><th scope="col" class="num">Revenue</th></tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.tenantId}>
                    <th scope="row" style="font-weight:400;background:none"><Link href={`/dashboard/tenants/${r.tenantId}/analytics`}>{r.name}</Link></th>
                    <td class="num">{formatInt(r.impressions)}</td>
                    <td class="num">{formatInt(r.clicks)}</td>
                    <td class="num">{formatPercent(r.ctr)}</td>
                    <td class="num">{formatInt(r.conversions)}</td>
                    <td class="num">{formatRevenue(r.revenue, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'Dashboard' }
