import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, EmptyState, FormField, PageHeader, ProblemAlert } from '../../../components/ui'
import { failWith, fieldError } from '../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../lib/api'
import { formatDate } from '../../../lib/format'
import { can, type Role } from '../../../lib/roles'
import { useAccount } from '../layout'

export const useTenants = routeLoader$(async (ev) => {
  const r = await apiFetch<ApiData<'/api/v1/tenants', 'get'>>(ev, '/api/v1/tenants', { query: { limit: 100 } })
  return r.ok ? { tenants: r.data, total: r.meta?.pagination?.total ?? r.data.length, error: null } : { tenants: [], total: 0, error: r.problem }
})

export const useCreateTenant = routeAction$(async (form, ev) => {
  const r = await apiFetch<ApiData<'/api/v1/tenants', 'post'>>(ev, '/api/v1/tenants', { method: 'POST', body: { name: form.name } satisfies ApiBody<'/api/v1/tenants', 'post'> })
  if (!r.ok) return failWith(ev, r)
  throw ev.redirect(303, `/dashboard/tenants/${r.data.id}?created=1`)
}, zod$({ name: z.string().trim().min(1, 'Give the tenant a name').max(120) }))

const badge = (s: string) => (s === 'active' ? 'badge badge-ok' : s === 'suspended' ? 'badge badge-warn' : 'badge badge-err')

export default component$(() => {
  const list = useTenants()
  const create = useCreateTenant()
  const account = useAccount()
  const mayCreate = can(account.value?.role as Role | undefined, 'admin') // the API refuses analysts and viewers (403)
  const loc = useLocation()
  const v = create.value as any
  return (
    <>
      <PageHeader title="Tenants" lead="Each tenant is one store, with its own catalog, keys, models and analytics." />
      {loc.url.searchParams.get('welcome') && (
        <Alert kind="success" title="Welcome to RecomEngine!">Start by creating a tenant for your store; next you will create an API key and upload your catalog.</Alert>
      )}
      {list.value.error && <ProblemAlert problem={list.value.error} />}
      {mayCreate && (
        <section class="card" aria-labelledby="create-title">
          <h2 id="create-title">Create a tenant</h2>
          {v?.failed && <ProblemAlert problem={v.problem} message={v.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
          <Form action={create} class="form-row">
            <FormField name="name" label="Tenant name" required maxLength={120} placeholder="My store" error={fieldError(v, 'name')} />
            <div class="field"><button type="submit" class="btn" disabled={create.isRunning}>Create tenant</button></div>
          </Form>
        </section>
      )}
      {list.value.tenants.length === 0 ? (
        <EmptyState title="No tenants yet"><p>Create one above to get an API key.</p></EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Your tenants ({list.value.total})</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Strategy</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Links</span></th></tr></thead>
            <tbody>
              {list.value.tenants.map((t) => (
                <tr key={t.id}>
                  <th scope="row" style="font-weight:400;background:none"><Link href={`/dashboard/tenants/${t.id}`}>{t.name}</Link></th>
                  <td><span class={badge(t.status)}>{t.status}</span></td>
                  <td>{t.config.defaultStrategy.replace(/_/g, ' ')}</td>
                  <td>{formatDate(t.createdAt)}</td>
                  <td><Link href={`/dashboard/tenants/${t.id}/analytics`}>Analytics<span class="sr-only"> of {t.name}</span></Link> · <Link href={`/dashboard/tenants/${t.id}/api-keys`}>API keys<span class="sr-only"> of {t.name}</span></Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'Tenants' }
