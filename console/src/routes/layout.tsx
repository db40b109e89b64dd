// Every page: skip link, header (public or signed-in navigation), main, footer.
import { component$, Slot } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, type RequestHandler } from '@builder.io/qwik-city'
import { NavLink } from '../components/ui'
import { send } from '../lib/transport'
import { clearSession, readSession } from '../lib/session'

export const onRequest: RequestHandler = async ({ headers }) => {
  // Pages carry per-user content; never let a shared cache keep them.
  headers.set('Cache-Control', 'private, no-store')
}

/** Whether a session cookie is present (cheap: no API call; the dashboard layout verifies it). */
export const useSignedIn = routeLoader$((ev) => Boolean(readSession(ev).refreshToken))

export const useLogout = routeAction$(async (_, ev) => {
  const { refreshToken } = readSession(ev)
  if (refreshToken) await send(ev, '/api/v1/auth/logout', { method: 'POST', body: { refreshToken } }).catch(() => undefined)
  clearSession(ev)
  throw ev.redirect(303, '/login?signedOut=1')
})

/** Pages shown inside other sites' frames (routes/embed): their own layout, none of this chrome. */
const isEmbedded = (pathname: string) => pathname === '/embed' || pathname.startsWith('/embed/')

export default component$(() => {
  const signedIn = useSignedIn()
  const logout = useLogout()
  if (isEmbedded(useLocation().url.pathname)) return <Slot />
  return (
    <>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="site-header">
        <Link class="brand" href="/">RecomEngine</Link>
        <nav aria-label="Main">
          <ul class="nav">
            <li><NavLink href="/docs">Docs</NavLink></li>
            <li><NavLink href="/pricing">Pricing</NavLink></li>
            {signedIn.value ? (
              <>
                <li><NavLink href="/dashboard">Dashboard</NavLink></li>
                <li>
                  <Form action={logout}>
                    <button type="submit" class="btn btn-secondary">Sign out</button>
                  </Form>
                </li>
              </>
            ) : (
              <>
                <li><NavLink href="/login">Sign in</NavLink></li>
                <li><Link class="btn" href="/signup">Start free</Link></li>
              </>
            )}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Slot />
      </main>
      <footer class="site-footer">
        <div class="container" style="padding:0">RecomEngine — product recommendations, A/B tests and analytics for your shop. <Link href="/docs">Documentation</Link></div>
      </footer>
    </>
  )
})
