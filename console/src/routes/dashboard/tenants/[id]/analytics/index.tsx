// Per-tenant analytics (F-009, flow §4.5): the shared analytics dashboard
// (components/analytics/analytics-dashboard.tsx) as the signed-in admin sees it.
import { $, component$ } from '@builder.io/qwik'
import { routeLoader$, server$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { AnalyticsDashboard } from '../../../../../components/analytics/analytics-dashboard'
import { loadAnalytics } from '../../../../../components/analytics/load'

export const useAnalytics = routeLoader$((ev) => loadAnalytics(ev, ev.params.id, ev.url.searchParams))

/** The refresh: the same loader, called from the browser through a server$ RPC (session cookie included). */
export const refreshAnalytics = server$(function (tenantId: string, search: string) {
  return loadAnalytics(this, tenantId, new URLSearchParams(search))
})

export default component$(() => {
  const loaded = useAnalytics()
  const loc = useLocation()
  const id = loc.params.id
  const base = `/dashboard/tenants/${id}/analytics`
  return <AnalyticsDashboard loaded={loaded.value} base={base} exportPath={`${base}/export`} refresh$={$((search: string) => refreshAnalytics(id, search))} />
})

export const head: DocumentHead = { title: 'Analytics · RecomEngine' }
