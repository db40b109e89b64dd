// Webhooks (F-015): endpoints (create: the signing secret is shown once, here), "Send test", rotate the secret,
// enable / disable, delete, and one endpoint's delivery log (?endpoint=<id>, the first endpoint by default) with retry.
import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, EmptyState, FormField, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { failWith, fieldError } from '../../../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../../../lib/api'
import { formatDate } from '../../../../../lib/format'
import { WEBHOOK_EVENT_TYPES } from '../../../../../lib/vocabulary'

type Endpoint = ApiData<'/api/v1/webhooks/{id}', 'get'>
type Delivery = ApiData<'/api/v1/webhooks/{id}/deliveries', 'get'>[number]
const BADGE: Record<string, string> = { succeeded: 'badge-ok', failed: 'badge-err', pending: 'badge-warn' }
const path = (id: string, rest = '') => `/api/v1/webhooks/${encodeURIComponent(id)}${rest}`

export const useEndpoints = routeLoader$(async (ev) => {
  const r = await apiFetch<Endpoint[]>(ev, '/api/v1/webhooks', { tenantId: ev.params.id, query: { limit: 100 } })
  return r.ok ? r.data : []
})

export const useDeliveries = routeLoader$(async (ev) => {
  const endpoints = await ev.resolveValue(useEndpoints)
  const chosen = endpoints.find((e) => e.id === ev.url.searchParams.get('endpoint')) ?? endpoints[0]
  if (!chosen) return { endpoint: null, rows: [] as Delivery[] }
  const r = await apiFetch<Delivery[]>(ev, path(chosen.id, '/deliveries'), { tenantId: ev.params.id, query: { limit: 50 } })
  return { endpoint: chosen, rows: r.ok ? r.data : [] }
})

const asList = (v: unknown) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v])

export const useCreateEndpoint = routeAction$(async (form, ev) => {
  const body = { url: form.url, events: form.events, ...(form.description ? { description: form.description } : {}) } satisfies ApiBody<'/api/v1/webhooks', 'post'>
  const r = await apiFetch<ApiData<'/api/v1/webhooks', 'post'>>(ev, '/api/v1/webhooks', { method: 'POST', tenantId: ev.params.id, body })
  if (!r.ok) return failWith(ev, r)
  ev.headers.set('Cache-Control', 'no-store') // the secret: to this response only, never stored by the console
  return { created: { url: r.data.url, secret: r.data.secret } }
}, zod$({
  url: z.string().trim().min(1, 'Give the URL events are sent to').max(2048),
  description: z.string().trim().max(500).optional(),
  events: z.preprocess(asList, z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1, 'Choose at least one event')),
}))

export const useEndpointAction = routeAction$(async (form, ev) => {
  const tenantId = ev.params.id
  if (form.op === 'test') {
    const r = await apiFetch<Delivery>(ev, path(form.endpointId, '/test'), { method: 'POST', tenantId })
    return r.ok ? { done: 'Test event sent: its delivery is in the log below.' } : failWith(ev, r)
  }
  if (form.op === 'rotate') {
    const r = await apiFetch<ApiData<'/api/v1/webhooks/{id}/rotate-secret', 'post'>>(ev, path(form.endpointId, '/rotate-secret'), { method: 'POST', tenantId })
    if (!r.ok) return failWith(ev, r)
    ev.headers.set('Cache-Control', 'no-store')
    return { rotated: { url: r.data.url, secret: r.data.secret } }
  }
  if (form.op === 'delete') {
    const r = await apiFetch(ev, path(form.endpointId), { method: 'DELETE', tenantId })
    return r.ok ? { done: 'Endpoint deleted.' } : failWith(ev, r)
  }
  const r = await apiFetch<Endpoint>(ev, path(form.endpointId), { method: 'PATCH', tenantId, body: { active: form.op === 'enable' } satisfies ApiBody<'/api/v1/webhooks/{id}', 'patch'> })
  return r.ok ? { done: form.op === 'enable' ? 'Endpoint enabled.' : 'Endpoint disabled.' } : failWith(ev, r)
}, zod$({ endpointId: z.string().uuid(), op: z.enum(['test', 'rotate', 'enable', 'disable', 'delete']) }))

export const useRetry = routeAction$(async (form, ev) => {
  const r = await apiFetch<Delivery>(ev, path(form.endpointId, `/deliveries/${encodeURIComponent(form.deliveryId)}/retry`), { method: 'POST', tenantId: ev.params.id })
  return r.ok ? { done: 'Delivery queued to be sent again.' } : failWith(ev, r)
}, zod$({ endpointId: z.string().uuid(), deliveryId: z.string().uuid() }))

const Secret = component$<{ title: string; url: string; secret: string }>(({ title, url, secret }) => (
  <Alert kind="success" title={title}>
    <p style="margin:.25rem 0">Signing secret for {url}. Copy it now: it is shown only once.</p>
    <code class="secret" id="new-secret" aria-label="Signing secret">{secret}</code>
  </Alert>
))

