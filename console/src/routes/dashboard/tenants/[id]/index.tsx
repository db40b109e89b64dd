// A tenant's configuration (FR-004) and usage: strategy, purchase exclusion,
// attribution window, rate limits, how its models read behaviour, status; key usage,
// catalog size, 30-day traffic; and the model's grade of itself (Model quality).
import { component$ } from '@builder.io/qwik'
import { Form, Link, routeAction$, routeLoader$, useLocation, zod$, z, type DocumentHead } from '@builder.io/qwik-city'
import { Alert, FormField, KpiCard, KpiGrid, PageHeader, ProblemAlert, SelectField } from '../../../../components/ui'
import { failWith, fieldError } from '../../../../lib/actions'
import { apiFetch, type ApiBody, type ApiData } from '../../../../lib/api'
import { formatDate, formatInt } from '../../../../lib/format'
import { bars, type Evaluation, settingsInWords, verdict } from '../../../../lib/model-quality'
import { STRATEGIES, type EventType, type StrategyName } from '../../../../lib/vocabulary'
import { useTenant } from './layout'

const STRATEGY_DESCRIPTIONS: Record<StrategyName, string> = {
  collaborative: 'Collaborative filtering (people like you bought)',
  content_based: 'Content-based (similar products)',
  trending: 'Trending (popular right now)',
  frequently_bought_together: 'Frequently bought together',
}
export const STRATEGY_OPTIONS = STRATEGIES.map((value) => ({ value, label: STRATEGY_DESCRIPTIONS[value] }))

type TenantPath = '/api/v1/tenants/{id}'
type Key = ApiData<'/api/v1/tenants/{id}/api-keys', 'get'>[number]
type Saved = ApiData<TenantPath, 'put'>
type TenantUpdate = ApiBody<TenantPath, 'put'>

export const useUsage = routeLoader$(async (ev) => {
  const id = ev.params.id
  const [keys, catalog, summary] = await Promise.all([
    apiFetch<Key[]>(ev, `/api/v1/tenants/${id}/api-keys`, { query: { limit: 100, includeRevoked: 'true' } }),
    apiFetch<ApiData<'/api/v1/catalog', 'get'>>(ev, '/api/v1/catalog', { tenantId: id, query: { limit: 1 } }),
    apiFetch<ApiData<'/api/v1/analytics/summary', 'get'>>(ev, '/api/v1/analytics/summary', { tenantId: id, query: { range: '30d' } }),
  ])
  const k = keys.ok ? keys.data : []
  const lastUsed = k.map((x) => x.lastUsedAt).filter(Boolean).sort().pop() ?? null
  return {
    requests: k.reduce((a, x) => a + x.requestCount, 0),
    activeKeys: k.filter((x) => !x.revokedAt).length,
    lastUsed,
    products: catalog.ok ? (catalog.meta?.pagination?.total ?? null) : null,
    traffic: summary.ok ? summary.data : null,
  }
})

/** The tenant's model and its holdout grade (null until it had enough shoppers to hold out). */
export const useModelQuality = routeLoader$(async (ev) => {
  const r = await apiFetch<ApiData<'/api/v1/models', 'get'>>(ev, '/api/v1/models', { tenantId: ev.params.id })
  return r.ok ? { status: r.data.status, evaluation: r.data.evaluation } : null
})

export const useSaveConfig = routeAction$(async (form, ev) => {
  const r = await apiFetch<Saved>(ev, `/api/v1/tenants/${ev.params.id}`, {
    method: 'PUT',
    body: {
      name: form.name,
      config: {
        defaultStrategy: form.defaultStrategy,
        excludePurchased: form.excludePurchased === 'on',
        attributionWindowHours: form.attributionWindowHours,
        rateLimits: { read: form.rateRead, write: form.rateWrite },
      },
    } satisfies TenantUpdate,
  })
  if (!r.ok) return failWith(ev, r)
  return { saved: true }
}, zod$({
  name: z.string().trim().min(1, 'Give the tenant a name').max(120),
  defaultStrategy: z.enum(STRATEGIES),
  excludePurchased: z.string().optional(),
  attributionWindowHours: z.coerce.number({ invalid_type_error: 'Enter a number of hours' }).int('Whole hours only').min(1, 'At least 1 hour').max(2160, 'At most 90 days (2160 hours)'),
  rateRead: z.coerce.number().int('Whole numbers only').min(1).max(10_000_000),
  rateWrite: z.coerce.number().int('Whole numbers only').min(1).max(10_000_000),
}))

