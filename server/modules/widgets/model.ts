import { t, type TSchema } from 'elysia'
import { DateTime, T } from '../../http/schemas.ts'
import { TenantConfigPatch, WidgetConfig } from '../tenants/config.ts'

// The tenant-config patch already holds the deep-partial twin of WidgetConfig (every
// field optional, unknown fields refused); reused so the two can never drift.
const widgetPatch = (TenantConfigPatch as unknown as { properties: { widget: { properties: Record<string, TSchema> } } }).properties.widget

export const WidgetModel = {
  params: t.Object({ placement: t.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1F\\x7F]+$', description: 'The placement id used in data-recomengine-placement' }) }),
  /** What the merchant changes for this placement; anything left out follows the tenant's widget defaults. */
  put: T.Object(widgetPatch.properties, { additionalProperties: false }),
  widget: T.Object({
    placement: T.String(),
    config: WidgetConfig,
    overrides: T.Record(T.String(), T.Unknown(), { description: 'The stored settings of this placement (the rest are tenant defaults)' }),
    updatedAt: T.Union([DateTime, T.Null()], { description: 'null: never saved, all defaults' }),
  }),
} as const
