// The rule form, both ways: the fields a merchandiser fills (the common conditions built for
// them: category is, price below, same brand or category as the viewed product; anything else
// as JSON) → the API's rule body; and a stored rule → the form's values. Pure, unit-tested.
import type { ApiBody, ApiData } from '../../lib/api'

export type Rule = ApiData<'/api/v1/rules/{id}', 'get'>
export type RuleBody = ApiBody<'/api/v1/rules', 'post'>
export type Condition = NonNullable<RuleBody['condition']>
export interface FieldError { field: string; message: string }

export const ACTIONS = ['filter', 'exclude', 'boost', 'bury', 'pin', 'diversify'] as const
export const ACTION_LABELS: Record<(typeof ACTIONS)[number], string> = {
  filter: 'Filter: keep only matching items', exclude: 'Exclude matching items', boost: 'Boost matching items',
  bury: 'Bury matching items', pin: 'Pin products at positions', diversify: 'Diversify: cap items per category or attribute',
}
export const CONDITION_KINDS = ['none', 'category', 'priceBelow', 'sameBrand', 'sameCategory', 'json'] as const
export type ConditionKind = (typeof CONDITION_KINDS)[number]
export const CONDITION_LABELS: Record<ConditionKind, string> = {
  none: 'Every item', category: 'Category is …', priceBelow: 'Price below …', sameBrand: 'Same brand as the viewed product',
  sameCategory: 'Same category as the viewed product', json: 'Advanced (JSON)',
}

/** The form's values, as strings (what inputs hold). */
export interface RuleFormValues {
  name: string; action: string; active: boolean; priority: string
  placements: string; segments: string; strategies: string; contexts: string
  from: string; to: string
  factor: string; productIds: string; positions: string; maxPerCategory: string; maxPerAttribute: string; max: string
  conditionKind: ConditionKind; category: string; priceBelow: string; conditionJson: string
}

export const EMPTY_FORM: RuleFormValues = {
  name: '', action: 'boost', active: true, priority: '0', placements: '', segments: '', strategies: '', contexts: '', from: '', to: '',
  factor: '2', productIds: '', positions: '', maxPerCategory: '', maxPerAttribute: '', max: '', conditionKind: 'none', category: '', priceBelow: '', conditionJson: '',
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean)
/** datetime-local ("2026-11-27T00:00", read as UTC) ↔ ISO. */
const toIso = (s: string) => (s.length === 16 ? `${s}:00Z` : s)
const fromIso = (s: string | undefined) => (s ? s.slice(0, 16) : '')

/** The form's condition as the API's, for the kinds the form builds. */
export function conditionOf(v: Pick<RuleFormValues, 'conditionKind' | 'category' | 'priceBelow' | 'conditionJson'>): { condition?: Condition; error?: FieldError } {
  switch (v.conditionKind) {
    case 'none': return {}
    case 'category': return v.category.trim() ? { condition: { field: 'category', op: 'eq', value: v.category.trim() } } : { error: { field: 'category', message: 'Name the category.' } }
    case 'priceBelow': {
      const n = Number(v.priceBelow)
      return v.priceBelow.trim() && Number.isFinite(n) ? { condition: { field: 'price', op: 'lt', value: n } } : { error: { field: 'priceBelow', message: 'Give a price, e.g. 50.' } }
    }
    case 'sameBrand': return { condition: { field: 'attributes.brand', op: 'eq', value: '$product.attributes.brand' } }
    case 'sameCategory': return { condition: { field: 'category', op: 'eq', value: '$product.category' } }
    case 'json': {
      try {
        const c = JSON.parse(v.conditionJson) as unknown
        if (typeof c !== 'object' || c === null || Array.isArray(c)) return { error: { field: 'conditionJson', message: 'A condition is a JSON object, e.g. {"field":"price","op":"lt","value":50}.' } }
        return { condition: c as Condition }
      } catch {
        return { error: { field: 'conditionJson', message: 'This is not valid JSON.' } }
      }
    }
  }
}

/** How the form shows a stored condition: one of its simple kinds when it is one, JSON otherwise. */
export function conditionForm(c: Condition | undefined): Pick<RuleFormValues, 'conditionKind' | 'category' | 'priceBelow' | 'conditionJson'> {
  const none = { category: '', priceBelow: '', conditionJson: '' }
  if (!c) return { conditionKind: 'none', ...none }
  const leaf = c as { field?: string; op?: string; value?: unknown }
  if (leaf.field === 'category' && leaf.op === 'eq' && leaf.value === '$product.category') return { conditionKind: 'sameCategory', ...none }
  if (leaf.field === 'attributes.brand' && leaf.op === 'eq' && leaf.value === '$product.attributes.brand') return { conditionKind: 'sameBrand', ...none }
  if (leaf.field === 'category' && leaf.op === 'eq' && typeof leaf.value === 'string' && !leaf.value.startsWith('$')) return { conditionKind: 'category', ...none, category: leaf.value }
  if (leaf.field === 'price' && leaf.op === 'lt' && typeof leaf.value === 'number') return { conditionKind: 'priceBelow', ...none, priceBelow: String(leaf.value) }
  return { conditionKind: 'json', ...none, conditionJson: JSON.stringify(c, null, 2) }
}

