// The embedded pages (F-016): none of the console's chrome (the root layout steps aside for /embed), navigation or
// session cookie. The token in the URL is exchanged for a short session on the first load, then replaced by
// it in the address (history.replaceState); the tenant's allowed origins may frame the page, no one else.
// An invalid, expired, revoked or other tenant's token shows the 401 page and no data.
import { component$, Slot, useVisibleTask$ } from '@builder.io/qwik'
import { routeLoader$, type RequestEventBase, type RequestHandler } from '@builder.io/qwik-city'
import { frameAncestors, openEmbed, themeLogo, themeStyle, urlWithSession } from '../../lib/embed'

export const onRequest: RequestHandler = async ({ headers }) => {
  headers.set('Cache-Control', 'private, no-store')
  // The URL may carry the token: no Referer leaves the page with it.
  headers.set('Referrer-Policy', 'no-referrer')
}

/** The 401 answer: no data, and nothing in it worth framing protection (it says only that the link is not valid). */
export function denyEmbed(ev: RequestEventBase & { status(code: number): void }) {
  ev.status(401)
  ev.headers.set('content-security-policy', 'frame-ancestors *')
}

export const useEmbedSession = routeLoader$(async (ev) => {
  const r = await openEmbed(ev, ev.url.searchParams)
  if (!r.ok) {
    denyEmbed(ev)
    return null
  }
  ev.headers.set('content-security-policy', frameAncestors(r.data.allowedOrigins))
  return r.data
})

/** What an embedded page shows instead of data. */
export const EmbedDenied = component$(() => (
  <div class="embed-denied">
    <h1>This view is not available</h1>
    <p id="embed-denied">The link has expired or is not valid (401). Reload the page that shows it to get a new one.</p>
  </div>
))

export default component$(() => {
  const s = useEmbedSession()
  // eslint-disable-next-line qwik/no-use-visible-task -- the address bar exists only in the browser
  useVisibleTask$(({ track }) => {
    const session = track(() => s.value?.session)
    if (session && new URL(location.href).searchParams.has('token')) history.replaceState(history.state, '', urlWithSession(location.href, session))
  })
  // Each page shows the 401 page itself when the session is missing (its loader returns null).
  if (!s.value) return <main id="main" class="container"><Slot /></main>
  const logo = themeLogo(s.value.theme)
  return (
    <div class="embed" lang={s.value.locale ?? undefined} style={themeStyle(s.value.theme)}>
      {!s.value.hideChrome && (
        <header class="embed-header">
          {logo && <img src={logo} alt="" height={32} />}
          <span class="muted small">Analytics</span>
        </header>
      )}
      <main id="main" class="container">
        <Slot />
      </main>
    </div>
  )
})
