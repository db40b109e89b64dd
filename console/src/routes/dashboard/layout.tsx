// The signed-in area: no session → /login?next=…; the sidebar links every section.
import { component$, Slot } from '@builder.io/qwik'
import { routeLoader$, type RequestHandler } from '@builder.io/qwik-city'
import { NavLink } from '../../components/ui'
import { apiFetch, type ApiData } from '../../lib/api'
import { loginPath, readSession } from '../../lib/session'

export type Me = ApiData<'/api/v1/auth/me', 'get'>

export const onRequest: RequestHandler = async (ev) => {
  const s = readSession(ev)
  if (!s.accessToken && !s.refreshToken) throw ev.redirect(302, loginPath(ev))
}

/** The signed-in admin; verifies (and if needed refreshes) the session on every dashboard page. */
export const useMe = routeLoader$(async (ev) => {
  const r = await apiFetch<Me>(ev, '/api/v1/auth/me')
  if (!r.ok) throw ev.redirect(302, loginPath(ev))
  return r.data
})

export default component$(() => {
  const me = useMe()
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Dashboard">
        <p class="muted" style="margin:0 0 .5rem">Signed in as <strong style="color:var(--text)">{me.value.name}</strong></p>
        <ul>
          <li><NavLink href="/dashboard" exact>Overview</NavLink></li>
          <li><NavLink href="/dashboard/tenants">Tenants</NavLink></li>
        </ul>
        <h2>Account</h2>
        <ul>
          <li><NavLink href="/dashboard/settings" exact>Settings</NavLink></li>
          <li><NavLink href="/dashboard/settings/billing">Billing</NavLink></li>
          <li><NavLink href="/dashboard/settings/team">Team</NavLink></li>
        </ul>
      </nav>
      <div class="content"><Slot /></div>
    </div>
  )
})
