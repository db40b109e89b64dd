// Widget settings per placement (F-012) with a live preview rendered by the
// real SDK (see components/widgets/preview.ts). Saving is a routeAction$ PUT;
// open merchant pages pick the change up on their next poll (≤ 60 s).
import { component$ } from '@builder.io/qwik'
import { Form, routeAction$, routeLoader$, useLocation, type DocumentHead } from '@builder.io/qwik-city'
import { strategyLabel } from '../../../../../components/experiments/labels'
import { STRATEGIES } from '../../../../../lib/vocabulary'
import { contrastWarnings, LAYOUTS, parseWidgetForm, type FieldError } from '../../../../../components/widgets/form'
import { Alert, FormField, PageHeader, ProblemAlert, SelectField } from '../../../../../components/ui'
import { apiFetch, type ApiBody, type ApiData, type Problem } from '../../../../../lib/api'

type WidgetPath = '/api/v1/widgets/{placement}'
type Widget = ApiData<WidgetPath, 'get'>

const placementOf = (params: URLSearchParams) => (params.get('placement') ?? '').trim().slice(0, 100)

export const useWidget = routeLoader$(async (ev) => {
  // Placements that have had traffic, to pick from; the first one is the default.
  const known = await apiFetch<ApiData<'/api/v1/analytics/placements', 'get'>>(ev, '/api/v1/analytics/placements', { tenantId: ev.params.id, query: { range: '90d' } })
  const placements = known.ok ? known.data.map((p) => p.placement).filter((p): p is string => !!p) : []
  const placement = placementOf(ev.url.searchParams) || placements[0] || 'home'
  const r = await apiFetch<Widget>(ev, `/api/v1/widgets/${encodeURIComponent(placement)}`, { tenantId: ev.params.id })
  return {
    placement, placements, productId: (ev.url.searchParams.get('productId') ?? '').trim().slice(0, 256),
    widget: r.ok ? r.data : null, problem: r.ok ? null : r.problem, saved: ev.url.searchParams.get('saved') === '1',
  }
})

export const useSaveWidget = routeAction$(async (form, ev) => {
  const placement = String(form.placement ?? '').trim()
  if (!placement || placement.length > 100) return ev.fail(400, { errors: [{ field: 'placement', message: 'Choose a placement.' }] as FieldError[], problem: null as Problem | null })
  const reset = form.reset === '1'
  const parsed = reset ? null : parseWidgetForm(form)
  if (parsed && !parsed.ok) return ev.fail(400, { errors: parsed.errors, problem: null as Problem | null })
  // "Reset" stores no overrides: the placement follows the tenant's widget defaults again.
  const body: ApiBody<WidgetPath, 'put'> = parsed?.ok ? parsed.config : {}
  const r = await apiFetch<ApiData<WidgetPath, 'put'>>(ev, `/api/v1/widgets/${encodeURIComponent(placement)}`, { method: 'PUT', tenantId: ev.params.id, body })
  if (!r.ok) return ev.fail(r.status, { errors: (r.problem.errors ?? []).map((e) => ({ field: e.field.replace(/^\/?(theme\/)?/, ''), message: e.message })), problem: r.problem })
  // Back to the page (GET) so the preview reloads with what is stored now.
  throw ev.redirect(303, `${ev.url.pathname}?placement=${encodeURIComponent(placement)}&saved=1`)
})