/** A stored rule as the form's values. */
export function formOfRule(r: Rule): RuleFormValues {
  return {
    name: r.name, action: r.action, active: r.active, priority: String(r.priority),
    placements: (r.scope.placements ?? []).join(', '), segments: (r.scope.segments ?? []).join(', '),
    strategies: (r.scope.strategies ?? []).join(', '), contexts: (r.scope.contexts ?? []).join(', '),
    from: fromIso(r.schedule?.from), to: fromIso(r.schedule?.to),
    factor: r.factor === undefined ? '' : String(r.factor), productIds: (r.productIds ?? []).join(', '), positions: (r.positions ?? []).join(', '),
    maxPerCategory: r.maxPerCategory === undefined ? '' : String(r.maxPerCategory),
    maxPerAttribute: r.maxPer?.startsWith('attributes.') ? r.maxPer.slice(11) : '', max: r.max === undefined ? '' : String(r.max),
    ...conditionForm(r.condition as Condition | undefined),
  }
}

/** Reads a submitted form (routeAction$'s record) into its values. */
export function valuesOf(form: Record<string, unknown>): RuleFormValues {
  const s = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '').trim()
  const kind = s('conditionKind') as ConditionKind
  return {
    name: s('name'), action: s('action'), active: form.active === 'on' || form.active === 'true', priority: s('priority') || '0',
    placements: s('placements'), segments: s('segments'), strategies: s('strategies'), contexts: s('contexts'), from: s('from'), to: s('to'),
    factor: s('factor'), productIds: s('productIds'), positions: s('positions'), maxPerCategory: s('maxPerCategory'), maxPerAttribute: s('maxPerAttribute'), max: s('max'),
    conditionKind: CONDITION_KINDS.includes(kind) ? kind : 'none', category: s('category'), priceBelow: s('priceBelow'), conditionJson: s('conditionJson'),
  }
}

/**
 * The API body for the form's values; only the action's own parameters are sent. Checks what the form
 * can (numbers are numbers); the API checks the rest and its errors come back per field (formField).
 */
export function bodyOf(v: RuleFormValues): { ok: true; body: RuleBody } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = []
  const num = (field: string, s: string) => {
    const n = Number(s)
    if (!s || !Number.isFinite(n)) errors.push({ field, message: 'Give a number.' })
    return n
  }
  const action = (ACTIONS as readonly string[]).includes(v.action) ? v.action as RuleBody['action'] : undefined
  if (!action) errors.push({ field: 'action', message: 'Choose an action.' })
  const body: Record<string, unknown> = { name: v.name, action, active: v.active, priority: Number(v.priority) || 0 }
  const scope: Record<string, string[]> = {}
  for (const k of ['placements', 'segments', 'strategies', 'contexts'] as const) if (list(v[k]).length) scope[k] = list(v[k])
  body.scope = scope
  if (v.from || v.to) body.schedule = { ...(v.from ? { from: toIso(v.from) } : {}), ...(v.to ? { to: toIso(v.to) } : {}) }
  if (action === 'boost' || action === 'bury') body.factor = num('factor', v.factor)
  if (action === 'pin') {
    body.productIds = list(v.productIds)
    body.positions = list(v.positions).map((p) => Number(p))
    if (!list(v.productIds).length) errors.push({ field: 'productIds', message: 'List the products to pin.' })
    if (body.positions && (body.positions as number[]).some((p) => !Number.isInteger(p))) errors.push({ field: 'positions', message: 'Positions are whole numbers, 1 for the first.' })
  }
  if (action === 'diversify') {
    if (v.maxPerAttribute) { body.maxPer = `attributes.${v.maxPerAttribute}`; body.max = num('max', v.max) }
    else body.maxPerCategory = num('maxPerCategory', v.maxPerCategory)
  }
  if (action !== 'pin' || v.conditionKind !== 'none') {
    const c = conditionOf(v)
    if (c.error) errors.push(c.error)
    else if (c.condition) body.condition = c.condition
  }
  return errors.length ? { ok: false, errors } : { ok: true, body: body as RuleBody }
}

/** An API error's field (condition.and[1].op, scope.contexts[0], maxPer) → the form's field it belongs to. */
export function formField(apiField: string): string {
  const f = apiField.replace(/^\//, '').replace(/\//g, '.')
  if (f.startsWith('condition')) return 'condition'
  if (f.startsWith('scope.')) return f.slice(6).replace(/\[\d+\]$/, '')
  if (f.startsWith('schedule.')) return f.slice(9)
  if (f === 'maxPer') return 'maxPerAttribute'
  return f.replace(/\[\d+\]$/, '')
}

export const EFFECT_LABELS: Record<string, string> = {
  boosted: 'boosted', buried: 'buried', demoted: 'moved down (diversity)', pinned: 'pinned', moved_up: 'moved up (items above removed)', removed: 'removed',
}
