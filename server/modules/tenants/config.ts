// Tenant configuration (FR-004): its schema, its defaults, and the merge of a
// partial update over what is stored. Pure.
import type { Static, TSchema } from 'elysia'
import { Literals, Strict, T } from '../../http/schemas.ts'
import { STRATEGIES, type StrategyName } from '../../vocabulary.ts'
import { BUILD_DEFAULTS } from '../../engine/build.ts'
import { INTENT_HALF_LIFE_DAYS } from '../../engine/strategies/history.ts'
import { DEFAULT_EVENT_WEIGHTS } from '../../engine/strategies/weights.ts'

export { STRATEGIES, type StrategyName }
export const Strategy = Literals(STRATEGIES)

const Color = T.String({ pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$', description: 'CSS hex colour' })

export const WidgetTheme = Strict({
  primaryColor: Color,
  textColor: Color,
  background: Color,
  fontFamily: T.String({ minLength: 1, maxLength: 200, pattern: '^[^;{}<>]*$' }),
  borderRadius: T.Integer({ minimum: 0, maximum: 48 }),
})

export const WidgetConfig = Strict({
  layout: T.Union([T.Literal('grid'), T.Literal('carousel'), T.Literal('list')]),
  columns: T.Integer({ minimum: 1, maximum: 8 }),
  showPrice: T.Boolean(),
  ctaText: T.String({ minLength: 1, maxLength: 40 }),
  title: T.String({ maxLength: 80 }),
  limit: T.Integer({ minimum: 1, maximum: 50 }),
  strategy: T.Optional(Strategy),
  theme: WidgetTheme,
})

const Weight = T.Number({ minimum: 0, maximum: 100 })

/** How the tenant's models read behaviour: what each event says about taste, and how fast it fades. */
export const ModelSettings = Strict({
  eventWeights: Strict({
    purchase: Weight, add_to_cart: Weight, product_clicked: Weight, recommendation_clicked: Weight,
    product_viewed: Weight, remove_from_cart: Weight, recommendation_impressed: Weight,
  }, { description: 'What one event of each type says about liking the item (0 = nothing); used by model builds and by each shopper\'s history' }),
  halfLifeDays: T.Integer({ minimum: 0, maximum: 3650, description: 'Past interactions count half as much in the model every this many days; 0 = they never fade (an evergreen catalog: books, films)' }),
  itemsPerShopper: T.Integer({ minimum: 10, maximum: 1000, description: "How many of each shopper's most recent items the model learns from: few where recent intent is what counts (shops), more where taste builds up over years (films, books)" }),
  intentHalfLifeDays: T.Integer({ minimum: 0, maximum: 3650, description: "A shopper's own events count half as much for their personal recommendations every this many days before their latest one; 0 = never" }),
})

export const TenantConfig = Strict({
  defaultStrategy: Strategy,
  excludePurchased: T.Boolean(),
  attributionWindowHours: T.Integer({ minimum: 1, maximum: 24 * 90 }),
  rateLimits: Strict({
    read: T.Integer({ minimum: 1, maximum: 10_000_000, description: 'requests per minute per read key' }),
    write: T.Integer({ minimum: 1, maximum: 10_000_000, description: 'requests per minute per key for writes' }),
  }),
  widget: WidgetConfig,
  /** Strategy per placement, overriding defaultStrategy there (set e.g. by promoting an experiment's winner). */
  placementStrategies: T.Record(T.String({ minLength: 1, maxLength: 100 }), Strategy),
  /** Changing these asks for a model rebuild. */
  recommendations: ModelSettings,
})
export type TenantConfig = Static<typeof TenantConfig>

/** A deep-partial twin of a strict object schema, for updates. */
function deepPartial(schema: TSchema): TSchema {
  if (schema.type === 'object' && schema.properties) {
    const props: Record<string, TSchema> = {}
    for (const [k, v] of Object.entries(schema.properties as Record<string, TSchema>)) props[k] = T.Optional(deepPartial(v))
    return T.Object(props, { additionalProperties: false })
  }
  return schema
}
type DeepPartial<O> = { [K in keyof O]?: O[K] extends object ? DeepPartial<O[K]> : O[K] }
export type TenantConfigPatch = DeepPartial<TenantConfig>
export const TenantConfigPatch = deepPartial(TenantConfig) as TSchema & { static: TenantConfigPatch }

export const DEFAULT_TENANT_CONFIG: TenantConfig = {
  defaultStrategy: 'collaborative',
  excludePurchased: true,
  attributionWindowHours: 24,
  rateLimits: { read: 1000, write: 500 },
  placementStrategies: {},
  recommendations: { eventWeights: { ...DEFAULT_EVENT_WEIGHTS }, halfLifeDays: 30, itemsPerShopper: BUILD_DEFAULTS.maxItemsPerUser, intentHalfLifeDays: INTENT_HALF_LIFE_DAYS },
  widget: {
    layout: 'grid', columns: 4, showPrice: true, ctaText: 'View product', title: 'Recommended for you', limit: 4,
    theme: { primaryColor: '#1d4ed8', textColor: '#111827', background: '#ffffff', fontFamily: 'inherit', borderRadius: 8 },
  },
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Merges `patch` over `base`, recursing into objects; arrays and scalars replace. */
export function mergeConfig<B>(base: B, patch: unknown): B {
  if (!isPlain(base) || !isPlain(patch)) return (patch === undefined ? base : patch) as B
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) out[k] = mergeConfig(out[k], v)
  return out as B
}

/** The effective config of a stored (possibly older, partial) config object. */
export const effectiveConfig = (stored: unknown): TenantConfig => mergeConfig(DEFAULT_TENANT_CONFIG, stored)
