// The one small condition language rules (over catalog items) and segments (over shopper
// profiles) share: `{ field, op, value }`, `{ and: [...] }`, `{ or: [...] }`, `{ not: c }`.
// A string value starting with `$` is a request parameter (`$product.price`, optionally
// scaled: `$product.price*0.7`). Bounded in depth, size and string length; no regex and no
// code: `contains` is a plain substring or membership test. The caller says which field and
// parameter names are allowed and supplies their values, so this file knows neither items nor
// profiles.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { FieldError } from '../errors.ts'

export const CONDITION_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'exists'] as const
export type ConditionOp = (typeof CONDITION_OPS)[number]

/** Bounds on one condition tree (every request is bounded). */
export const CONDITION_LIMITS = { depth: 8, nodes: 64, listItems: 500, stringChars: 200 } as const

const Scalar = Type.Union([Type.String({ maxLength: CONDITION_LIMITS.stringChars }), Type.Number(), Type.Boolean(), Type.Null()])
const ListItem = Type.Union([Type.String({ maxLength: CONDITION_LIMITS.stringChars }), Type.Number()])

export const LeafConditionSchema = Type.Object({
  field: Type.String({ minLength: 1, maxLength: CONDITION_LIMITS.stringChars, description: 'The field tested, e.g. "price" or "attributes.brand"' }),
  op: Type.Union(CONDITION_OPS.map((op) => Type.Literal(op))),
  value: Type.Optional(Type.Union([Scalar, Type.Array(ListItem, { maxItems: CONDITION_LIMITS.listItems })], {
    description: 'A literal, a list (in/nin), or a request parameter: a string starting with "$", e.g. "$product.category" or "$product.price*0.7"',
  })),
}, { additionalProperties: false })

/** The whole recursive shape (used to check a stored or generated condition in one call). */
export const ConditionSchema = Type.Recursive((Self) => Type.Union([
  LeafConditionSchema,
  Type.Object({ and: Type.Array(Self, { minItems: 1, maxItems: CONDITION_LIMITS.nodes }) }, { additionalProperties: false }),
  Type.Object({ or: Type.Array(Self, { minItems: 1, maxItems: CONDITION_LIMITS.nodes }) }, { additionalProperties: false }),
  Type.Object({ not: Self }, { additionalProperties: false }),
]), { $id: 'Condition' })

export type LeafCondition = Static<typeof LeafConditionSchema>
export type Condition = LeafCondition | { and: Condition[] } | { or: Condition[] } | { not: Condition }

/**
 * A route's body schema for a condition. It documents the shape in OpenAPI but lets any object
 * through, so validateCondition can name the exact bad path (`condition.and[1].op`) where a
 * recursive union would only say "expected union value" at the top.
 */
export function conditionBodySchema(description: string): TSchema {
  const node = { type: 'object', description: 'A nested condition (same shape)' }
  return Type.Unsafe<Condition>({
    ...Type.Object({}, { additionalProperties: true }),
    description,
    anyOf: [
      LeafConditionSchema,
      { type: 'object', required: ['and'], properties: { and: { type: 'array', items: node, minItems: 1 } }, additionalProperties: false },
      { type: 'object', required: ['or'], properties: { or: { type: 'array', items: node, minItems: 1 } }, additionalProperties: false },
      { type: 'object', required: ['not'], properties: { not: node }, additionalProperties: false },
    ],
  })
}

/** Allowed names: exact ones, and prefixed families (`attributes.` + a name). */
export interface NameSet { exact: readonly string[]; prefixes?: readonly string[] }

export interface ConditionVocabulary {
  fields: NameSet
  /** Parameter names without the `$` (`product.price`). Empty: no parameters allowed. */
  params: NameSet
}

const SUFFIX = /^[A-Za-z0-9_-]{1,64}$/
const PARAM = /^\$([A-Za-z][A-Za-z0-9_.-]*)(?:\s*\*\s*(\d+(?:\.\d+)?))?$/

export function nameAllowed(set: NameSet, name: string): boolean {
  if (set.exact.includes(name)) return true
  for (const p of set.prefixes ?? []) if (name.startsWith(p) && SUFFIX.test(name.slice(p.length))) return true
  return false
}

/** A `$name` or `$name*factor` value, parsed; undefined for a literal. */
export function parseParam(value: unknown): { name: string; factor: number } | undefined {
  if (typeof value !== 'string' || !value.startsWith('$')) return undefined
  const m = PARAM.exec(value)
  return m ? { name: m[1]!, factor: m[2] === undefined ? 1 : Number(m[2]) } : { name: '', factor: NaN }
}

const checkLeaf = TypeCompiler.Compile(LeafConditionSchema)

export type ConditionCheck = { ok: true; value: Condition } | { ok: false; errors: FieldError[] }

/**
 * Checks an untrusted condition against the shape, the bounds and the caller's vocabulary.
 * Errors name the path from `root` (`condition.and[1].op`), the first one found.
 */
