import { t } from 'elysia'
import { conditionBodySchema } from '../../engine/conditions.ts'
import { DateTime, Strict, T } from '../../http/schemas.ts'
import { BUILT_IN_SEGMENTS, PROFILE_FIELDS } from './membership.ts'

/** A tenant's own segments: at most this many (each is tested on every request that reads segments). */
export const MAX_SEGMENTS = 100
/** Segment sizes count the most recently active shoppers, at most this many, over this many days. */
export const SIZE_DAYS = 30
export const SIZE_MAX_SHOPPERS = 20_000

export const SEGMENT_KEY = '^[a-z0-9][a-z0-9_-]{0,63}$'
const Key = T.String({ pattern: SEGMENT_KEY, description: 'Lower-case letters, digits, _ and -, up to 64 characters; not a built-in key (' + BUILT_IN_SEGMENTS.join(', ') + ')' })
const Name = T.String({ minLength: 1, maxLength: 100 })
const EXAMPLE = { and: [{ field: 'purchaseCount', op: 'gte', value: 3 }, { field: 'traits.tier', op: 'eq', value: 'gold' }] }
// Typed as Elysia's own TypeBox (Deno resolves the condition module's copy of the package apart).
const Conditions = conditionBodySchema(
  'Which shoppers are in the segment: { field, op, value }, { and: [...] }, { or: [...] } or { not: ... } over the profile fields '
  + `${PROFILE_FIELDS.join(', ')} and traits.<name>, with eq ne gt gte lt lte in nin contains exists. `
  + 'Days are whole days; a shopper with no purchase has no daysSinceLastPurchase or averageOrderValue (comparisons with them are false). '
  + 'categoriesViewed: the categories of the products among their newest 100 interactions.') as unknown as ReturnType<typeof T.Unknown>

export const SegmentModel = {
  params: t.Object({ key: t.String({ minLength: 1, maxLength: 64, examples: ['loyal'] }) }),
  userParams: t.Object({ userId: t.String({ minLength: 1, maxLength: 256, pattern: '^[^\\u0000-\\u001f]+$', description: 'the userId events carry' }) }),
  listQuery: t.Object({
    sizes: t.Optional(t.Boolean({ description: `Count the shoppers in each segment among those active in the last ${SIZE_DAYS} days (at most the ${SIZE_MAX_SHOPPERS.toLocaleString('en')} most recent)` })),
  }),
  create: Strict({ key: Key, name: Name, conditions: Conditions }, { examples: [{ key: 'loyal', name: 'Loyal customers', conditions: EXAMPLE }] }),
  replace: Strict({ key: T.Optional(T.String({ description: 'When given, the key in the path' })), name: Name, conditions: Conditions }, { examples: [{ name: 'Loyal customers', conditions: EXAMPLE }] }),
  segment: T.Object({
    key: T.String(), name: T.String(),
    conditions: T.Union([T.Unknown(), T.Null()], { description: 'The condition; for high_value, its current threshold (null before the first model build with a buyer)' }),
    builtIn: T.Boolean({ description: 'Built-in segments are listed but cannot be changed or deleted' }),
    description: T.Optional(T.String()),
    shoppers: T.Optional(T.Integer({ description: 'With ?sizes=true: shoppers in the segment among those counted' })),
    createdAt: T.Union([DateTime, T.Null()]), updatedAt: T.Union([DateTime, T.Null()]),
  }),
  sizesMeta: T.Object({
    sizes: T.Optional(T.Object({
      days: T.Integer(), counted: T.Integer({ description: 'Shoppers active in those days that were counted' }),
      complete: T.Boolean({ description: `false when more than ${SIZE_MAX_SHOPPERS.toLocaleString('en')} were active: the sizes count the most recent ones` }),
    })),
  }),
  userSegments: T.Object({ userId: T.String(), segments: T.Array(T.String(), { description: 'Keys of the segments the shopper is in now, built-ins first' }) }),
} as const