export default component$(() => {
  const data = useWidget()
  const save = useSaveWidget()
  const loc = useLocation()
  const { placement, placements, productId, widget, problem, saved } = data.value
  const sent = save.formData
  const c = widget?.config
  const value = (name: string, stored: string | number | undefined) => (sent?.get(name) as string | null) ?? (stored === undefined ? '' : String(stored))
  const errors = (save.value?.failed ? save.value.errors : []) as FieldError[]
  const errorOf = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message).join(' ') || undefined
  const saveProblem = save.value?.failed ? (save.value.problem as Problem | null) : null
  const base = `/dashboard/tenants/${loc.params.id}/widgets`
  const warnings = c ? contrastWarnings(c.theme) : []
  const previewSrc = `${base}/preview?placement=${encodeURIComponent(placement)}${productId ? `&productId=${encodeURIComponent(productId)}` : ''}&v=${encodeURIComponent(widget?.updatedAt ?? 'defaults')}`
  const showPrice = sent ? sent.get('showPrice') === 'on' : c?.showPrice ?? true

  return (
    <>
      <PageHeader title="Widgets" lead="How recommendations look on your site, per placement. Saved changes reach open pages within a minute." />
      <form method="get" action={base} class="card form-row" aria-label="Choose a placement">
        <div class="field">
          <label for="w-pick">Placement</label>
          <input id="w-pick" name="placement" value={placement} {...({ list: 'w-placements' } as object)} maxLength={100} aria-describedby="w-pick-hint" />
          <datalist id="w-placements">{placements.map((p) => <option key={p} value={p} />)}</datalist>
          <span id="w-pick-hint" class="hint">The value of data-recomengine-placement on your pages</span>
        </div>
        <div class="field">
          <label for="w-product">Preview on product (optional)</label>
          <input id="w-product" name="productId" value={productId} maxLength={256} aria-describedby="w-product-hint" />
          <span id="w-product-hint" class="hint">A product ID, as on a product page</span>
        </div>
        <div class="field"><button type="submit" class="btn btn-secondary">Open</button></div>
      </form>

      <ProblemAlert problem={saveProblem ?? problem} />
      {saved && !save.value?.failed && <Alert kind="success" title="Saved." id="saved">Placement {placement} uses these settings now; open pages update within a minute.</Alert>}
      {warnings.length > 0 && (
        <Alert kind="warning" title="Colour contrast" id="contrast-warning">
          <ul>{warnings.map((w) => <li key={w}>{w}</li>)}</ul>
        </Alert>
      )}

      {c && (
        <div class="widget-editor" style="display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1.5rem;align-items:start">
          <Form action={save} class="card" aria-label={`Settings of placement ${placement}`}>
            <h2>Settings of “{placement}”</h2>
            <p class="muted">{widget?.updatedAt ? `Last saved ${widget.updatedAt.slice(0, 16).replace('T', ' ')} UTC.` : 'Never saved: the tenant defaults apply.'}</p>
            <input type="hidden" name="placement" value={placement} />
            <SelectField name="layout" label="Layout" value={value('layout', c.layout)} error={errorOf('layout')}
              options={LAYOUTS.map((l) => ({ value: l, label: l[0]!.toUpperCase() + l.slice(1) }))} />
            <div class="form-row">
              <FormField name="columns" label="Columns" type="number" min={1} max={8} step={1} required value={value('columns', c.columns)} error={errorOf('columns')} />
              <FormField name="limit" label="Products shown" type="number" min={1} max={50} step={1} required value={value('limit', c.limit)} error={errorOf('limit')} />
            </div>
            <FormField name="title" label="Title" maxLength={80} value={value('title', c.title)} error={errorOf('title')} />
            <FormField name="ctaText" label="Button text" required maxLength={40} value={value('ctaText', c.ctaText)} error={errorOf('ctaText')} />
            <div class="checkbox">
              <input id="f-showPrice" type="checkbox" name="showPrice" checked={showPrice} />
              <label for="f-showPrice">Show prices</label>
            </div>
            <SelectField name="strategy" label="Strategy" value={value('strategy', c.strategy ?? '')} error={errorOf('strategy')}
              hint="Which recommendations this placement asks for"
              options={[{ value: '', label: 'Tenant default' }, ...STRATEGIES.map((s) => ({ value: s, label: strategyLabel(s) }))]} />
            <fieldset style="border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem">
              <legend style="font-weight:600">Theme</legend>
              <div class="form-row">
                <FormField name="primaryColor" label="Primary colour" value={value('primaryColor', c.theme.primaryColor)} error={errorOf('primaryColor')} hint="Hex, e.g. #1d4ed8" maxLength={9} />
                <FormField name="textColor" label="Text colour" value={value('textColor', c.theme.textColor)} error={errorOf('textColor')} hint="Hex" maxLength={9} />
                <FormField name="background" label="Background" value={value('background', c.theme.background)} error={errorOf('background')} hint="Hex" maxLength={9} />
              </div>
              <div class="form-row">
                <FormField name="fontFamily" label="Font family" value={value('fontFamily', c.theme.fontFamily)} error={errorOf('fontFamily')} maxLength={200} />
                <FormField name="borderRadius" label="Corner radius (px)" type="number" min={0} max={48} step={1} value={value('borderRadius', c.theme.borderRadius)} error={errorOf('borderRadius')} />
              </div>
            </fieldset>
            <div class="form-row">
              <button type="submit" class="btn" disabled={save.isRunning}>Save widget</button>
            </div>
          </Form>
          <section class="card" aria-labelledby="h-preview">
            <h2 id="h-preview">Live preview</h2>
            <p class="muted">Rendered by the RecomEngine SDK with the saved settings and this tenant's real recommendations.</p>
            <iframe id="widget-preview" src={previewSrc} title={`Preview of the ${placement} widget`} style="width:100%;height:28rem;border:1px solid var(--border);border-radius:8px" />
            <Form action={save} style="margin-top:1rem">
              <input type="hidden" name="placement" value={placement} />
              <input type="hidden" name="reset" value="1" />
              <button type="submit" class="btn btn-secondary">Reset to tenant defaults</button>
            </Form>
          </section>
        </div>
      )}
    </>
  )
})

export const head: DocumentHead = { title: 'Widgets · RecomEngine' }