export function validateCondition(input: unknown, vocab: ConditionVocabulary, root = 'condition'): ConditionCheck {
  let nodes = 0
  const fail = (field: string, message: string): ConditionCheck => ({ ok: false, errors: [{ field, message }] })
  const walk = (c: unknown, path: string, depth: number): ConditionCheck | undefined => {
    if (depth > CONDITION_LIMITS.depth) return fail(path, `nests deeper than ${CONDITION_LIMITS.depth} levels`)
    if (++nodes > CONDITION_LIMITS.nodes) return fail(path, `the condition has more than ${CONDITION_LIMITS.nodes} parts`)
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return fail(path, 'must be an object: { field, op, value }, { and: [...] }, { or: [...] } or { not: ... }')
    const keys = Object.keys(c)
    if ('and' in c || 'or' in c) {
      const key = 'and' in c ? 'and' : 'or'
      if (keys.length !== 1) return fail(path, `"${key}" stands alone in its object`)
      const list = (c as Record<string, unknown>)[key]
      if (!Array.isArray(list) || list.length === 0) return fail(`${path}.${key}`, 'must be a non-empty array of conditions')
      for (let i = 0; i < list.length; i++) {
        const bad = walk(list[i], `${path}.${key}[${i}]`, depth + 1)
        if (bad) return bad
      }
      return undefined
    }
    if ('not' in c) {
      if (keys.length !== 1) return fail(path, '"not" stands alone in its object')
      return walk((c as { not: unknown }).not, `${path}.not`, depth + 1)
    }
    if (!checkLeaf.Check(c)) {
      const e = checkLeaf.Errors(c).First()!
      const sub = e.path.split('/').filter(Boolean)[0]
      const message = e.path === '/op' ? `must be one of ${CONDITION_OPS.join(', ')}`
        : e.message === 'Expected required property' ? 'is required'
          : e.message === 'Unexpected property' ? 'is not a known field' : e.message
      return fail(sub ? `${path}.${sub}` : path, message)
    }
    return leafProblem(c, path)
  }
  const leafProblem = (leaf: LeafCondition, path: string): ConditionCheck | undefined => {
    if (!nameAllowed(vocab.fields, leaf.field)) return fail(`${path}.field`, `is not a field a condition can test; one of ${describe(vocab.fields)}`)
    const { op, value } = leaf
    const param = parseParam(value)
    if (param) {
      if (!param.name || !Number.isFinite(param.factor)) return fail(`${path}.value`, 'a parameter is "$name" or "$name*number"')
      if (!nameAllowed(vocab.params, param.name)) return fail(`${path}.value`, vocab.params.exact.length || vocab.params.prefixes?.length ? `is not a known parameter; one of ${describe(vocab.params, '$')}` : 'parameters are not available here')
      if (op === 'exists') return fail(`${path}.value`, '"exists" takes true or false')
      return undefined
    }
    if (op === 'exists') return value === undefined || typeof value === 'boolean' ? undefined : fail(`${path}.value`, '"exists" takes true or false')
    if (value === undefined) return fail(`${path}.value`, 'is required')
    if (op === 'in' || op === 'nin') return Array.isArray(value) ? undefined : fail(`${path}.value`, `"${op}" takes a list`)
    if (Array.isArray(value)) return fail(`${path}.value`, `"${op}" takes a single value, not a list`)
    if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && typeof value !== 'number' && typeof value !== 'string') return fail(`${path}.value`, `"${op}" takes a number or a date`)
    if (op === 'contains' && (typeof value !== 'string' && typeof value !== 'number' || value === '')) return fail(`${path}.value`, '"contains" takes a non-empty string or a number')
    return undefined
  }
  return walk(input, root, 1) ?? { ok: true, value: input as Condition }
}

const describe = (set: NameSet, lead = '') => [...set.exact.map((n) => lead + n), ...(set.prefixes ?? []).map((p) => `${lead}${p}<name>`)].join(', ')

/** A compiled condition: reads fields and parameters through the caller's accessors. */
export type ConditionFn = (field: (name: string) => unknown, param: (name: string) => unknown) => boolean

/** Evaluates once (tests, one-offs); compileCondition for the hot path. */
export function evaluate(cond: Condition, field: (name: string) => unknown, param: (name: string) => unknown): boolean {
  return compileCondition(cond)(field, param)
}

/**
 * A closure for a (validated) condition. Missing values never match a comparison, so a rule
 * whose parameter the request lacks (no viewed product) neither keeps nor drops by accident:
 * its leaf is false (and `not` of it true). A list-valued parameter (`$user.segment`: the
 * shopper's segments) makes `eq` a membership test and `ne` its negation.
 */
export function compileCondition(cond: Condition): ConditionFn {
  if ('and' in cond) {
    const parts = cond.and.map(compileCondition)
    return (f, p) => { for (const part of parts) if (!part(f, p)) return false; return true }
  }
  if ('or' in cond) {
    const parts = cond.or.map(compileCondition)
    return (f, p) => { for (const part of parts) if (part(f, p)) return true; return false }
  }
  if ('not' in cond) {
    const inner = compileCondition(cond.not)
    return (f, p) => !inner(f, p)
  }
  return compileLeaf(cond)
}

