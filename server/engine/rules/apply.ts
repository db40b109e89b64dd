// Applying a request's rules to its ranked candidates, pure. The order is fixed (README
// "Merchandising rules"): hard exclusions (done before: the candidates never hold them) →
// filters and excludes → boosts and buries (rescore, re-rank) → diversity caps → pins →
// truncate to the limit. A list short after the filters is refilled from `more` (the next
// candidates, then the fallback chain, then the rest of the catalog), so a filter never
// leaves a list short while the catalog has items that pass it.
import type { Candidate } from '../strategies/ranking.ts'
import type { Item } from '../types.ts'
import { itemField, type RuleEffect, type RuleRef, type ServingRule } from './rule.ts'

export type Source = 'strategy' | 'fallback' | 'refill'
export interface Entry extends Candidate { source: Source; rules?: RuleRef[] }

export interface TraceStep { stage: 'filter' | 'boost' | 'diversify' | 'pin'; ruleId: string; ruleName: string; productId: string; effect: RuleEffect; from?: number; to?: number }

export interface RulesInput {
  rules: readonly ServingRule[]
  /** Ranked, hard exclusions already out. */
  pool: Entry[]
  limit: number
  items: readonly Item[]
  byId: ReadonlyMap<string, number>
  /** Whether an item is under a hard exclusion (unavailable, the context product, the cart, purchased). */
  hardExcluded: (index: number) => boolean
  /** Up to n further candidates, none seen before, lower ranked than all before; [] when none are left. */
  more: (n: number) => Entry[]
  params: (name: string) => unknown
  /** Collects the trace (explain); absent on the hot path. */
  trace?: TraceStep[]
}

export interface RulesOutput { items: Entry[]; considered: number }

/** The largest refill batch: one refill asks the fallback chain for at most this many more. */
const REFILL_MAX = 4096

