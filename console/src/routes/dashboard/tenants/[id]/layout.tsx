// One tenant: loads it (another admin's tenant → 404 page) and shows its sections as tabs.
import { component$, Slot } from '@builder.io/qwik'
import { Link, routeLoader$, type RequestEventBase, type RequestHandler } from '@builder.io/qwik-city'
import { NavLink } from '../../../../components/ui'
import { apiFetch, type ApiData } from '../../../../lib/api'

export type Tenant = ApiData<'/api/v1/tenants/{id}', 'get'>

const TENANT = 'tenant'
const fetchTenant = (ev: RequestEventBase & { params: Record<string, string> }) => apiFetch<Tenant>(ev, `/api/v1/tenants/${encodeURIComponent(ev.params.id)}`)

// An unknown id, or another admin's tenant, renders the not-found page (404)
// before any page below runs: those pages can rely on the tenant existing.
export const onRequest: RequestHandler = async (ev) => {
  const r = await fetchTenant(ev)
  if (!r.ok) throw ev.rewrite('/dashboard/not-found')
  ev.sharedMap.set(TENANT, r.data)
}

/** The tenant of the URL, for this layout and every page below it (`import { useTenant } from '../layout'`). */
export const useTenant = routeLoader$(async (ev): Promise<Tenant> => {
  // After an action the tenant may have changed since onRequest read it.
  if (ev.method === 'GET' && ev.sharedMap.has(TENANT)) return ev.sharedMap.get(TENANT) as Tenant
  const r = await fetchTenant(ev)
  if (!r.ok) throw ev.redirect(302, '/dashboard/tenants')
  return r.data
})

const SECTIONS = [
  ['', 'Overview'], ['/analytics', 'Analytics'], ['/catalog', 'Catalog'], ['/events', 'Events'],
  ['/imports', 'Import data'], ['/segments', 'Segments'], ['/experiments', 'Experiments'], ['/rules', 'Rules'], ['/widgets', 'Widgets'], ['/api-keys', 'API keys'], ['/webhooks', 'Webhooks'],
] as const

export default component$(() => {
  const tenant = useTenant()
  const base = `/dashboard/tenants/${tenant.value.id}`
  return (
    <>
      <p class="muted" style="margin:0 0 .25rem"><Link href="/dashboard/tenants">Tenants</Link> / {tenant.value.name}</p>
      <nav aria-label={`Tenant ${tenant.value.name}`}>
        <ul class="tabs">
          {SECTIONS.map(([path, label]) => <li key={path}><NavLink href={base + path} exact={path === ''}>{label}</NavLink></li>)}
        </ul>
      </nav>
      <Slot />
    </>
  )
})