function compileLeaf(leaf: LeafCondition): ConditionFn {
  const { field, op } = leaf
  const param = parseParam(leaf.value)
  if (op === 'exists') {
    const want = leaf.value !== false
    return (f) => present(f(field)) === want
  }
  const test = opTest(op)
  if (!param) {
    const value = op === 'in' || op === 'nin' ? new Set((leaf.value as (string | number)[])) : leaf.value
    return (f) => test(f(field), value)
  }
  const { name, factor } = param
  return (f, p) => {
    let v = p(name)
    if (v === undefined || v === null) return false
    if (factor !== 1) { if (typeof v !== 'number') return false; v = v * factor }
    if (Array.isArray(v)) {
      if (op === 'eq' || op === 'in') return anyOf(f(field), v, 'eq')
      if (op === 'ne' || op === 'nin') return !anyOf(f(field), v, 'eq')
      return anyOf(f(field), v, op)
    }
    return test(f(field), op === 'in' || op === 'nin' ? new Set([v as string | number]) : v)
  }
}

const present = (v: unknown) => v !== undefined && v !== null && v !== ''

function anyOf(actual: unknown, values: readonly unknown[], op: ConditionOp): boolean {
  const test = opTest(op)
  for (const v of values) if (test(actual, v)) return true
  return false
}

type Test = (actual: unknown, value: unknown) => boolean

function opTest(op: ConditionOp): Test {
  switch (op) {
    case 'eq': return equals
    case 'ne': return (a, v) => present(a) && !equals(a, v)
    case 'gt': return (a, v) => { const c = compare(a, v); return c !== undefined && c > 0 }
    case 'gte': return (a, v) => { const c = compare(a, v); return c !== undefined && c >= 0 }
    case 'lt': return (a, v) => { const c = compare(a, v); return c !== undefined && c < 0 }
    case 'lte': return (a, v) => { const c = compare(a, v); return c !== undefined && c <= 0 }
    case 'in': return (a, v) => memberOf(a, v as Set<unknown>)
    case 'nin': return (a, v) => present(a) && !memberOf(a, v as Set<unknown>)
    case 'contains': return contains
    case 'exists': return (a) => present(a)
  }
}

/** Equality; an array field (categoriesViewed, a multi-valued attribute) equals a value it holds. */
function equals(a: unknown, v: unknown): boolean {
  if (Array.isArray(a)) return a.some((x) => scalarEquals(x, v))
  return scalarEquals(a, v)
}

function scalarEquals(a: unknown, v: unknown): boolean {
  if (a === v) return true
  // Attributes arrive as JSON: "42" and 42 are the same to a merchandiser.
  if (typeof a === 'number' && typeof v === 'string') return v.trim() !== '' && Number(v) === a
  if (typeof a === 'string' && typeof v === 'number') return a.trim() !== '' && Number(a) === v
  return false
}

function memberOf(a: unknown, set: Set<unknown>): boolean {
  if (Array.isArray(a)) return a.some((x) => memberOf(x, set))
  if (set.has(a)) return true
  if (typeof a === 'number') return set.has(String(a))
  if (typeof a === 'string' && a.trim() !== '') { const n = Number(a); return Number.isFinite(n) && set.has(n) }
  return false
}

/** Order of two values: numbers numerically, dates (ISO strings or epoch ms) by time, other strings lexically. */
function compare(a: unknown, v: unknown): number | undefined {
  if (typeof a === 'number' && typeof v === 'number') return Number.isNaN(a) ? undefined : a - v
  if (typeof a === 'string' && typeof v === 'string') {
    const na = Number(a), nv = Number(v)
    if (a.trim() !== '' && v.trim() !== '' && Number.isFinite(na) && Number.isFinite(nv)) return na - nv
    return a < v ? -1 : a > v ? 1 : 0
  }
  if (typeof a === 'number' && typeof v === 'string') { const t = asNumber(v); return t === undefined ? undefined : a - t }
  if (typeof a === 'string' && typeof v === 'number') { const t = asNumber(a); return t === undefined ? undefined : t - v }
  return undefined
}

/** A numeric string as its number, else a date string as epoch ms. */
function asNumber(s: string): number | undefined {
  if (s.trim() === '') return undefined
  const n = Number(s)
  if (Number.isFinite(n)) return n
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : t
}

/** Substring (case-insensitive) of a string field, or membership of an array field. Bounded: values are ≤ 200 chars. */
function contains(a: unknown, v: unknown): boolean {
  if (Array.isArray(a)) return a.some((x) => scalarEquals(x, v) || (typeof x === 'string' && typeof v === 'string' && x.toLowerCase() === v.toLowerCase()))
  if (typeof a === 'string') return a.toLowerCase().includes(String(v).toLowerCase())
  return false
}
