// What `explain=true` answers: the candidates the rules saw, the list without rules, and
// each step a rule took. Only built when asked for (the hot path collects nothing).
import type { TraceStep } from './apply.ts'
import type { Skipped } from './select.ts'

export type { TraceStep }

export interface RulesTrace {
  /** Each of the tenant's rules and whether it ran for this request (skipped: why not). */
  rules: { id: string; name: string; action: string; applied: boolean; skipped?: Skipped }[]
  /** What no list may hold, before any rule ran. */
  hardExclusions: { contextProduct: string | null; cart: number; purchased: number; unavailable: number }
  /** Every candidate considered, in rank order, with its score before the rules. */
  candidates: { productId: string; score: number; reason: string; source: 'strategy' | 'fallback' | 'refill' }[]
  /** The answer without rules (the first `limit` candidates). */
  before: string[]
  steps: TraceStep[]
}
