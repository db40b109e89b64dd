import type { TSchema } from 'elysia'
import { conditionBodySchema } from '../../engine/conditions.ts'
import { RULE_ACTIONS } from '../../engine/rules/rule.ts'
import { CONTEXTS, STRATEGIES } from '../../vocabulary.ts'
import { DateTime, Literals, Strict, T } from '../../http/schemas.ts'

/** Rules a tenant may keep: each runs on every answer it scopes to. */
export const MAX_RULES_PER_TENANT = 200
/** Products one pin rule may place, and the deepest position (the largest list a request may ask for). */
export const MAX_PINS = 20
export const MAX_POSITION = 50

const Name = (maxLength: number) => T.String({ minLength: 1, maxLength, pattern: '^[^\\x00-\\x1F\\x7F]+$' })
// Elysia's `t` and the engine's TypeBox are one package; Deno's checker sees two copies of its declarations.
const Condition = conditionBodySchema(
  'Which items the rule acts on: { "field": "price", "op": "lt", "value": 50 }, { "and": [...] }, { "or": [...] } or { "not": {...} }. ' +
  'Fields: category, price, available, createdAt, productId, attributes.<name>. Ops: eq ne gt gte lt lte in nin contains exists. ' +
  'A value starting with "$" is a request parameter: $context.productId, $product.category, $product.price, $product.attributes.<name> ' +
  '(optionally scaled, "$product.price*0.7"), $user.segment (the shopper\'s segments). Up to 8 levels, 64 parts, lists of 500, strings of 200 characters.',
) as unknown as TSchema

const fields = {
  name: Name(100),
  active: T.Boolean({ description: 'Off: stored but never applied' }),
  priority: T.Integer({ minimum: -1000, maximum: 1000, description: 'Higher runs first within its stage; decides which pin keeps a contested position' }),
  scope: Strict({
    placements: T.Optional(T.Array(Name(100), { maxItems: 50, description: 'Only these placements (none listed: every one)' })),
    segments: T.Optional(T.Array(Name(64), { maxItems: 50, description: 'Only shoppers in one of these segments' })),
    strategies: T.Optional(T.Array(Literals(STRATEGIES), { maxItems: STRATEGIES.length, description: 'Only answers asked of these strategies' })),
    contexts: T.Optional(T.Array(Literals(CONTEXTS), { maxItems: CONTEXTS.length, description: 'Only these page contexts' })),
  }, { description: 'Where the rule applies; every list given must match' }),
  action: Literals(RULE_ACTIONS),
  condition: Condition,
  schedule: Strict({
    from: T.Optional(DateTime), to: T.Optional(DateTime),
  }, { description: 'On from `from` (inclusive) until `to` (exclusive), by the server clock; either may be left open' }),
  factor: T.Number({ minimum: 0.1, maximum: 10, description: 'boost: multiplies matching scores by it; bury: divides them by it' }),
  productIds: T.Array(T.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: MAX_PINS, description: 'pin: the products, placed when available and not excluded' }),
  positions: T.Array(T.Integer({ minimum: 1, maximum: MAX_POSITION }), { minItems: 1, maxItems: MAX_PINS, description: 'pin: 1-based, one per product' }),
  maxPerCategory: T.Integer({ minimum: 1, maximum: MAX_POSITION, description: 'diversify: at most this many items of one category (the rest move below)' }),
  maxPer: T.String({ pattern: '^(category|attributes\\.[A-Za-z0-9_-]{1,64})$', description: 'diversify: the field capped, "category" or "attributes.<name>"' }),
  max: T.Integer({ minimum: 1, maximum: MAX_POSITION, description: 'diversify: the cap for maxPer' }),
}

// The route handlers pass bodies on as RuleInput/RulePatch (service.ts), so these are typed loosely.
const optional = (keys: readonly (keyof typeof fields)[]): Record<string, TSchema> => Object.fromEntries(keys.map((k) => [k, T.Optional(fields[k] as TSchema)]))
const nullable = (keys: readonly (keyof typeof fields)[]): Record<string, TSchema> => Object.fromEntries(keys.map((k) => [k, T.Optional(T.Union([fields[k] as TSchema, T.Null()]))]))
const PARAMS = ['condition', 'schedule', 'factor', 'productIds', 'positions', 'maxPerCategory', 'maxPer', 'max'] as const

export const RuleModel = {
  params: T.Object({ id: T.String({ format: 'uuid' }) }),
  create: Strict({
    name: fields.name, action: fields.action,
    ...optional(['active', 'priority', 'scope']),
    ...optional(PARAMS),
  }, {
    description: 'active defaults to true, priority to 0, scope to everywhere',
    examples: [{ name: 'Boost footwear under 100', action: 'boost', priority: 10, scope: { placements: ['product_page'] }, condition: { and: [{ field: 'category', op: 'eq', value: 'footwear' }, { field: 'price', op: 'lt', value: 100 }] }, factor: 1.5 }],
  }),
  patch: Strict({ ...optional(['name', 'action', 'active', 'priority', 'scope']), ...nullable(PARAMS) }, {
    description: 'Changes only the fields given; a field set to null is removed (schedule, condition, action parameters)',
    examples: [{ priority: 20, factor: 2, schedule: null }],
  }),
  rule: T.Object({
    id: T.String(), name: T.String(), active: T.Boolean(), priority: T.Integer(),
    scope: fields.scope, action: fields.action,
    ...optional(PARAMS),
    createdAt: DateTime, updatedAt: DateTime,
  }),
} as const
