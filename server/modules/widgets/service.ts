// Widget settings per placement: stored overrides merged over the tenant's
// widget defaults, so a default changed later still reaches placements that
// never set that field.
import type { Db } from '../../../db/client.ts'
import { findWidgetConfig, saveWidgetConfig } from '../../../db/queries/widgets.ts'
import { iso } from '../../http/schemas.ts'
import { mergeConfig } from '../../http/partial.ts'
import type { WidgetConfig } from './config.ts'

/** The part of the tenant's config a widget reads: its defaults. */
type TenantWidgetDefaults = { widget: WidgetConfig }

export interface WidgetDeps { db: Db; clock: () => Date }

const widgetView = (placement: string, defaults: WidgetConfig, overrides: object, updatedAt: Date | null) => ({
  placement,
  config: mergeConfig(defaults, overrides),
  overrides: overrides as Record<string, unknown>,
  updatedAt: iso(updatedAt),
})

export function createWidgetService(d: WidgetDeps) {
  return {
    async get(tenantId: string, tenant: TenantWidgetDefaults, placement: string) {
      const row = await findWidgetConfig(d.db, tenantId, placement)
      return widgetView(placement, tenant.widget, (row?.config as object | undefined) ?? {}, row?.updatedAt ?? null)
    },
    /** Replaces what the placement overrides (a PUT): fields left out go back to the tenant default. */
    async put(tenantId: string, tenant: TenantWidgetDefaults, placement: string, overrides: object) {
      const at = await saveWidgetConfig(d.db, tenantId, placement, overrides, d.clock())
      return widgetView(placement, tenant.widget, overrides, at)
    },
  }
}
export type WidgetService = ReturnType<typeof createWidgetService>
