// The segment form's conditions: the common cases as fields (purchases at least, spend at least, a trait
// equals), JSON for anything else. Pure: the page's action and its tests call it.

export type Condition = { field: string; op: string; value?: unknown } | { and: Condition[] } | { or: Condition[] } | { not: Condition }

export interface ConditionForm { minPurchases: string; minSpend: string; traitName: string; traitValue: string; json: string }
export type Built = { ok: true; conditions: Condition } | { ok: false; field: keyof ConditionForm; message: string }

const EMPTY: ConditionForm = { minPurchases: '', minSpend: '', traitName: '', traitValue: '', json: '' }

/** A trait value as typed: true/false and numbers as such, anything else as text. */
function traitValueOf(s: string): string | number | boolean {
  const v = s.trim()
  if (v === 'true' || v === 'false') return v === 'true'
  if (v !== '' && Number.isFinite(Number(v))) return Number(v)
  return v
}

/** The conditions the form describes: the JSON when given (it wins), else every filled field, all of them required. */
export function buildConditions(f: Partial<ConditionForm>): Built {
  const form = { ...EMPTY, ...f }
  if (form.json.trim()) {
    try {
      const parsed = JSON.parse(form.json) as unknown
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, field: 'json', message: 'must be a JSON object: { "field": …, "op": …, "value": … }, { "and": [...] }, { "or": [...] } or { "not": … }' }
      return { ok: true, conditions: parsed as Condition }
    } catch {
      return { ok: false, field: 'json', message: 'is not valid JSON' }
    }
  }
  const parts: Condition[] = []
  const atLeast = (key: 'minPurchases' | 'minSpend', field: string): Built | undefined => {
    const s = form[key].trim()
    if (!s) return undefined
    const n = Number(s)
    if (!Number.isFinite(n) || n < 0) return { ok: false, field: key, message: 'must be a number ≥ 0' }
    parts.push({ field, op: 'gte', value: n })
    return undefined
  }
  const bad = atLeast('minPurchases', 'purchaseCount') ?? atLeast('minSpend', 'totalSpend')
  if (bad) return bad
  const name = form.traitName.trim()
  if (name) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) return { ok: false, field: 'traitName', message: 'letters, digits, _ and - only (up to 64)' }
    parts.push({ field: `traits.${name}`, op: 'eq', value: traitValueOf(form.traitValue) })
  } else if (form.traitValue.trim()) return { ok: false, field: 'traitName', message: 'name the trait the value is for' }
  if (!parts.length) return { ok: false, field: 'minPurchases', message: 'fill in at least one condition, or write them as JSON' }
  return { ok: true, conditions: parts.length === 1 ? parts[0]! : { and: parts } }
}

/** The form fields that give these conditions back, when they are one of the common cases; else the JSON. */
export function formOf(c: Condition): ConditionForm {
  const parts = 'and' in c ? c.and : [c]
  const out = { ...EMPTY }
  for (const p of parts) {
    if (!('field' in p)) return { ...EMPTY, json: JSON.stringify(c, null, 2) }
    if (p.field === 'purchaseCount' && p.op === 'gte' && typeof p.value === 'number' && !out.minPurchases) out.minPurchases = String(p.value)
    else if (p.field === 'totalSpend' && p.op === 'gte' && typeof p.value === 'number' && !out.minSpend) out.minSpend = String(p.value)
    else if (p.field.startsWith('traits.') && p.op === 'eq' && ['string', 'number', 'boolean'].includes(typeof p.value) && !out.traitName) {
      out.traitName = p.field.slice(7)
      out.traitValue = String(p.value)
    } else return { ...EMPTY, json: JSON.stringify(c, null, 2) }
  }
  const back = buildConditions(out)
  return back.ok && JSON.stringify(back.conditions) === JSON.stringify(c) ? out : { ...EMPTY, json: JSON.stringify(c, null, 2) }
}

/** A condition in words, for the list. */
export function describeConditions(c: Condition | null | undefined): string {
  if (!c) return '—'
  if ('and' in c) return c.and.map(describeConditions).join(' and ')
  if ('or' in c) return `(${c.or.map(describeConditions).join(' or ')})`
  if ('not' in c) return `not ${describeConditions(c.not)}`
  const ops: Record<string, string> = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in', nin: 'not in', contains: 'contains', exists: 'exists' }
  return c.op === 'exists' ? `${c.field} ${c.value === false ? 'is missing' : 'exists'}` : `${c.field} ${ops[c.op] ?? c.op} ${JSON.stringify(c.value)}`
}
