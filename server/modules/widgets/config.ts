// What a widget looks like (FR-030): its schema, the shape a placement may
// override, and the defaults a new tenant starts from. Pure.
import type { Static } from 'elysia'
import { Strategy, Strict, T } from '../../http/schemas.ts'
import { deepPartial, type DeepPartial } from '../../http/partial.ts'

const Color = T.String({ pattern: '^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$', description: 'CSS hex colour' })

const WidgetTheme = Strict({
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
export type WidgetConfig = Static<typeof WidgetConfig>

/** Any subset of WidgetConfig, unknown fields refused: what a placement overrides. */
export const WidgetConfigPatch = deepPartial(WidgetConfig) as ReturnType<typeof deepPartial> & { static: DeepPartial<WidgetConfig> }

export const DEFAULT_WIDGET_CONFIG: WidgetConfig = {
  layout: 'grid', columns: 4, showPrice: true, ctaText: 'View product', title: 'Recommended for you', limit: 4,
  theme: { primaryColor: '#1d4ed8', textColor: '#111827', background: '#ffffff', fontFamily: 'inherit', borderRadius: 8 },
}
