// A catalog write reaches recommendations at once on every instance: availability,
// names and prices are patched into the loaded model here, new products are added to it
// (content-based and the fallbacks serve them before any build), other instances hear it
// on CATALOG_CHANNEL, and a rebuild is asked for to take everything in properly.
import type { Cache } from '../infra/cache/index.ts'
import type { Logger } from '../logger.ts'
import { CATALOG_CHANNEL, type ModelStore } from './store.ts'

export function syncModelsWithCatalog(d: { models: ModelStore; cache: Cache; log: Logger; askForBuild: (tenantId: string) => Promise<void> }) {
  return (tenantId: string, productIds: string[]) => {
    void d.models.patchItems(tenantId, productIds).catch((error) => d.log.warn('could not patch the loaded model', { tenantId, error }))
    void d.cache.publish(CATALOG_CHANNEL, JSON.stringify({ tenantId, productIds }))
    void d.askForBuild(tenantId)
  }
}
