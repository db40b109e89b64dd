import { component$, Slot } from '@builder.io/qwik'
import { NavLink } from '../../components/ui'

const PAGES = [
  ['/docs', 'Overview'], ['/docs/quickstart', 'Quick start'], ['/docs/sdk', 'JavaScript SDK'],
  ['/docs/api-reference', 'API reference'], ['/docs/events', 'Events'], ['/docs/experiments', 'A/B testing'],
] as const

export default component$(() => (
  <div class="container docs">
    <nav aria-label="Documentation">
      <ul>{PAGES.map(([href, label]) => <li key={href}><NavLink href={href} exact>{label}</NavLink></li>)}</ul>
    </nav>
    <article style="min-width:0"><Slot /></article>
  </div>
))
