// Segments (F-014): the built-in and the tenant's own, with how many of the last 30 days' shoppers are in
// each; create and edit with fields for the common cases (purchases, spend, a trait) or JSON for the rest.
import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { buildConditions, describeConditions, formOf, type Condition, type ConditionForm } from '../../../../../components/segments/conditions'
import { Alert, EmptyState, FormField, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { failWith } from '../../../../../lib/actions'
import { apiFetch, type ApiData, type Problem } from '../../../../../lib/api'
import { formatInt } from '../../../../../lib/format'
import { useTenant } from '../layout'

type Segment = ApiData<'/api/v1/segments', 'get'>[number]
interface Sizes { days: number; counted: number; complete: boolean }

export const useSegments = routeLoader$(async (ev) => {
  const r = await apiFetch<Segment[]>(ev, '/api/v1/segments', { tenantId: ev.params.id, query: { sizes: 'true' } })
  return r.ok ? { segments: r.data, sizes: (r.meta?.sizes ?? null) as Sizes | null } : { segments: [] as Segment[], sizes: null }
})

const FIELDS = ['minPurchases', 'minSpend', 'traitName', 'traitValue', 'json'] as const

export const useSaveSegment = routeAction$(async (form, ev) => {
  const read = (k: string) => String(form[k] ?? '')
  const editing = read('editing')
  const key = editing || read('key').trim()
  const built = buildConditions(Object.fromEntries(FIELDS.map((f) => [f, read(f)])) as Partial<ConditionForm>)
  if (!built.ok) return ev.fail(400, { field: built.field as string, message: built.message, problem: null as Problem | null })
  const body = { name: read('name').trim(), conditions: built.conditions }
  const r = editing
    ? await apiFetch<Segment>(ev, `/api/v1/segments/${encodeURIComponent(key)}`, { method: 'PUT', tenantId: ev.params.id, body })
    : await apiFetch<Segment>(ev, '/api/v1/segments', { method: 'POST', tenantId: ev.params.id, body: { key, ...body } })
  if (!r.ok) {
    // A bad path in the conditions (conditions.and[1].op) is about the JSON or the fields that built it.
    const bad = r.problem.errors?.[0]
    const field = !bad ? 'json' : bad.field === 'key' || bad.field === 'name' ? bad.field : read('json').trim() ? 'json' : 'minPurchases'
    return ev.fail(r.status >= 400 && r.status < 500 ? r.status : 502, { field, message: bad ? `${bad.field} ${bad.message}` : r.problem.detail ?? r.problem.title, problem: r.problem })
  }
  throw ev.redirect(303, `/dashboard/tenants/${ev.params.id}/segments?saved=${encodeURIComponent(r.data.key)}`)
})

export const useDeleteSegment = routeAction$(async (form, ev) => {
  const key = String(form.key ?? '')
  const r = await apiFetch<null>(ev, `/api/v1/segments/${encodeURIComponent(key)}`, { method: 'DELETE', tenantId: ev.params.id })
  if (!r.ok) return failWith(ev, r)
  return { deleted: key }
})

export default component$(() => {
  const tenant = useTenant()
  const data = useSegments()
  const save = useSaveSegment()
  const del = useDeleteSegment()
  const loc = useLocation()
  const editKey = loc.url.searchParams.get('edit') ?? ''
  const saved = loc.url.searchParams.get('saved')
  const editing = data.value.segments.find((s) => s.key === editKey && !s.builtIn)
  const sent = save.formData
  const initial: ConditionForm & { key: string; name: string } = editing
    ? { key: editing.key, name: editing.name, ...formOf(editing.conditions as Condition) }
    : { key: '', name: '', minPurchases: '', minSpend: '', traitName: '', traitValue: '', json: '' }
  const value = (k: keyof typeof initial) => (sent?.get(k) as string | null) ?? initial[k]
  const sv = save.value as { failed?: boolean; field?: string; message?: string; problem?: Problem | null } | undefined
  const errorOf = (f: string) => (sv?.failed && sv.field === f ? sv.message : undefined)
  const dv = del.value as any
  const sizes = data.value.sizes
  const base = `/dashboard/tenants/${tenant.value.id}/segments`
  return (
    <>
      <PageHeader title="Segments" lead="Groups of shoppers by what they did and who they are. Use them to pick a strategy per segment (segmentStrategies), to scope experiments, and in analytics." />
      {saved && <Alert kind="success">Segment "{saved}" saved.</Alert>}
      {dv?.deleted && <Alert kind="success">Segment "{dv.deleted}" deleted.</Alert>}
      {dv?.failed && <ProblemAlert problem={dv.problem} />}
      {data.value.segments.length === 0 ? <EmptyState title="Segments could not be loaded"><p>Reload the page.</p></EmptyState> : (
        <div class="table-wrap">
          <table>
            <caption>Segments{sizes ? ` — shoppers active in the last ${sizes.days} days${sizes.complete ? '' : ` (the ${formatInt(sizes.counted)} most recent counted)`}` : ''}</caption>
            <thead><tr><th scope="col">Key</th><th scope="col">Name</th><th scope="col">Who is in it</th><th scope="col" class="num">Shoppers</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              {data.value.segments.map((s) => (
                <tr key={s.key}>
                  <th scope="row" style="font-weight:400;background:none"><code>{s.key}</code> {s.builtIn && <span class="badge">built-in</span>}</th>
                  <td>{s.name}</td>
                  <td>{s.builtIn && s.description ? s.description : describeConditions(s.conditions as Condition)}</td>
                  <td class="num">{s.shoppers === undefined ? '—' : formatInt(s.shoppers)}</td>
                  <td>
                    {!s.builtIn && (
                      <div style="display:flex;gap:.5rem">
                        <Link class="btn btn-secondary" href={`${base}?edit=${encodeURIComponent(s.key)}#segment-form`}>Edit<span class="sr-only"> segment {s.key}</span></Link>
                        <Form action={del}>
                          <input type="hidden" name="key" value={s.key} />
                          <button type="submit" class="btn btn-danger">Delete<span class="sr-only"> segment {s.key}</span></button>
                        </Form>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section class="card" id="segment-form" aria-labelledby="segment-form-title" style="max-width:44rem">
        <h2 id="segment-form-title">{editing ? `Edit segment "${editing.key}"` : 'New segment'}</h2>
        {sv?.failed && sv.problem && !sv.field && <ProblemAlert problem={sv.problem} />}
        <Form action={save} aria-label={editing ? 'Edit segment' : 'New segment'}>
          <input type="hidden" name="editing" value={editing?.key ?? ''} />
          <div class="form-row">
            {editing ? <p class="field">Key: <code>{editing.key}</code></p> : (
              <FormField name="key" label="Key" required maxLength={64} value={value('key')} error={errorOf('key')} hint="Lower-case letters, digits, _ and -: used in segmentStrategies and experiments" placeholder="loyal" />
            )}
            <FormField name="name" label="Name" required maxLength={100} value={value('name')} error={errorOf('name')} placeholder="Loyal customers" />
          </div>
          <p class="muted" style="margin:.5rem 0">Shoppers in the segment meet every condition filled in:</p>
          <div class="form-row">
            <FormField name="minPurchases" label="Purchases at least" type="number" min={0} step={1} value={value('minPurchases')} error={errorOf('minPurchases')} />
            <FormField name="minSpend" label="Total spend at least" type="number" min={0} step="any" value={value('minSpend')} error={errorOf('minSpend')} />
          </div>
          <div class="form-row">
            <FormField name="traitName" label="Trait" maxLength={64} value={value('traitName')} error={errorOf('traitName')} placeholder="tier" hint="Set with POST /users/{userId}/traits or metadata.traits on events" />
            <FormField name="traitValue" label="equals" maxLength={200} value={value('traitValue')} error={errorOf('traitValue')} placeholder="gold" />
          </div>
          <details open={!!value('json')}>
            <summary>Advanced: conditions as JSON (replaces the fields above)</summary>
            <div class="field">
              <label for="f-json">Conditions (JSON)</label>
              <textarea id="f-json" name="json" rows={6} style="font-family:monospace;width:100%" aria-invalid={errorOf('json') ? 'true' : undefined}
                aria-describedby={errorOf('json') ? 'f-json-error f-json-hint' : 'f-json-hint'} value={value('json')} />
              <span id="f-json-hint" class="hint">{'For example {"and":[{"field":"daysSinceLastPurchase","op":"gte","value":60},{"field":"categoriesViewed","op":"contains","value":"shoes"}]}'}. Fields: eventCount, purchaseCount, totalSpend, averageOrderValue, spendLast90Days, daysSinceFirstSeen, daysSinceLastPurchase, categoriesViewed, traits.&lt;name&gt;.</span>
              {errorOf('json') && <span id="f-json-error" class="error">{errorOf('json')}</span>}
            </div>
          </details>
          <div style="display:flex;gap:.5rem;margin-top:.75rem">
            <button type="submit" class="btn" disabled={save.isRunning}>{editing ? 'Save segment' : 'Create segment'}</button>
            {editing && <Link class="btn btn-secondary" href={base}>Cancel</Link>}
          </div>
        </Form>
      </section>
    </>
  )
})

export const head: DocumentHead = { title: 'Segments' }
