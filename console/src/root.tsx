import { component$ } from '@builder.io/qwik'
import { QwikCityProvider, RouterOutlet, useDocumentHead, useLocation } from '@builder.io/qwik-city'
import './global.css'

/** The page's address without credentials (an embedded page's token or session). */
function canonical(url: URL): string {
  const u = new URL(url)
  u.searchParams.delete('token')
  u.searchParams.delete('session')
  return u.href
}

const RouterHead = component$(() => {
  const head = useDocumentHead()
  const loc = useLocation()
  return (
    <>
      <title>{head.title ? `${head.title} · RecomEngine` : 'RecomEngine'}</title>
      <link rel="canonical" href={canonical(loc.url)} />
      <meta name="viewport" content="width=device-width, initial-scale=1.0" />
      <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
      {head.meta.map((m) => <meta key={m.key} {...m} />)}
      {head.links.map((l) => <link key={l.key} {...l} />)}
    </>
  )
})

export default component$(() => (
  <QwikCityProvider>
    <head>
      <meta charset="utf-8" />
      <RouterHead />
    </head>
    <body>
      <RouterOutlet />
    </body>
  </QwikCityProvider>
))