export default component$(() => {
  const loc = useLocation()
  const endpoints = useEndpoints()
  const log = useDeliveries()
  const create = useCreateEndpoint()
  const act = useEndpointAction()
  const retry = useRetry()
  const cv = create.value as any, av = act.value as any, rv = retry.value as any
  const base = `/dashboard/tenants/${loc.params.id}/webhooks`
  const chosen = log.value.endpoint
  return (
    <>
      <PageHeader title="Webhooks" lead="Your servers are told when something happens: experiments, model builds, API keys, imports. Each POST is signed (Standard Webhooks)." />
      {cv?.created && <Secret title="Endpoint created." url={cv.created.url} secret={cv.created.secret} />}
      {av?.rotated && <Secret title="Secret rotated; the previous one keeps signing for 24 hours." url={av.rotated.url} secret={av.rotated.secret} />}
      {(av?.done || rv?.done) && <Alert kind="success">{av?.done ?? rv?.done}</Alert>}
      {av?.failed && <ProblemAlert problem={av.problem} />}
      {rv?.failed && <ProblemAlert problem={rv.problem} />}

      <section class="card" aria-labelledby="new-endpoint-title">
        <h2 id="new-endpoint-title">Add an endpoint</h2>
        {cv?.failed && <ProblemAlert problem={cv.problem} message={cv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={create}>
          <div class="form-row">
            <FormField name="url" label="URL" type="url" required maxLength={2048} placeholder="https://example.com/webhooks/recomengine" error={fieldError(cv, 'url')} />
            <FormField name="description" label="Description (optional)" maxLength={500} error={fieldError(cv, 'description')} />
          </div>
          <fieldset class="field">
            <legend>Events</legend>
            {WEBHOOK_EVENT_TYPES.map((type) => (
              <label key={type} style="display:inline-flex;gap:.35rem;margin:0 1rem .35rem 0">
                <input type="checkbox" name="events[]" value={type} /> <code>{type}</code>
              </label>
            ))}
            {fieldError(cv, 'events') && <p class="field-error" role="alert">{fieldError(cv, 'events')}</p>}
          </fieldset>
          <button type="submit" class="btn" disabled={create.isRunning}>Add endpoint</button>
        </Form>
      </section>

      {endpoints.value.length === 0 ? (
        <EmptyState title="No endpoints yet"><p>Add one above; "Send test" then posts a <code>ping</code> to it.</p></EmptyState>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>Endpoints</caption>
            <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {endpoints.value.map((e) => (
                <tr key={e.id}>
                  <th scope="row" style="font-weight:400;background:none">
                    <Link href={`${base}?endpoint=${e.id}`} aria-current={chosen?.id === e.id ? 'true' : undefined}>{e.url}</Link>
                    {e.description && <div class="muted">{e.description}</div>}
                  </th>
                  <td>{e.events.join(', ')}</td>
                  <td>
                    {e.active ? <span class="badge badge-ok">active</span> : <span class="badge badge-err">{e.disabledAt ? 'disabled after failures' : 'inactive'}</span>}
                    {e.previousSecretExpiresAt && <div class="muted">old secret signs until {formatDate(e.previousSecretExpiresAt)}</div>}
                  </td>
                  <td>{formatDate(e.createdAt)}</td>
                  <td>
                    <div style="display:flex;gap:.35rem;flex-wrap:wrap">
                      {(['test', 'rotate', e.active ? 'disable' : 'enable', 'delete'] as const).map((op) => (
                        <Form action={act} key={op}>
                          <input type="hidden" name="endpointId" value={e.id} />
                          <input type="hidden" name="op" value={op} />
                          <button type="submit" class={op === 'delete' ? 'btn btn-danger' : 'btn btn-secondary'}>
                            {{ test: 'Send test', rotate: 'Rotate secret', enable: 'Enable', disable: 'Disable', delete: 'Delete' }[op]}<span class="sr-only"> for {e.url}</span>
                          </button>
                        </Form>
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {chosen && (
        <section aria-labelledby="deliveries-title">
          <h2 id="deliveries-title">Deliveries to {chosen.url}</h2>
          {log.value.rows.length === 0 ? <p class="muted">Nothing sent yet.</p> : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Deliveries</caption>
                <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col">Last answer</th><th scope="col">Next attempt</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Retry</span></th></tr></thead>
                <tbody>
                  {log.value.rows.map((d) => (
                    <tr key={d.id}>
                      <td><code>{d.eventType}</code><div class="muted"><code>{d.eventId}</code></div></td>
                      <td><span class={`badge ${BADGE[d.status] ?? ''}`}>{d.status}</span></td>
                      <td class="num">{d.attempts}</td>
                      <td>
                        {d.lastResponseCode ?? '—'}{d.lastError && <div class="muted">{d.lastError}</div>}
                        {d.lastResponseBody && <details><summary>Body</summary><pre style="white-space:pre-wrap;max-width:40ch">{d.lastResponseBody}</pre></details>}
                      </td>
                      <td>{formatDate(d.nextAttemptAt)}</td>
                      <td>{formatDate(d.createdAt)}</td>
                      <td>
                        <Form action={retry}>
                          <input type="hidden" name="endpointId" value={chosen.id} />
                          <input type="hidden" name="deliveryId" value={d.id} />
                          <button type="submit" class="btn btn-secondary">Retry<span class="sr-only"> {d.eventType} delivery</span></button>
                        </Form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'Webhooks' }
