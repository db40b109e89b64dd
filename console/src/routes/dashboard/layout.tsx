// The signed-in area: no session → /login?next=…; the sidebar links every section.
import { component$, Slot } from '@builder.io/qwik'
import { Form, routeAction$, routeLoader$, zod$, z, type RequestHandler } from '@builder.io/qwik-city'
import { NavLink } from '../../components/ui'
import { apiFetch, type ApiData } from '../../lib/api'
import { loginPath, readSession } from '../../lib/session'
import { ACCOUNT_COOKIE } from '../../lib/transport'

export type Me = ApiData<'/api/v1/auth/me', 'get'>
export type Account = ApiData<'/api/v1/account', 'get'>

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

/** The account the console acts in, the member's role there, and every account they belong to (the switcher). */
export const useAccount = routeLoader$(async (ev) => {
  await ev.resolveValue(useMe) // signed in first
  let r = await apiFetch<Account>(ev, '/api/v1/account')
  if (!r.ok && ev.cookie.get(ACCOUNT_COOKIE)) {
    // The chosen account is gone (removed from it): back to the default one.
    ev.cookie.delete(ACCOUNT_COOKIE, { path: '/' })
    r = await apiFetch<Account>(ev, '/api/v1/account')
  }
  return r.ok ? r.data : null
})

export const useSwitchAccount = routeAction$(async (form, ev) => {
  ev.cookie.set(ACCOUNT_COOKIE, form.accountId, { path: '/', httpOnly: true, sameSite: 'lax', secure: ev.url.protocol === 'https:', maxAge: [365, 'days'] })
  throw ev.redirect(303, '/dashboard')
}, zod$({ accountId: z.string().uuid() }))

export default component$(() => {
  const me = useMe()
  const account = useAccount()
  const switcher = useSwitchAccount()
  const a = account.value
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="Dashboard">
        <p class="muted" style="margin:0 0 .5rem">Signed in as <strong style="color:var(--text)">{me.value.name}</strong></p>
        {a && (
          <p class="muted" style="margin:0 0 .5rem" data-testid="current-account">
            <span>{a.name}</span> · <span>{a.role}</span>
          </p>
        )}
        {a && a.accounts.length > 1 && (
          <Form action={switcher} class="account-switcher">
            <label for="f-account">Account</label>
            <select id="f-account" name="accountId">
              {a.accounts.map((x) => <option key={x.id} value={x.id} selected={x.id === a.id}>{`${x.name} (${x.role})`}</option>)}
            </select>
            <button type="submit" class="btn btn-secondary">Switch</button>
          </Form>
        )}
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
