// API keys (FR-005/006): create (the key is shown once, here), list, revoke.
import { component$ } from '@builder.io/qwik'
import { Form, routeAction$, routeLoader$, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, EmptyState, FormField, PageHeader, ProblemAlert, SelectField } from '../../../../../components/ui'
import { failWith, fieldError } from '../../../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../../../lib/api'
import { formatDate, formatInt } from '../../../../../lib/format'
import { useTenant } from '../layout'

type KeysPath = '/api/v1/tenants/{id}/api-keys'
type ApiKey = ApiData<KeysPath, 'get'>[number]

export const useKeys = routeLoader$(async (ev) => {
  const r = await apiFetch<ApiKey[]>(ev, `/api/v1/tenants/${ev.params.id}/api-keys`, { query: { limit: 100, includeRevoked: 'true' } })
  return r.ok ? r.data : []
})

export const useCreateKey = routeAction$(async (form, ev) => {
  const r = await apiFetch<ApiData<KeysPath, 'post'>>(ev, `/api/v1/tenants/${ev.params.id}/api-keys`, { method: 'POST', body: form satisfies ApiBody<KeysPath, 'post'> })
  if (!r.ok) return failWith(ev, r)
  // Returned once, to this response only; never stored by the console.
  ev.headers.set('Cache-Control', 'no-store')
  return { created: { name: r.data.name, permissions: r.data.permissions, key: r.data.key } }
}, zod$({ name: z.string().trim().min(1, 'Name the key (e.g. "storefront")').max(100), permissions: z.enum(['read', 'write']) }))

export const useRevokeKey = routeAction$(async (form, ev) => {
  const r = await apiFetch<ApiData<'/api/v1/tenants/{id}/api-keys/{keyId}', 'delete'>>(ev, `/api/v1/tenants/${ev.params.id}/api-keys/${encodeURIComponent(form.keyId)}`, { method: 'DELETE' })
  if (!r.ok) return failWith(ev, r)
  return { revoked: r.data.name }
}, zod$({ keyId: z.string().uuid() }))

export default component$(() => {
  const tenant = useTenant()
  const keys = useKeys()
  const create = useCreateKey()
  const revoke = useRevokeKey()
  const cv = create.value as any
  const rv = revoke.value as any
  return (
    <>
      <PageHeader title="API keys" lead={`Keys for ${tenant.value.name}. Read keys are safe in the browser (SDK); write keys belong on your servers.`} />
      {cv?.created && (
        <Alert kind="success" title={`Key "${cv.created.name}" created.`}>
          <p style="margin:.25rem 0">Copy it now: it is shown only once.</p>
          <code class="secret" id="new-key" aria-label="New API key">{cv.created.key}</code>
        </Alert>
      )}
      {rv?.revoked && <Alert kind="success">Key "{rv.revoked}" revoked.</Alert>}
      {rv?.failed && <ProblemAlert problem={rv.problem} />}
      <section class="card" aria-labelledby="new-key-title">
        <h2 id="new-key-title">Create a key</h2>
        {cv?.failed && <ProblemAlert problem={cv.problem} message={cv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={create} class="form-row">
          <FormField name="name" label="Key name" required maxLength={100} placeholder="storefront" error={fieldError(cv, 'name')} />
          <SelectField name="permissions" label="Permissions" options={[{ value: 'read', label: 'Read (recommendations, browser tracking)' }, { value: 'write', label: 'Write (catalog, events, everything)' }]} value="read" />
          <div class="field"><button type="submit" class="btn" disabled={create.isRunning}>Create key</button></div>
        </Form>
      </section>
      {keys.value.length === 0 ? (
        <EmptyState title="No keys yet"><p>Create one above to call the API or install the SDK.</p></EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Permissions</th><th scope="col" class="num">Requests</th><th scope="col">Last used</th><th scope="col">Created</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {keys.value.map((k) => (
                <tr key={k.id}>
                  <th scope="row" style="font-weight:400;background:none">{k.name}</th>
                  <td><code>{k.prefix}…</code></td>
                  <td>{k.permissions}</td>
                  <td class="num">{formatInt(k.requestCount)}</td>
                  <td>{formatDate(k.lastUsedAt)}</td>
                  <td>{formatDate(k.createdAt)}</td>
                  <td>
                    {k.revokedAt ? <span class="badge badge-err">revoked</span> : (
                      <Form action={revoke}>
                        <input type="hidden" name="keyId" value={k.id} />
                        <button type="submit" class="btn btn-danger">Revoke<span class="sr-only"> key {k.name}</span></button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'API keys' }
