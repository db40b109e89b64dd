import { and, eq } from 'drizzle-orm'
import type { Db } from '../client.ts'
import { widgetConfigs } from '../schema.ts'

export async function findWidgetConfig(db: Db, tenantId: string, placement: string) {
  const [row] = await db.select({ config: widgetConfigs.config, updatedAt: widgetConfigs.updatedAt }).from(widgetConfigs)
    .where(and(eq(widgetConfigs.tenantId, tenantId), eq(widgetConfigs.placement, placement))).limit(1)
  return row
}

/** Replaces the placement's stored settings; returns the time they were saved. */
export async function saveWidgetConfig(db: Db, tenantId: string, placement: string, config: object, at: Date): Promise<Date> {
  await db.insert(widgetConfigs).values({ tenantId, placement, config, updatedAt: at })
    .onConflictDoUpdate({ target: [widgetConfigs.tenantId, widgetConfigs.placement], set: { config, updatedAt: at } })
  return at
}
