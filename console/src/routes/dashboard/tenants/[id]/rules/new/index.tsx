// A new merchandising rule: the form builds the common conditions; the editor it opens next previews it.
import { component$ } from '@builder.io/qwik'
import { Link, routeAction$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { bodyOf, EMPTY_FORM, formField, valuesOf, type FieldError, type Rule } from '../../../../../../components/rules/form'
import { RuleForm } from '../../../../../../components/rules/rule-form'
import { PageHeader, ProblemAlert } from '../../../../../../components/ui'
import { apiFetch, type Problem } from '../../../../../../lib/api'

export const useCreateRule = routeAction$(async (form, ev) => {
  const parsed = bodyOf(valuesOf(form))
  if (!parsed.ok) return ev.fail(400, { errors: parsed.errors, problem: null as Problem | null })
  const r = await apiFetch<Rule>(ev, '/api/v1/rules', { method: 'POST', tenantId: ev.params.id, body: parsed.body })
  if (!r.ok) return ev.fail(r.status, { errors: (r.problem.errors ?? []).map((e) => ({ field: formField(e.field), message: `${e.field}: ${e.message}` })), problem: r.problem })
  throw ev.redirect(303, `/dashboard/tenants/${ev.params.id}/rules/${r.data.id}?saved=1`)
})

export default component$(() => {
  const create = useCreateRule()
  const loc = useLocation()
  const sent = create.formData
  const values = sent ? valuesOf(Object.fromEntries(sent.entries())) : EMPTY_FORM
  const errors = (create.value?.failed ? create.value.errors : []) as FieldError[]
  return (
    <>
      <p class="muted"><Link href={`/dashboard/tenants/${loc.params.id}/rules`}>Rules</Link> / New</p>
      <PageHeader title="New rule" lead="Save it to preview a placement's list before and after it." />
      <ProblemAlert problem={create.value?.failed ? (create.value.problem as Problem | null) : null} />
      <RuleForm action={create} values={values} errors={errors} submitLabel="Create rule" />
    </>
  )
})

export const head: DocumentHead = { title: 'New rule · RecomEngine' }
