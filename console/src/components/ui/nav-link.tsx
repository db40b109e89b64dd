import { component$, Slot } from '@builder.io/qwik'
import { Link, useLocation } from '@builder.io/qwik-city'

/** A link that marks itself aria-current="page" on its page (or below it, unless `exact`). */
export const NavLink = component$<{ href: string; exact?: boolean; class?: string }>(({ href, exact, class: cls }) => {
  const loc = useLocation()
  const path = loc.url.pathname.replace(/\/$/, '') || '/'
  const current = exact ? path === href : path === href || path.startsWith(href + '/')
  return <Link href={href} class={cls} aria-current={current ? 'page' : undefined}><Slot /></Link>
})