/** What the form calls each event type, in the order a shop ranks them (the Record makes the compiler
 *  insist on every type of the vocabulary). */
const EVENT_WEIGHT_LABELS: Record<EventType, string> = {
  purchase: 'Purchase', add_to_cart: 'Add to cart', product_clicked: 'Product click',
  recommendation_clicked: 'Recommendation click', product_viewed: 'Product view',
  remove_from_cart: 'Remove from cart', recommendation_impressed: 'Recommendation shown',
}
export const EVENT_WEIGHT_FIELDS = Object.entries(EVENT_WEIGHT_LABELS) as [EventType, string][]

const weight = z.coerce.number({ invalid_type_error: 'Enter a number' }).min(0, 'At least 0').max(100, 'At most 100')
const days = z.coerce.number({ invalid_type_error: 'Enter a number of days or auto' }).int('Whole days only').min(0, 'At least 0').max(3650, 'At most 3650 days')
/** "auto" (or nothing) leaves a setting to the model; a number sets it. */
const autoOr = <S extends z.ZodTypeAny>(n: S) =>
  z.preprocess((v) => (typeof v === 'string' && ['', 'auto'].includes(v.trim().toLowerCase()) ? 'auto' : v), z.union([z.literal('auto'), n]))
const AUTO_HINT = ' Leave "auto" and the model picks it from your data at each full rebuild.'

export const useSaveModelSettings = routeAction$(async (form, ev) => {
  const eventWeights = Object.fromEntries(EVENT_WEIGHT_FIELDS.map(([type]) => [type, form[`w_${type}`]]))
  const r = await apiFetch<Saved>(ev, `/api/v1/tenants/${ev.params.id}`, {
    method: 'PUT',
    body: { config: { recommendations: { eventWeights, halfLifeDays: form.halfLifeDays, intentHalfLifeDays: form.intentHalfLifeDays, itemsPerShopper: form.itemsPerShopper, regularisation: form.regularisation } } } satisfies TenantUpdate,
  })
  if (!r.ok) return failWith(ev, r)
  return { saved: true }
}, zod$({
  ...Object.fromEntries(EVENT_WEIGHT_FIELDS.map(([type]) => [`w_${type}`, weight])) as Record<`w_${EventType}`, typeof weight>,
  halfLifeDays: autoOr(days),
  intentHalfLifeDays: autoOr(days),
  itemsPerShopper: autoOr(z.coerce.number({ invalid_type_error: 'Enter a number or auto' }).int('Whole numbers only').min(10, 'At least 10').max(1000, 'At most 1000')),
  regularisation: autoOr(z.coerce.number({ invalid_type_error: 'Enter a number or auto' }).min(0.1, 'At least 0.1').max(1000, 'At most 1000')),
}))

export const useSetStatus = routeAction$(async (form, ev) => {
  const r = await apiFetch<Saved>(ev, `/api/v1/tenants/${ev.params.id}`, { method: 'PUT', body: { status: form.status } satisfies TenantUpdate })
  if (!r.ok) return failWith(ev, r)
  return { status: r.data.status }
}, zod$({ status: z.enum(['active', 'suspended']) }))

export const useDeleteTenant = routeAction$(async (form, ev) => {
  const t = await apiFetch<ApiData<TenantPath, 'get'>>(ev, `/api/v1/tenants/${ev.params.id}`)
  if (!t.ok) return failWith(ev, t)
  if (form.confirm.trim() !== t.data.name) return ev.fail(400, { fieldErrors: { confirm: ['Type the tenant name exactly to confirm'] } })
  const r = await apiFetch<ApiData<TenantPath, 'delete'>>(ev, `/api/v1/tenants/${ev.params.id}`, { method: 'DELETE' })
  if (!r.ok) return failWith(ev, r)
  throw ev.redirect(303, '/dashboard/tenants')
}, zod$({ confirm: z.string() }))

