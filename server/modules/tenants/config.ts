// Tenant configuration (FR-004): its schema, its defaults, and the merge of a
// partial update over what is stored. Pure.
import type { Static, TSchema } from 'elysia'
import { Strategy, Strict, T } from '../../http/schemas.ts'
import { deepPartial, mergeConfig, type DeepPartial } from '../../http/partial.ts'
import { DEFAULT_WIDGET_CONFIG, WidgetConfig } from '../widgets/config.ts'
import type { ModelSettingsChosen } from '../../engine/types.ts'
import { DEFAULT_EVENT_WEIGHTS } from '../../engine/strategies/weights.ts'

/** The longest history a tenant may keep (days): three years. */
export const MAX_HISTORY_DAYS = 1095

const Weight = T.Number({ minimum: 0, maximum: 100 })

/** A setting the build may choose itself: a number the tenant sets, or "auto" (chosen on the tenant's own data at each full rebuild, server/engine/tune.ts). */
const OrAuto = <S extends TSchema>(n: S, description: string) => T.Union([n, T.Literal('auto')], { description: `${description}. "auto" (the default): the model tries a few values on each shopper's latest interactions at each full rebuild and keeps the best` })

/** How the tenant's models read behaviour: what each event says about taste, and how fast it fades. */
export const ModelSettings = Strict({
  eventWeights: Strict({
    purchase: Weight, add_to_cart: Weight, product_clicked: Weight, recommendation_clicked: Weight,
    product_viewed: Weight, remove_from_cart: Weight, recommendation_impressed: Weight,
  }, { description: 'What one event of each type says about liking the item (0 = nothing); used by model builds and by each shopper\'s history' }),
  halfLifeDays: OrAuto(T.Integer({ minimum: 0, maximum: 3650 }), 'Past interactions count half as much in the model every this many days; 0 = they never fade (an evergreen catalog: books, films)'),
  itemsPerShopper: OrAuto(T.Integer({ minimum: 10, maximum: 1000 }), "How many of each shopper's most recent items the model learns from: few where recent intent is what counts (shops), more where taste builds up over years (films, books)"),
  intentHalfLifeDays: OrAuto(T.Integer({ minimum: 0, maximum: 3650 }), "A shopper's own events count half as much for their personal recommendations every this many days before their latest one; 0 = never"),
  regularisation: OrAuto(T.Number({ minimum: 0.1, maximum: 1000 }), "How strongly the model's learned item-to-item weights are held back, as a multiple of a typical item's own weight: higher suits sparse, noisy data"),
})
export type ModelSettings = Static<typeof ModelSettings>

/** An origin as a CSP source: scheme, host and optional port, nothing else (it is written into a header). */
export const EmbedOrigin = T.String({
  maxLength: 255, pattern: '^https?://([a-z0-9-]+\\.)*[a-z0-9-]+(:[0-9]{1,5})?$',
  description: 'An origin: http(s)://host[:port], lower case, no path, no wildcard',
})

/** Embedded analytics (F-016): which sites may frame the /embed pages (Content-Security-Policy frame-ancestors). */
export const EmbedSettings = Strict({
  allowedOrigins: T.Array(EmbedOrigin, {
    maxItems: 20, uniqueItems: true,
    description: "Origins allowed to show this tenant's /embed pages in a frame; none (the default) = no site may frame them",
  }),
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
  /**
   * Strategy per shopper segment (issue 21), optionally for one placement: the first entry whose segment the
   * shopper is in (and whose placement, if any, is the request's) wins, before placementStrategies and defaultStrategy.
   */
  segmentStrategies: T.Array(Strict({
    segment: T.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'A segment key (built-in or the tenant\'s); one the tenant does not have matches nobody' }),
    placement: T.Optional(T.String({ minLength: 1, maxLength: 100 })),
    strategy: Strategy,
  }), { maxItems: 50, description: 'Strategy per shopper segment: the first entry that matches the shopper (and the placement, when it names one) wins, before placementStrategies and defaultStrategy; meta.segment names it' }),
  /** Strategy per placement, overriding defaultStrategy there (set e.g. by promoting an experiment's winner). */
  placementStrategies: T.Record(T.String({ minLength: 1, maxLength: 100 }), Strategy),
  /** Changing these asks for a model rebuild. */
  recommendations: ModelSettings,
  historyDays: T.Integer({
    minimum: 90, maximum: MAX_HISTORY_DAYS,
    description: 'How far back raw events are kept and read by the model (days): events imported (POST /imports) of any age within it are accepted, '
      + 'feed the model and the rollups; older raw events are folded into daily summaries. Events sent live (POST /events) may be at most 90 days old.',
  }),
  embed: EmbedSettings,
})
export type TenantConfig = Static<typeof TenantConfig>

export type TenantConfigPatch = DeepPartial<TenantConfig>
export const TenantConfigPatch = deepPartial(TenantConfig) as TSchema & { static: TenantConfigPatch }

export const DEFAULT_TENANT_CONFIG: TenantConfig = {
  defaultStrategy: 'collaborative',
  excludePurchased: true,
  attributionWindowHours: 24,
  rateLimits: { read: 1000, write: 500 },
  placementStrategies: {},
  segmentStrategies: [],
  recommendations: { eventWeights: { ...DEFAULT_EVENT_WEIGHTS }, halfLifeDays: 'auto', itemsPerShopper: 'auto', intentHalfLifeDays: 'auto', regularisation: 'auto' },
  widget: DEFAULT_WIDGET_CONFIG,
  historyDays: 365,
  embed: { allowedOrigins: [] },
}

/** The effective config of a stored (possibly older, partial) config object. */
export const effectiveConfig = (stored: unknown): TenantConfig => mergeConfig(DEFAULT_TENANT_CONFIG, stored)

/** The settings a tenant set as numbers (they win over what a build would choose). */
export function explicitModelSettings(s: ModelSettings): Partial<ModelSettingsChosen> {
  const out: Partial<ModelSettingsChosen> = {}
  for (const key of ['halfLifeDays', 'itemsPerShopper', 'intentHalfLifeDays', 'regularisation'] as const) {
    const v = s[key]
    if (typeof v === 'number') out[key] = v
  }
  return out
}