export function applyRules(x: RulesInput): RulesOutput {
  const { rules, limit, items, trace } = x
  // One field reader, pointed at the item under test: no closure per item and rule on the hot path.
  let current: Item = items[0]!
  const field = (n: string) => itemField(current, n)
  const fieldsOf = (i: number) => { current = items[i]!; return field }
  const matches = (r: ServingRule, i: number) => r.test === undefined || r.test(fieldsOf(i), x.params)
  const gates = rules.filter((r) => r.action === 'filter' || r.action === 'exclude')
  const weights = rules.filter((r) => r.action === 'boost' || r.action === 'bury')
  const caps = rules.filter((r) => r.action === 'diversify' && r.capField !== undefined)
  const pins = rules.filter((r) => r.action === 'pin')
  const refOf = (r: ServingRule, effect: RuleEffect): RuleRef => ({ id: r.id, name: r.name, effect })
  const tag = (e: Entry, r: ServingRule, effect: RuleEffect) => {
    const ref = refOf(r, effect)
    if (!e.rules) e.rules = [ref]
    else if (!e.rules.some((q) => q.id === r.id && q.effect === effect)) e.rules.push(ref)
  }
  const step = (stage: TraceStep['stage'], r: ServingRule, e: Entry, effect: RuleEffect, from?: number, to?: number) =>
    trace?.push({ stage, ruleId: r.id, ruleName: r.name, productId: items[e.index]!.productId, effect, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) })
  /** The gate that removes an item, if any (a filter keeps only matches; an exclude drops them). */
  const gateOf = (i: number): ServingRule | undefined => {
    if (gates.length === 0) return undefined
    const f = fieldsOf(i)
    for (const r of gates) {
      const hit = r.test === undefined || r.test(f, x.params)
      if (r.action === 'filter' ? !hit : hit) return r
    }
    return undefined
  }

  // Filters and excludes, refilling while short. Survivors below a removed item rose because of it.
  let considered = 0
  const kept: Entry[] = []
  const removedAbove: ServingRule[] = []
  const pass = (batch: Entry[]) => {
    for (const e of batch) {
      considered++
      const gate = gateOf(e.index)
      if (gate) {
        if (!removedAbove.includes(gate)) removedAbove.push(gate)
        step('filter', gate, e, 'removed')
        continue
      }
      for (const r of removedAbove) tag(e, r, 'moved_up')
      kept.push(e)
    }
  }
  pass(x.pool)
  let ask = Math.max(limit, 8)
  while (gates.length && kept.length < limit) {
    const batch = x.more(ask)
    if (batch.length === 0) break
    pass(batch)
    ask = Math.min(ask * 4, REFILL_MAX)
  }

  // Boosts and buries: rescore, then a stable re-rank.
  let list = kept
  if (weights.length) {
    const before = trace ? new Map(list.map((e, k) => [e, k])) : undefined
    for (const e of list) {
      const f = fieldsOf(e.index)
      for (const r of weights) if (r.test === undefined || r.test(f, x.params)) { e.score *= r.multiplier; tag(e, r, r.action === 'boost' ? 'boosted' : 'buried') }
    }
    list = list.map((e, k) => [e, k] as const).sort((a, b) => b[0].score - a[0].score || a[1] - b[1]).map(([e]) => e)
    if (trace) list.forEach((e, to) => {
      const from = before!.get(e)!
      for (const ref of e.rules ?? []) if (ref.effect === 'boosted' || ref.effect === 'buried') {
        const r = weights.find((w) => w.id === ref.id)!
        step('boost', r, e, ref.effect, from + 1, to + 1)
      }
    })
  }

  // Diversity: past a rule's cap, items move below every item within it (demoted, not dropped).
  for (const r of caps) {
    const counts = new Map<unknown, number>()
    const within: Entry[] = [], over: Entry[] = []
    for (const e of list) {
      const key = itemField(items[e.index]!, r.capField!)
      if (key === undefined || key === null || (r.test && !matches(r, e.index))) { within.push(e); continue }
      const n = (counts.get(key) ?? 0) + 1
      counts.set(key, n)
      if (n <= r.cap) within.push(e)
      else over.push(e)
    }
    if (over.length) {
      if (trace) over.forEach((e, k) => step('diversify', r, e, 'demoted', list.indexOf(e) + 1, within.length + k + 1))
      for (const e of over) tag(e, r, 'demoted')
      list = [...within, ...over]
    }
  }

  // Pins, highest priority first: a position taken stays taken; a pinned item must be
  // in the catalog, available, under no hard exclusion and through every filter.
  if (pins.length) {
    const taken = new Map<number, Entry>()
    const pinned = new Set<number>()
    for (const r of pins) for (const p of r.pins) {
      const i = x.byId.get(p.productId)
      if (i === undefined || pinned.has(i) || taken.has(p.position) || !items[i]!.available || x.hardExcluded(i) || gateOf(i) || (r.test && !matches(r, i))) continue
      const existing = list.find((e) => e.index === i)
      const e: Entry = existing ?? { index: i, score: 0, reason: 'Pinned by a merchandising rule', source: 'refill' }
      tag(e, r, 'pinned')
      if (trace) step('pin', r, e, 'pinned', existing ? list.indexOf(existing) + 1 : undefined, p.position)
      taken.set(p.position, e)
      pinned.add(i)
    }
    const rest = list.filter((e) => !pinned.has(e.index))
    const out: Entry[] = []
    for (const [position, e] of [...taken].sort((a, b) => a[0] - b[0])) {
      while (out.length < position - 1 && rest.length) out.push(rest.shift()!)
      // It takes the score of the item it displaces, so scores stay non-increasing.
      e.score = rest[0]?.score ?? out[out.length - 1]?.score ?? 1
      out.push(e)
    }
    list = [...out, ...rest]
  }

  // Truncate; scores back into [0, 1], non-increasing (boosts may lift one past 1, demotions leave one above its predecessor).
  list = list.slice(0, limit)
  const top = list.reduce((m, e) => Math.max(m, e.score), 0)
  const scale = top > 1 ? 1 / top : 1
  let ceiling = 1
  for (const e of list) { e.score = Math.min(e.score * scale, ceiling); ceiling = e.score }
  return { items: list, considered }
}
