// A merchandising rule as serving holds it: the stored rule (its API shape) compiled once
// per rules version, so the hot path runs closures and set lookups, not JSON. Which item
// fields and request parameters a rule's condition may name is defined here, once.
import { compileCondition, type Condition, type ConditionFn, type ConditionVocabulary } from '../conditions.ts'
import type { Context, Item, StrategyName } from '../types.ts'

export const RULE_ACTIONS = ['filter', 'exclude', 'boost', 'bury', 'pin', 'diversify'] as const
export type RuleAction = (typeof RULE_ACTIONS)[number]

/** What a rule did to an item. `moved_up`: it rose because the rule removed items above it. */
export type RuleEffect = 'removed' | 'boosted' | 'buried' | 'demoted' | 'pinned' | 'moved_up'
export interface RuleRef { id: string; name: string; effect: RuleEffect }

/** The fields of a catalog item a rule's condition may test, and the request parameters it may use. */
export const ITEM_VOCABULARY: ConditionVocabulary = {
  fields: { exact: ['category', 'price', 'available', 'createdAt', 'productId'], prefixes: ['attributes.'] },
  params: { exact: ['context.productId', 'product.category', 'product.price', 'user.segment'], prefixes: ['product.attributes.'] },
}

/** A rule as stored and written through the API (rules/model.ts is its schema). */
export interface RuleSpec {
  id: string
  name: string
  active: boolean
  priority: number
  scope: { placements?: string[]; segments?: string[]; strategies?: StrategyName[]; contexts?: Context[] }
  action: RuleAction
  condition?: Condition
  schedule?: { from?: string; to?: string }
  factor?: number
  productIds?: string[]
  positions?: number[]
  maxPerCategory?: number
  maxPer?: string
  max?: number
}

/** A rule ready to serve. */
export interface ServingRule {
  id: string
  name: string
  priority: number
  action: RuleAction
  active: boolean
  /** Absent: every item matches. */
  test?: ConditionFn
  /** Score multiplier: factor for a boost, 1 / factor for a bury. */
  multiplier: number
  /** Pins: product id → 1-based position. */
  pins: readonly { productId: string; position: number }[]
  /** Diversify: the field capped ('category' or 'attributes.<name>') and the cap. */
  capField?: string
  cap: number
  scope: { placements?: ReadonlySet<string>; segments?: ReadonlySet<string>; strategies?: ReadonlySet<string>; contexts?: ReadonlySet<string> }
  /** Epoch ms; absent = unbounded. */
  from?: number
  to?: number
}

const setOf = (xs: readonly string[] | undefined) => xs && xs.length ? new Set(xs) : undefined

export function compileRule(spec: RuleSpec): ServingRule {
  const factor = spec.factor ?? 1
  return {
    id: spec.id, name: spec.name, priority: spec.priority, action: spec.action, active: spec.active,
    test: spec.condition ? compileCondition(spec.condition) : undefined,
    multiplier: spec.action === 'boost' ? factor : spec.action === 'bury' ? 1 / factor : 1,
    pins: spec.action === 'pin' ? (spec.productIds ?? []).map((productId, k) => ({ productId, position: spec.positions?.[k] ?? k + 1 })) : [],
    capField: spec.action !== 'diversify' ? undefined : spec.maxPerCategory !== undefined ? 'category' : spec.maxPer,
    cap: spec.maxPerCategory ?? spec.max ?? Infinity,
    scope: { placements: setOf(spec.scope.placements), segments: setOf(spec.scope.segments), strategies: setOf(spec.scope.strategies), contexts: setOf(spec.scope.contexts) },
    from: spec.schedule?.from ? Date.parse(spec.schedule.from) : undefined,
    to: spec.schedule?.to ? Date.parse(spec.schedule.to) : undefined,
  }
}

/** An item's value for a condition's field name. */
export function itemField(item: Item, name: string): unknown {
  switch (name) {
    case 'category': return item.category
    case 'price': return item.price
    case 'available': return item.available
    case 'createdAt': return item.createdAt
    case 'productId': return item.productId
  }
  return name.startsWith('attributes.') ? item.attributes[name.slice(11)] : undefined
}

/** The request's parameters: the context product's id and fields, the shopper's segments. */
export function requestParams(productId: string | undefined, product: Item | undefined, segments: readonly string[] | undefined): (name: string) => unknown {
  return (name) => {
    switch (name) {
      case 'context.productId': return productId
      case 'user.segment': return segments
      case 'product.category': return product?.category
      case 'product.price': return product?.price
    }
    return product && name.startsWith('product.attributes.') ? product.attributes[name.slice(19)] : undefined
  }
}