export default component$(() => {
  const tenant = useTenant()
  const usage = useUsage()
  const quality = useModelQuality()
  const save = useSaveConfig()
  const model = useSaveModelSettings()
  const setStatus = useSetStatus()
  const del = useDeleteTenant()
  const loc = useLocation()
  const t = tenant.value
  const sv = save.value as any
  const mv = model.value as any
  const rec = t.config.recommendations
  const dv = del.value as any
  return (
    <>
      <PageHeader title={t.name} lead={`Tenant ID ${t.id} · created ${formatDate(t.createdAt)}`}>
        <span class={t.status === 'active' ? 'badge badge-ok' : 'badge badge-warn'}>{t.status}</span>
      </PageHeader>
      {loc.url.searchParams.get('created') && (
        <Alert kind="success" title="Tenant created.">Next: <Link href={`/dashboard/tenants/${t.id}/api-keys`}>create an API key</Link> and upload your catalog (see the <Link href="/docs/quickstart">quick start</Link>).</Alert>
      )}
      <section aria-labelledby="usage-title">
        <h2 id="usage-title">Usage</h2>
        <KpiGrid label="Usage">
          <KpiCard label="API requests (all keys)" value={formatInt(usage.value.requests)} hint={usage.value.lastUsed ? `last ${formatDate(usage.value.lastUsed)}` : 'no requests yet'} />
          <KpiCard label="Active API keys" value={formatInt(usage.value.activeKeys)} />
          <KpiCard label="Products in catalog" value={usage.value.products === null ? '—' : formatInt(usage.value.products)} />
          <KpiCard label="Impressions, 30 days" value={usage.value.traffic ? formatInt(usage.value.traffic.impressions) : '—'} />
          <KpiCard label="Clicks, 30 days" value={usage.value.traffic ? formatInt(usage.value.traffic.clicks) : '—'} />
        </KpiGrid>
      </section>
      <section class="card" aria-labelledby="config-title">
        <h2 id="config-title">Configuration</h2>
        {sv?.saved && <Alert kind="success">Configuration saved.</Alert>}
        {sv?.failed && <ProblemAlert problem={sv.problem} message={sv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={save}>
          <FormField name="name" label="Name" required maxLength={120} value={t.name} error={fieldError(sv, 'name')} />
          <SelectField name="defaultStrategy" label="Default strategy" options={STRATEGY_OPTIONS} value={t.config.defaultStrategy} hint="Used by every placement that has no strategy of its own." error={fieldError(sv, 'defaultStrategy')} />
          <div class="checkbox">
            <input id="f-excludePurchased" type="checkbox" name="excludePurchased" checked={t.config.excludePurchased} />
            <label for="f-excludePurchased">Exclude products the user already bought</label>
          </div>
          <FormField name="attributionWindowHours" type="number" label="Attribution window (hours)" min={1} max={2160} step={1} required value={t.config.attributionWindowHours} hint="A purchase counts as a conversion when the user clicked that product in a recommendation within this many hours before." error={fieldError(sv, 'attributionWindowHours')} />
          <div class="form-row">
            <FormField name="rateRead" type="number" label="Read requests per minute per key" min={1} step={1} required value={t.config.rateLimits.read} hint="The server caps what a tenant may set (MAX_TENANT_RATE_LIMIT, 100,000 by default)." error={fieldError(sv, 'rateRead') ?? fieldError(sv, 'rateLimits.read')} />
            <FormField name="rateWrite" type="number" label="Write requests per minute per key" min={1} step={1} required value={t.config.rateLimits.write} error={fieldError(sv, 'rateWrite') ?? fieldError(sv, 'rateLimits.write')} />
          </div>
          <button type="submit" class="btn" disabled={save.isRunning}>Save configuration</button>
        </Form>
      </section>
      <ModelQualityCard quality={quality.value} />
      <section class="card" aria-labelledby="model-title">
        <h2 id="model-title">How recommendations read behaviour</h2>
        <p>What each event says about liking a product, and how fast it fades. Saving rebuilds the tenant's model with these settings; <code>GET /api/v1/models</code> shows the settings the current model was built with.</p>
        {mv?.saved && <Alert kind="success">Model settings saved: the model is being rebuilt with them.</Alert>}
        {mv?.failed && <ProblemAlert problem={mv.problem} message={mv.fieldErrors ? 'Please correct the highlighted fields' : undefined} />}
        <Form action={model}>
          <fieldset>
            <legend>Event weights (0–100; 0 means the event says nothing)</legend>
            <div class="form-row">
              {EVENT_WEIGHT_FIELDS.map(([type, label]) => (
                <FormField key={type} name={`w_${type}`} type="number" label={label} min={0} max={100} step="any" required value={rec.eventWeights[type]} error={fieldError(mv, `w_${type}`)} />
              ))}
            </div>
          </fieldset>
          <div class="form-row">
            <FormField name="halfLifeDays" label="Model half-life (days)" required value={rec.halfLifeDays} hint={`Past interactions count half as much every this many days; 0 = never fade (books, films).${AUTO_HINT}`} error={fieldError(mv, 'halfLifeDays')} />
            <FormField name="intentHalfLifeDays" label="Shopper intent half-life (days)" required value={rec.intentHalfLifeDays} hint={`A shopper's own events fade this fast for their personal lists; 0 = never.${AUTO_HINT}`} error={fieldError(mv, 'intentHalfLifeDays')} />
            <FormField name="itemsPerShopper" label="Items learned per shopper" required value={rec.itemsPerShopper} hint={`Each shopper's most recent items the model learns from: few for shops, more for evergreen catalogs (10–1000).${AUTO_HINT}`} error={fieldError(mv, 'itemsPerShopper')} />
            <FormField name="regularisation" label="Regularisation" required value={rec.regularisation} hint={`How strongly learned item-to-item weights are held back (0.1–1000): higher suits sparse, noisy data.${AUTO_HINT}`} error={fieldError(mv, 'regularisation')} />
          </div>
          <button type="submit" class="btn" disabled={model.isRunning}>Save model settings</button>
        </Form>
      </section>
      <section class="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <p>{t.status === 'active' ? 'Suspending a tenant makes its API keys stop working until you resume it.' : 'This tenant is suspended: its API keys are refused.'}</p>
        {(setStatus.value as any)?.failed && <ProblemAlert problem={(setStatus.value as any).problem} />}
        <Form action={setStatus}>
          <input type="hidden" name="status" value={t.status === 'active' ? 'suspended' : 'active'} />
          <button type="submit" class="btn btn-secondary">{t.status === 'active' ? 'Suspend tenant' : 'Resume tenant'}</button>
        </Form>
        <h3>Delete</h3>
        <p>Deleting stops the tenant at once; its data is purged after 30 days.</p>
        {dv?.failed && dv.problem && <ProblemAlert problem={dv.problem} />}
        <Form action={del} class="form-row">
          <FormField name="confirm" id="f-delete-confirm" label={`Type "${t.name}" to confirm`} required error={fieldError(dv, 'confirm')} />
          <div class="field"><button type="submit" class="btn btn-danger">Delete tenant</button></div>
        </Form>
      </section>
    </>
  )
})

/** The model's grade of itself on each shopper's newest interactions, each strategy against the best-sellers. Server-rendered: no client JS. */
const ModelQualityCard = component$<{ quality: { status: string; evaluation: Evaluation | null } | null }>(({ quality }) => {
  const e = quality?.evaluation
  return (
    <section class="card" aria-labelledby="quality-title">
      <h2 id="quality-title">Model quality</h2>
      {!e ? (
        <p class="muted">{quality?.status === 'building' ? 'The model is being built; its grade shows here when it is ready.' : 'Not graded yet: at each full rebuild the model hides each shopper\'s newest interactions and checks how many it would have found. It needs at least 20 shoppers with a few events each.'}</p>
      ) : (
        <>
          <p class="verdict"><strong>{verdict(e)}</strong>.</p>
          <dl class="bars" aria-label="Share of what shoppers bought next found in 10 recommendations">
            {bars(e).map((b) => (
              <div key={b.strategy} class={b.baseline ? 'bar bar-baseline' : 'bar'}>
                <dt>{b.label}{b.baseline && <span class="muted"> (baseline)</span>}</dt>
                <dd><span class="bar-track" aria-hidden="true"><span class="bar-fill" style={{ width: `${b.width}%` }} /></span>{b.text}</dd>
              </div>
            ))}
          </dl>
          <p class="muted">Recall at 10 on {formatInt(e.holdoutUsers)} shoppers' newest interactions, held out of training ({formatDate(e.evaluatedAt)}). Settings in use: {settingsInWords(e.chosenSettings)}.</p>
        </>
      )}
    </section>
  )
})

export const head: DocumentHead = ({ resolveValue }) => ({ title: resolveValue(useTenant).name })
