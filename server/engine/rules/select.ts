// Which of a tenant's rules apply to one request: active, inside their schedule at the
// app's clock, and in scope (placement, the shopper's segments, strategy, page context).
// A rule book also says what an answer cache must key on so a rule change or a schedule
// boundary is never served from a stale answer.
import type { Context, StrategyName } from '../types.ts'
import { compileRule, type RuleSpec, type ServingRule } from './rule.ts'

export interface RuleBook {
  /** Changes whenever a rule is written (the stored version). */
  version: string
  /** Highest priority first; ties by id (a fixed order). */
  rules: readonly ServingRule[]
  /** Every schedule's from/to, ascending: between two of them the active set is fixed. */
  boundaries: readonly number[]
  /** Segments any rule's scope names: an answer depends on the shopper's membership of these only. */
  segments: ReadonlySet<string>
  /** Whether a condition reads $user.segment (then every segment matters). */
  readsUserSegment: boolean
}

export function ruleBook(version: string, specs: readonly RuleSpec[]): RuleBook {
  const rules = specs.map(compileRule).sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const boundaries = [...new Set(rules.filter((r) => r.active).flatMap((r) => [r.from, r.to]).filter((t): t is number => t !== undefined && Number.isFinite(t)))].sort((a, b) => a - b)
  const segments = new Set(rules.filter((r) => r.active).flatMap((r) => [...r.scope.segments ?? []]))
  const readsUserSegment = specs.some((s) => s.active && s.condition !== undefined && JSON.stringify(s.condition).includes('"$user.segment'))
  return { version, rules, boundaries, segments, readsUserSegment }
}

export const EMPTY_RULE_BOOK: RuleBook = ruleBook('0', [])

export interface RuleRequest { placement?: string; segments?: readonly string[]; strategy: StrategyName; context: Context }
export type Skipped = 'inactive' | 'schedule' | 'scope'

export const inSchedule = (r: ServingRule, now: number) => (r.from === undefined || now >= r.from) && (r.to === undefined || now < r.to)

/** Why a rule does not apply to this request, or undefined when it does. */
export function skipReason(r: ServingRule, now: number, q: RuleRequest): Skipped | undefined {
  if (!r.active) return 'inactive'
  if (!inSchedule(r, now)) return 'schedule'
  const s = r.scope
  if (s.placements && (q.placement === undefined || !s.placements.has(q.placement))) return 'scope'
  if (s.strategies && !s.strategies.has(q.strategy)) return 'scope'
  if (s.contexts && !s.contexts.has(q.context)) return 'scope'
  if (s.segments && !(q.segments ?? []).some((x) => s.segments!.has(x))) return 'scope'
  return undefined
}

/** The rules this request runs, in the book's order. */
export function rulesFor(book: RuleBook, now: number, q: RuleRequest): ServingRule[] {
  const out: ServingRule[] = []
  for (const r of book.rules) if (skipReason(r, now, q) === undefined) out.push(r)
  return out
}

/**
 * The part of an answer cache's key the rules decide: the rules version, which schedule
 * window `now` is in (so an answer never outlives a boundary), and the shopper's segments
 * that any rule reads. Empty when the tenant has no rules.
 */
export function rulesKey(book: RuleBook, now: number, segments: readonly string[] | undefined): string {
  if (book.rules.length === 0) return ''
  let window = 0
  while (window < book.boundaries.length && book.boundaries[window]! <= now) window++
  const mine = !segments?.length ? '' : book.readsUserSegment ? [...segments].sort().join(',') : segments.filter((s) => book.segments.has(s)).sort().join(',')
  return `${book.version}.${window}.${mine}`
}

/** When the active set next changes after `now` (ms), or undefined: what a cached answer's lifetime is bounded by. */
export function nextBoundary(book: RuleBook, now: number): number | undefined {
  for (const t of book.boundaries) if (t > now) return t
  return undefined
}
