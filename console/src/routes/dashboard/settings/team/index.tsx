import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'
import { PageHeader } from '../../../../components/ui'

export default component$(() => (
  <>
    <PageHeader title="Team" />
    <div class="empty">
      <p><strong>Coming soon</strong></p>
      <p>Inviting colleagues with their own sign-in and roles arrives in Phase 2. Until then, each admin account manages its own tenants.</p>
      <p><Link href="/pricing">See pricing</Link></p>
    </div>
  </>
))

export const head: DocumentHead = { title: 'Team (coming soon)' }
