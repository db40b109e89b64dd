// The rule editor (new and edit pages): action, its parameters, where it applies, when, and
// its condition, built from a few common choices or typed as JSON. Plain HTML form: every
// field is present, and the action's own parameters are the ones sent (form.ts bodyOf).
import { component$ } from '@builder.io/qwik'
import { Form, type ActionStore } from '@builder.io/qwik-city'
import { FormField, SelectField } from '../ui'
import { ACTION_LABELS, ACTIONS, CONDITION_KINDS, CONDITION_LABELS, type FieldError, type RuleFormValues } from './form'

export const RuleForm = component$<{ action: ActionStore<any, any, any>; values: RuleFormValues; errors: FieldError[]; submitLabel: string }>(({ action, values: v, errors, submitLabel }) => {
  const errorOf = (f: string) => errors.filter((e) => e.field === f).map((e) => e.message).join(' ') || undefined
  const area = (name: 'conditionJson', label: string, hint: string) => {
    const error = errorOf(name) ?? errorOf('condition')
    return (
      <div class="field">
        <label for={`f-${name}`}>{label}</label>
        <textarea id={`f-${name}`} name={name} rows={6} maxLength={20000} style="font-family:monospace;width:100%"
          aria-invalid={error ? 'true' : undefined} aria-describedby={`f-${name}-hint${error ? ` f-${name}-error` : ''}`}>{v.conditionJson}</textarea>
        <span id={`f-${name}-hint`} class="hint">{hint}</span>
        {error && <span id={`f-${name}-error`} class="error">{error}</span>}
      </div>
    )
  }
  return (
    <Form action={action} class="card" aria-label="Rule">
      <div class="form-row">
        <FormField name="name" label="Name" required maxLength={100} value={v.name} error={errorOf('name')} />
        <SelectField name="action" label="Action" value={v.action} error={errorOf('action')} options={ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }))} />
        <FormField name="priority" label="Priority" type="number" min={-1000} max={1000} step={1} value={v.priority} error={errorOf('priority')} hint="Higher runs first within its stage" />
      </div>
      <div class="checkbox">
        <input id="f-active" type="checkbox" name="active" checked={v.active} />
        <label for="f-active">Active</label>
      </div>

      <fieldset style="border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem">
        <legend style="font-weight:600">Which items</legend>
        <SelectField name="conditionKind" label="Condition" value={v.conditionKind} error={errorOf('condition')}
          hint="Filter keeps the matching items; exclude, boost and bury act on them; a pin places its products only when they match"
          options={CONDITION_KINDS.map((k) => ({ value: k, label: CONDITION_LABELS[k] }))} />
        <div class="form-row">
          <FormField name="category" label="Category (for “Category is”)" maxLength={200} value={v.category} error={errorOf('category')} />
          <FormField name="priceBelow" label="Price below (for “Price below”)" type="number" step="any" value={v.priceBelow} error={errorOf('priceBelow')} />
        </div>
        {area('conditionJson', 'Condition as JSON (for “Advanced”)', 'E.g. {"and":[{"field":"price","op":"gte","value":"$product.price*0.7"},{"field":"attributes.brand","op":"ne","value":"Acme"}]}. Fields: category, price, available, createdAt, productId, attributes.<name>; ops: eq ne gt gte lt lte in nin contains exists.')}
      </fieldset>

      <fieldset style="border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem">
        <legend style="font-weight:600">Action parameters</legend>
        <div class="form-row">
          <FormField name="factor" label="Factor (boost, bury)" type="number" min={0.1} max={10} step="any" value={v.factor} error={errorOf('factor')} hint="0.1–10: boost multiplies scores by it, bury divides" />
          <FormField name="productIds" label="Products to pin" maxLength={6000} value={v.productIds} error={errorOf('productIds')} hint="Product IDs, comma-separated" />
          <FormField name="positions" label="Pin positions" maxLength={200} value={v.positions} error={errorOf('positions')} hint="1 for the first, one per product" />
        </div>
        <div class="form-row">
          <FormField name="maxPerCategory" label="At most per category (diversify)" type="number" min={1} max={50} step={1} value={v.maxPerCategory} error={errorOf('maxPerCategory')} />
          <FormField name="maxPerAttribute" label="Or per attribute (diversify)" maxLength={64} value={v.maxPerAttribute} error={errorOf('maxPerAttribute')} hint="e.g. brand" />
          <FormField name="max" label="At most per attribute value" type="number" min={1} max={50} step={1} value={v.max} error={errorOf('max')} />
        </div>
      </fieldset>

      <fieldset style="border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem">
        <legend style="font-weight:600">Where and when (empty: everywhere, always)</legend>
        <div class="form-row">
          <FormField name="placements" label="Placements" maxLength={5000} value={v.placements} error={errorOf('placements')} hint="Comma-separated" />
          <FormField name="segments" label="Shopper segments" maxLength={3000} value={v.segments} error={errorOf('segments')} hint="Comma-separated" />
        </div>
        <div class="form-row">
          <FormField name="strategies" label="Strategies" maxLength={200} value={v.strategies} error={errorOf('strategies')} hint="collaborative, content_based, trending, frequently_bought_together" />
          <FormField name="contexts" label="Page contexts" maxLength={200} value={v.contexts} error={errorOf('contexts')} hint="product_page, cart_page, homepage" />
        </div>
        <div class="form-row">
          <FormField name="from" label="From (UTC)" maxLength={30} value={v.from} error={errorOf('from')} hint="e.g. 2026-11-27T00:00" placeholder="YYYY-MM-DDTHH:MM" />
          <FormField name="to" label="Until (UTC)" maxLength={30} value={v.to} error={errorOf('to')} hint="Exclusive" placeholder="YYYY-MM-DDTHH:MM" />
        </div>
      </fieldset>
      <button type="submit" class="btn" disabled={action.isRunning}>{submitLabel}</button>
    </Form>
  )
})
