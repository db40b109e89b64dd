// Every endpoint, rendered server-side from the API's own OpenAPI document
// (GET /api/v1/openapi-3.1.json: its schemas say `string | null` where 3.0.3
// says `nullable`), so the reference cannot drift from the code.
import { component$ } from '@builder.io/qwik'
import { routeLoader$, type DocumentHead } from '@builder.io/qwik-city'
import { Alert } from '../../../components/ui'
import { apiPublic } from '../../../lib/api'
import { operations, type Operation } from '../../../lib/openapi'

export const useReference = routeLoader$(async (ev) => {
  const r = await apiPublic<any>(ev, '/api/v1/openapi-3.1.json')
  if (!r.ok || !r.data?.paths) return { error: r.ok ? 'The OpenAPI document has no paths.' : r.problem.title, groups: [] as [string, Operation[]][], version: '' }
  const groups = new Map<string, Operation[]>()
  for (const op of operations(r.data)) groups.set(op.tag, [...(groups.get(op.tag) ?? []), op])
  return { error: null, groups: [...groups.entries()], version: String(r.data.info?.version ?? '') }
})

const AUTH: Record<string, string> = { bearer: 'admin access token', apiKey: 'API key' }

export default component$(() => {
  const ref = useReference()
  const count = ref.value.groups.reduce((a, [, ops]) => a + ops.length, 0)
  return (
    <>
      <h1>API reference</h1>
      <p>{count} operations{ref.value.version && `, API version ${ref.value.version}`}. Generated from <a href="/api/v1/openapi.json">the OpenAPI document</a> the API serves; an interactive explorer is at <code>/api/docs</code> on the API's port.</p>
      {ref.value.error && <Alert kind="error" title="The reference could not be loaded.">{ref.value.error}</Alert>}
      <nav aria-label="Sections of the reference">
        <ul>{ref.value.groups.map(([tag, ops]) => <li key={tag}><a href={`#tag-${tag.replace(/\W+/g, '-')}`}>{tag}</a> ({ops.length})</li>)}</ul>
      </nav>
      {ref.value.groups.map(([tag, ops]) => (
        <section key={tag} aria-labelledby={`tag-${tag.replace(/\W+/g, '-')}`}>
          <h2 id={`tag-${tag.replace(/\W+/g, '-')}`}>{tag}</h2>
          {ops.map((op) => (
            <section key={op.id} class="endpoint" aria-labelledby={op.id}>
              <h3 id={op.id}><span class="method">{op.method}</span> <code>{op.path}</code></h3>
              {op.summary && <p><strong>{op.summary}</strong></p>}
              {op.description && <p>{op.description}</p>}
              <p class="muted">Auth: {op.auth.length ? op.auth.map((a) => AUTH[a] ?? a).join(' or ') : 'none'}</p>
              {op.params.length > 0 && (
                // Focusable: a long type (a pattern) can make the table scroll, and a keyboard must reach it.
                <div class="table-wrap" tabIndex={0} role="region" aria-label={`Parameters of ${op.method} ${op.path}`}>
                  <table>
                    <caption>Parameters of {op.method} {op.path}</caption>
                    <thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
                    <tbody>{op.params.map((p) => <tr key={p.in + p.name}><th scope="row"><code>{p.name}</code></th><td>{p.in}</td><td>{p.required ? 'yes' : 'no'}</td><td><code>{p.type}</code></td><td>{p.description ?? ''}</td></tr>)}</tbody>
                  </table>
                </div>
              )}
              {op.body && (<><h4>Request body <span class="muted">({op.body.mediaType})</span></h4><pre><code>{op.body.type}</code></pre></>)}
              <h4>Responses</h4>
              <ul>
                {op.responses.map((r) => (
                  <li key={r.status}>
                    <code>{r.status}</code> {r.description}{r.mediaType && !r.type ? '' : ''}
                    {r.type && <pre><code>{r.type}</code></pre>}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </section>
      ))}
    </>
  )
})

export const head: DocumentHead = { title: 'API reference' }
