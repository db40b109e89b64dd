// Where unknown or foreign tenants are rewritten to (tenants/[id]/layout.tsx), with status 404.
import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead, type RequestHandler } from '@builder.io/qwik-city'

export const onRequest: RequestHandler = async ({ status }) => { status(404) }

export default component$(() => (
  <section>
    <h1>Tenant not found</h1>
    <p>This tenant does not exist or belongs to another account. <Link href="/dashboard/tenants">Back to your tenants</Link></p>
  </section>
))

export const head: DocumentHead = { title: 'Not found' }
