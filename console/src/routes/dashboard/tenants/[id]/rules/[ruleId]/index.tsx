// One rule: its editor, and a live preview of a placement's list for a chosen shopper
// without rules and with the tenant's active rules, each item's rule effects marked and
// the removed items listed with the rule that removed them (GET /recommendations?explain=true).
import { component$ } from '@builder.io/qwik'
import { Link, routeAction$, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { bodyOf, EFFECT_LABELS, formField, formOfRule, valuesOf, type FieldError, type Rule } from '../../../../../../components/rules/form'
import { RuleForm } from '../../../../../../components/rules/rule-form'
import { Alert, PageHeader, ProblemAlert } from '../../../../../../components/ui'
import { apiFetch, apiRaw, toResult, type ApiResponse, type Problem } from '../../../../../../lib/api'

type Explained = ApiResponse<'/api/v1/recommendations', 'get'>
const text = (params: URLSearchParams, name: string, max: number) => (params.get(name) ?? '').trim().slice(0, max)

export const useRule = routeLoader$(async (ev) => {
  const r = await apiFetch<Rule>(ev, `/api/v1/rules/${encodeURIComponent(ev.params.ruleId)}`, { tenantId: ev.params.id })
  if (!r.ok) throw ev.redirect(302, `/dashboard/tenants/${ev.params.id}/rules`)
  const q = ev.url.searchParams
  const preview = { userId: text(q, 'userId', 256) || 'preview-shopper', placement: text(q, 'placement', 100) || (r.data.scope.placements?.[0] ?? ''), productId: text(q, 'productId', 256) }
  const query: Record<string, string> = { userId: preview.userId, limit: '8', explain: 'true' }
  if (preview.placement) query.placement = preview.placement
  if (preview.productId) query.productId = preview.productId
  // The trace sits beside `data` in the body (toResult keeps data and meta only): read it whole.
  const res = await apiRaw(ev, '/api/v1/recommendations', { tenantId: ev.params.id, query })
  const body = res.ok ? (await res.json()) as Explained : null
  const problem = res.ok ? null : ((await toResult(res)) as { problem: Problem }).problem
  return { rule: r.data, preview, list: body?.data ?? null, explain: body?.explain ?? null, problem, saved: q.get('saved') === '1' }
})

export const useUpdateRule = routeAction$(async (form, ev) => {
  const parsed = bodyOf(valuesOf(form))
  if (!parsed.ok) return ev.fail(400, { errors: parsed.errors, problem: null as Problem | null })
  const r = await apiFetch<Rule>(ev, `/api/v1/rules/${encodeURIComponent(ev.params.ruleId)}`, { method: 'PUT', tenantId: ev.params.id, body: parsed.body })
  if (!r.ok) return ev.fail(r.status, { errors: (r.problem.errors ?? []).map((e) => ({ field: formField(e.field), message: `${e.field}: ${e.message}` })), problem: r.problem })
  throw ev.redirect(303, `${ev.url.pathname}?saved=1`)
})

export default component$(() => {
  const data = useRule()
  const update = useUpdateRule()
  const loc = useLocation()
  const { rule, preview, list, explain, problem, saved } = data.value
  const sent = update.formData
  const values = sent ? valuesOf(Object.fromEntries(sent.entries())) : formOfRule(rule)
  const errors = (update.value?.failed ? update.value.errors : []) as FieldError[]
  const removed = (explain?.steps ?? []).filter((s) => s.effect === 'removed')
  const mark = (effects: { id: string; name: string; effect: string }[] | undefined) => (effects ?? []).map((e) => (
    <span key={`${e.id}-${e.effect}`} class={`badge${e.id === rule.id ? ' badge-this' : ''}`} style="margin-left:.4rem;font-size:.8em;padding:0 .35rem;border:1px solid var(--border);border-radius:4px">
      {e.id === rule.id ? 'this rule' : e.name}: {EFFECT_LABELS[e.effect] ?? e.effect}
    </span>
  ))
  return (
    <>
      <p class="muted"><Link href={`/dashboard/tenants/${loc.params.id}/rules`}>Rules</Link> / {rule.name}</p>
      <PageHeader title={rule.name} lead="Changes apply to the next answers on every instance." />
      <ProblemAlert problem={update.value?.failed ? (update.value.problem as Problem | null) : null} />
      {saved && !update.value?.failed && <Alert kind="success" title="Saved." id="saved">The rule applies to the next answers.</Alert>}
      <div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1.5rem;align-items:start">
        <RuleForm action={update} values={values} errors={errors} submitLabel="Save rule" />
        <section class="card" aria-labelledby="h-preview">
          <h2 id="h-preview">Live preview</h2>
          <form method="get" class="form-row" aria-label="Preview for">
            <div class="field"><label for="p-user">Shopper</label><input id="p-user" name="userId" value={preview.userId} maxLength={256} /></div>
            <div class="field"><label for="p-placement">Placement</label><input id="p-placement" name="placement" value={preview.placement} maxLength={100} /></div>
            <div class="field"><label for="p-product">Viewed product</label><input id="p-product" name="productId" value={preview.productId} maxLength={256} /></div>
            <div class="field"><button type="submit" class="btn btn-secondary">Preview</button></div>
          </form>
          <ProblemAlert problem={problem as Problem | null} />
          {list && explain && (
            <div class="form-row" style="align-items:start">
              <div>
                <h3 id="h-before">Without rules</h3>
                <ol aria-labelledby="h-before" id="preview-before">{explain.before.map((id) => <li key={id}>{id}</li>)}</ol>
              </div>
              <div>
                <h3 id="h-after">With the active rules</h3>
                <ol aria-labelledby="h-after" id="preview-after">
                  {list.map((x) => <li key={x.productId} data-product={x.productId}>{x.name} <span class="muted">({x.productId})</span>{mark(x.rules)}</li>)}
                </ol>
              </div>
            </div>
          )}
          {removed.length > 0 && (
            <>
              <h3 id="h-removed">Removed by rules</h3>
              <ul aria-labelledby="h-removed" id="preview-removed">
                {removed.map((s) => <li key={`${s.ruleId}-${s.productId}`}>{s.productId}: {s.ruleId === rule.id ? 'this rule' : s.ruleName}</li>)}
              </ul>
            </>
          )}
          {explain && (
            <p class="muted">
              {explain.candidates.length} candidates considered; rules not applied here: {explain.rules.filter((r) => !r.applied).map((r) => `${r.name} (${r.skipped})`).join(', ') || 'none'}.
            </p>
          )}
        </section>
      </div>
    </>
  )
})

export const head: DocumentHead = { title: 'Rule · RecomEngine' }
