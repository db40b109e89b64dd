// Merchandising rules (F-018): the tenant's rules, switched on and off or deleted in place;
// each opens its editor, with a live preview of a placement's list before and after the rules.
import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { ACTION_LABELS, type Rule } from '../../../../../components/rules/form'
import { EmptyState, PageHeader, ProblemAlert } from '../../../../../components/ui'
import { apiFetch, type Problem } from '../../../../../lib/api'

export const useRules = routeLoader$(async (ev) => {
  const r = await apiFetch<Rule[]>(ev, '/api/v1/rules', { tenantId: ev.params.id })
  return r.ok ? { rules: r.data, problem: null } : { rules: [] as Rule[], problem: r.problem }
})

export const useToggleRule = routeAction$(async (form, ev) => {
  const id = String(form.id ?? '')
  const r = await apiFetch(ev, `/api/v1/rules/${encodeURIComponent(id)}`, { method: 'PATCH', tenantId: ev.params.id, body: { active: form.active === 'true' } })
  if (!r.ok) return ev.fail(r.status, { problem: r.problem as Problem | null })
  return { problem: null as Problem | null }
})

export const useDeleteRule = routeAction$(async (form, ev) => {
  const id = String(form.id ?? '')
  const r = await apiFetch(ev, `/api/v1/rules/${encodeURIComponent(id)}`, { method: 'DELETE', tenantId: ev.params.id })
  if (!r.ok) return ev.fail(r.status, { problem: r.problem as Problem | null })
  return { problem: null as Problem | null }
})

const scopeText = (r: Rule) => {
  const parts = [
    r.scope.placements?.length ? `placements ${r.scope.placements.join(', ')}` : '',
    r.scope.segments?.length ? `segments ${r.scope.segments.join(', ')}` : '',
    r.scope.strategies?.length ? `strategies ${r.scope.strategies.join(', ')}` : '',
    r.scope.contexts?.length ? `pages ${r.scope.contexts.join(', ')}` : '',
  ].filter(Boolean)
  return parts.length ? parts.join('; ') : 'Everywhere'
}
const scheduleText = (r: Rule) => !r.schedule ? 'Always'
  : `${r.schedule.from ? r.schedule.from.slice(0, 16).replace('T', ' ') : '…'} → ${r.schedule.to ? r.schedule.to.slice(0, 16).replace('T', ' ') : '…'} UTC`

export default component$(() => {
  const data = useRules()
  const toggle = useToggleRule()
  const remove = useDeleteRule()
  const loc = useLocation()
  const base = `/dashboard/tenants/${loc.params.id}/rules`
  const problem = (toggle.value?.failed ? toggle.value.problem : null) ?? (remove.value?.failed ? remove.value.problem : null) ?? data.value.problem
  const rules = data.value.rules
  return (
    <>
      <PageHeader title="Rules" lead="Steer every list: keep or hide items, boost or bury them, pin products, cap a category. Rules run after the algorithm, in a fixed order: filters and excludes, then boosts and buries, then diversity, then pins." />
      <p><Link class="btn" href={`${base}/new`}>New rule</Link></p>
      <ProblemAlert problem={problem as Problem | null} />
      {rules.length === 0 ? <EmptyState title="No rules yet"><p>Answers are the algorithm's alone. Add a rule to hide, boost or pin items.</p></EmptyState> : (
        <div class="table-wrap">
          <table>
            <caption>Rules of this tenant</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Action</th><th scope="col">Where</th><th scope="col">When</th><th scope="col" class="num">Priority</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} data-rule={r.name}>
                  <th scope="row" style="font-weight:400;background:none"><Link href={`${base}/${r.id}`}>{r.name}</Link></th>
                  <td>{ACTION_LABELS[r.action]}</td>
                  <td>{scopeText(r)}</td>
                  <td>{scheduleText(r)}</td>
                  <td class="num">{r.priority}</td>
                  <td>{r.active ? 'Active' : 'Off'}</td>
                  <td>
                    <div class="form-row" style="gap:.5rem">
                      <Form action={toggle}>
                        <input type="hidden" name="id" value={r.id} />
                        <input type="hidden" name="active" value={r.active ? 'false' : 'true'} />
                        <button type="submit" class="btn btn-secondary" aria-label={`${r.active ? 'Switch off' : 'Switch on'} ${r.name}`}>{r.active ? 'Switch off' : 'Switch on'}</button>
                      </Form>
                      <Form action={remove}>
                        <input type="hidden" name="id" value={r.id} />
                        <button type="submit" class="btn btn-secondary" aria-label={`Delete ${r.name}`}>Delete</button>
                      </Form>
                    </div>
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

export const head: DocumentHead = { title: 'Rules · RecomEngine' }
