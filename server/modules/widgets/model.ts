import { t } from 'elysia'
import { DateTime, T } from '../../http/schemas.ts'
import { WidgetConfig, WidgetConfigPatch } from './config.ts'

export const WidgetModel = {
  params: t.Object({ placement: t.String({ minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1F\\x7F]+$', description: 'The placement id used in data-recomengine-placement' }) }),
  /** What the merchant changes for this placement; anything left out follows the tenant's widget defaults. */
  put: WidgetConfigPatch,
  widget: T.Object({
    placement: T.String(),
    config: WidgetConfig,
    overrides: T.Record(T.String(), T.Unknown(), { description: 'The stored settings of this placement (the rest are tenant defaults)' }),
    updatedAt: T.Union([DateTime, T.Null()], { description: 'null: never saved, all defaults' }),
  }),
} as const
