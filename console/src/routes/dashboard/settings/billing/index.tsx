import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'
import { PageHeader } from '../../../../components/ui'

export default component$(() => (
  <>
    <PageHeader title="Billing" />
    <div class="empty">
      <p><strong>Coming soon</strong></p>
      <p>Subscription plans and usage-based invoices arrive in Phase 2. Until then every account is on the free plan; see the pricing page for what is coming.</p>
      <p><Link href="/pricing">See pricing</Link></p>
    </div>
  </>
))

export const head: DocumentHead = { title: 'Billing (coming soon)' }
