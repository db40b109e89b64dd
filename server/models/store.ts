// Where models live: built from the tenant's catalog and events, stored
// gzipped in PostgreSQL (so every instance serves the same one), and held in
// memory per instance. A finished build is broadcast; instances also re-check
// the stored version every few seconds. When the database fails, the model in
// memory keeps serving (stale beats empty).
import { nextTurn, type RawSql } from '../../db/client.ts'
import {
  catalogForModel, catalogRowsFor, claimBuild, failBuild, interactionsForModel, modelStatus, modelVersion, renewBuild, saveModel, tenantConfigForModel, type CatalogRow, type DueRule, type ModelRow,
} from '../../db/queries/models.ts'
import { newHolderId, whileLeased } from '../infra/lease.ts'
import { MAX_RECENT } from '../../db/queries/events.ts'
import { highValueThreshold } from '../../db/queries/profiles.ts'
import { HIGH_VALUE_DAYS } from '../modules/segments/membership.ts'
import type { Cache } from '../infra/cache/index.ts'
import type { Kernels } from '../kernels/load.ts'
import type { Logger } from '../logger.ts'
import { effectiveConfig, explicitModelSettings } from '../modules/tenants/config.ts'
import { runBuild } from './build-runner.ts'
import { recommend } from '../engine/recommend.ts'
import { countDocumentFrequencies, documentFrequenciesCounted, withAddedItems } from '../engine/added-items.ts'
import { availabilityChanged, modelIndex } from '../engine/strategies/model-index.ts'
import { usesAnn } from '../engine/strategies/ann.ts'
import { murmur3String } from '../kernels/murmur3.ts'
import type { EventType, Item, ModelSettingsChosen, TenantModel } from '../engine/types.ts'
import { type ModelEvaluation, UNTUNED_SETTINGS } from '../engine/tune.ts'
import { HOUR_MS } from '../engine/strategies/weights.ts'
import type { InMemoryFirst } from '../in-memory-first.ts'
import { ByteBoundedLru, type ModelCacheStats } from './model-cache.ts'
import { loadedModelBytes } from './model-bytes.ts'
import { loadStoredModel } from './load-runner.ts'
import { gunzipModel, readyToServe } from './model-decode.ts'

const MODEL_CHANNEL = 'models:ready'
export const CATALOG_CHANNEL = 'catalog:changed'
const DAY = 86400_000
/** How long new products wait to join the loaded model together (the spec allows 30 s). */
const ADD_EVERY_MS = 1000

/** Server-wide; how each tenant weighs and decays behaviour is its own config (`recommendations`). */
export interface ModelStoreOptions {
  lookbackDays: number
  /** How long an instance trusts its in-memory model before re-checking the stored version. */
  recheckMs: number
  /** A build lease, renewed every third of it while the build runs; a worker that dies mid-build loses it after this long. */
  leaseMs: number
  /** How long a build reuses the settings an earlier one chose (incremental refreshes), unless a build was asked for. */
  retuneMs: number
  /** Bytes of models held in memory (MODEL_CACHE_MB); past it the least recently used is evicted. */
  cacheBytes: number
  /** How long a request waits for a model not in memory before it is answered from the fallbacks (the load goes on). */
  coldWaitMs: number
  /** Threads loading models at once (MODEL_LOAD_THREADS), shared by the process's stores. */
  loadThreads: number
  /** PostgreSQL's URL, for the load threads to read models themselves; absent on PGlite (read here, in process). */
  databaseUrl?: string
}

export const DEFAULT_MODEL_OPTIONS: ModelStoreOptions = {
  lookbackDays: 90, recheckMs: 5000, leaseMs: 10 * 60_000, retuneMs: 24 * 3600_000, cacheBytes: 1024 * 2 ** 20, coldWaitMs: 50, loadThreads: 1,
}

/** What a warm-up loaded: models (of `tenantIds`, most wanted first), their bytes, and why it stopped (the list done, its time up, the cache nearly full). */
export interface WarmUp { models: number; bytes: number; stoppedBy: 'done' | 'time' | 'budget'; tenantIds: string[] }

/** What `serving` answers while a tenant's model is still loading into this instance. */
export const LOADING = Symbol('model loading')

/** A catalog row as the engine sees it. */
export const itemOf = (r: CatalogRow): Item => ({
  productId: r.product_id, name: r.name, description: r.description, category: r.category, price: r.price,
  imageUrl: r.image_url, url: r.url, attributes: r.attributes ?? {}, available: r.available, createdAt: Number(r.created_ms),
})

/**
 * `storedVersion`: the stored model's (what recheck compares); `model.version` differs once
 * products uploaded since were added (`added`, in order), so answers cached for the model
 * before them are not served after.
 */
interface Loaded { model: TenantModel; index: ReadonlyMap<string, number>; checkedAt: number; storedVersion: string; added: string[]; bytes: number }

export class ModelStore {
  private loaded: ByteBoundedLru<Loaded>
  private evictedListeners: ((tenantId: string) => void)[] = []
  private loadMs = 0
  private loading = new Map<string, Promise<Loaded | undefined>>()
  /** Per tenant, new products waiting to join its model (addSoon). */
  private adding = new Map<string, Set<string>>()
  /** Who this store is when it holds a build lease. */
  readonly holder = newHolderId()

  constructor(private raw: RawSql, private cache: Cache, private log: Logger, private kernels: Kernels | undefined,
    private clock: () => Date, private opts: ModelStoreOptions = DEFAULT_MODEL_OPTIONS,
    private onBuilt: (ms: number) => void = () => {},
    /** Builds read and write here (the background pool: a build may take longer than a request's statement timeout). */
    private buildRaw: RawSql = raw) {
    this.loaded = new ByteBoundedLru(opts.cacheBytes, (tenantId) => { for (const f of this.evictedListeners) f(tenantId) })
    cache.subscribe(MODEL_CHANNEL, (tenantId) => { const l = this.loaded.peek(tenantId); if (l) l.checkedAt = 0 })
    cache.subscribe(CATALOG_CHANNEL, (msg) => {
      try {
        const { tenantId, productIds } = JSON.parse(msg) as { tenantId: string; productIds: string[] }
        void this.patchItems(tenantId, productIds)
      } catch { /* not ours */ }
    })
  }

  /**
   * Builds and stores a tenant's model if it can take the build lease (and, with `due`, only
   * while the tenant is still due: the worker's path, so racing workers build it once).
   * Returns the new version, or undefined when another worker is building it, it is no longer
   * due, or the lease was taken over before the model was stored.
   */
  async build(tenantId: string, due?: DueRule): Promise<string | undefined> {
    const lease = () => ({ holder: this.holder, now: this.clock(), leaseMs: this.opts.leaseMs })
    if (!(await claimBuild(this.buildRaw, tenantId, lease(), due))) return undefined
    return whileLeased(this.opts.leaseMs, () => renewBuild(this.buildRaw, tenantId, lease()), this.log, (held) => this.buildLeased(tenantId, held))
  }

  private async buildLeased(tenantId: string, held: () => boolean): Promise<string | undefined> {
    try {
      const now = this.clock().getTime()
      // The window is the tenant's history (historyDays: imported history reaches the model), at least the server's.
      const effective = effectiveConfig(await tenantConfigForModel(this.buildRaw, tenantId))
      const lookbackDays = Math.max(this.opts.lookbackDays, effective.historyDays)
      const [rows, interactions, previous, highValueSpend] = await Promise.all([
        catalogForModel(this.buildRaw, tenantId),
        interactionsForModel(this.buildRaw, tenantId, new Date(now - lookbackDays * DAY), new Date(now)),
        modelStatus(this.buildRaw, tenantId),
        highValueThreshold(this.buildRaw, tenantId, now, HIGH_VALUE_DAYS),
      ])
      const settings = effective.recommendations
      const fixed = explicitModelSettings(settings)
      const before = previousEvaluation(previous)
      const reuse = settingsToReuse(previous, before, fixed, now, this.opts.retuneMs)
      // On the build thread: this thread goes on answering requests meanwhile. Settings left
      // to "auto" are chosen there first (engine/tune.ts), or reused from the last choice.
      const { model, gzipped: bytes, evaluation } = await runBuild({
        // The live counters (infra/live-counters) bring this hour's events on: the model counts the ones before.
        items: rows.map(itemOf), now, highValueSpend, liveFrom: Math.floor(now / HOUR_MS) * HOUR_MS, weights: settings.eventWeights, halfLifeDays: fixed.halfLifeDays ?? UNTUNED_SETTINGS.halfLifeDays,
        interactions: interactions.map((r) => ({ userId: r.u, productId: r.p, eventType: r.e as EventType, ts: Number(r.t), orderId: r.o ?? undefined, sessionId: r.s ?? undefined })),
      }, {}, this.kernels, { fixed, excludePurchased: effective.excludePurchased, profileEvents: MAX_RECENT, reuse })
      // The settings it was built with (chosen or set) and its grade are reported by GET /models: what a tenant changed shows there once applied.
      const stats = { ...model.stats, bytes: bytes.byteLength, settings: { eventWeights: settings.eventWeights, ...model.settings }, evaluation: evaluation ?? (reuse ? before : null) }
      if (!held() || !(await saveModel(this.buildRaw, tenantId, { version: model.version, builtAt: new Date(model.builtAt), model: bytes, stats }, this.clock(), this.holder))) {
        this.log.warn('model build dropped: its lease was taken over', { tenantId })
        return undefined
      }
      this.replace(tenantId, withIndex(model, this.clock().getTime()))
      await this.cache.publish(MODEL_CHANNEL, tenantId)
      this.onBuilt(model.stats.buildMs)
      this.log.info('model built', { tenantId, version: model.version, ...model.stats, bytes: bytes.byteLength })
      return model.version
    } catch (error) {
      this.log.error('model build failed', { tenantId, error })
      await failBuild(this.buildRaw, tenantId, String(error), this.clock(), this.holder).catch(() => {})
      throw error
    }
  }

  /**
   * The tenant's current model: from memory, re-checked against the stored
   * version every `recheckMs`. Undefined when none was ever built. When the
   * database cannot be reached, the model in memory is returned as it is.
   */
  get(tenantId: string): InMemoryFirst<TenantModel | undefined> {
    const l = this.loaded.get(tenantId)
    // Most requests end here, without a promise.
    if (l && this.clock().getTime() - l.checkedAt < this.opts.recheckMs) return l.model
    return this.recheck(tenantId, l)
  }

  /**
   * As `get` for serving: a model in memory is served as it is while its stored version is
   * re-checked behind the request (a new build is announced by pub/sub anyway); a model not
   * in memory here is waited for at most `coldWaitMs`, past that the answer is LOADING (serve
   * the fallbacks) and the load goes on, once however many requests ask meanwhile.
   */
  serving(tenantId: string): InMemoryFirst<TenantModel | undefined | typeof LOADING> {
    const l = this.loaded.get(tenantId)
    if (l && this.clock().getTime() - l.checkedAt < this.opts.recheckMs) return l.model
    const pending = this.recheck(tenantId, l)
    if (l) {
      pending.catch(() => {})
      return l.model
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const waited = new Promise<typeof LOADING>((resolve) => { timer = setTimeout(resolve, this.opts.coldWaitMs, LOADING) })
    return Promise.race([pending, waited]).finally(() => clearTimeout(timer))
  }

  /** Called with a tenant's id when its model is evicted here (per-tenant caches built on it let go too). */
  onEvicted(listener: (tenantId: string) => void) { this.evictedListeners.push(listener) }

  /** The model cache's figures (/metrics): bytes and models held, loads, evictions, and the time spent loading. */
  cacheStats(): ModelCacheStats & { loadMs: number } { return { ...this.loaded.stats(), loadMs: this.loadMs } }

  /** Tenants whose model this instance holds, least recently used first. */
  heldTenants(): string[] { return this.loaded.keys() }

  /**
   * Loads the stored models of `tenantIds` (most wanted first) before the instance takes traffic, so a start or a
   * rolling deploy does not meet every tenant's first request with a load: a load thread busy per lane, until the
   * list ends, the clock passes `until`, or the cache is nine-tenths full or has evicted. The most wanted ends up the
   * most recently used. `alsoRead`: what else to read of a tenant whose model loaded (its rules,
   * running experiments).
   */
  async warmUp(tenantIds: readonly string[], until: number, alsoRead: (tenantId: string) => Promise<void> = async () => {}): Promise<WarmUp> {
    const start = this.loaded.stats()
    const warmed: string[] = []
    let next = 0
    let stoppedBy: WarmUp['stoppedBy'] = 'done'
    const full = () => { const s = this.loaded.stats(); return s.bytes >= 0.9 * s.budgetBytes || s.evictions > start.evictions }
    const lane = async () => {
      while (next < tenantIds.length && stoppedBy === 'done') {
        if (this.clock().getTime() >= until) { stoppedBy = 'time'; return }
        if (full()) { stoppedBy = 'budget'; return }
        const tenantId = tenantIds[next++]!
        if (this.loaded.has(tenantId)) continue
        try {
          if (!(await this.recheck(tenantId, undefined))) continue
          warmed.push(tenantId)
          await alsoRead(tenantId)
        } catch (error) { this.log.warn('warm-up: a model could not be loaded; it loads on its first request', { tenantId, error }) }
      }
    }
    await Promise.all(Array.from({ length: this.opts.loadThreads + 1 }, lane))
    const order = new Map(tenantIds.map((id, i) => [id, i]))
    warmed.sort((a, b) => order.get(a)! - order.get(b)!)
    for (let i = warmed.length - 1; i >= 0; i--) this.loaded.get(warmed[i]!)
    const end = this.loaded.stats()
    return { models: warmed.length, bytes: end.bytes - start.bytes, stoppedBy, tenantIds: warmed }
  }

  private async recheck(tenantId: string, l: Loaded | undefined): Promise<TenantModel | undefined> {
    const now = this.clock().getTime()
    let pending = this.loading.get(tenantId)
    if (!pending) {
      pending = this.refresh(tenantId, l).finally(() => this.loading.delete(tenantId))
      this.loading.set(tenantId, pending)
    }
    try {
      return (await pending)?.model
    } catch (error) {
      const latest = this.loaded.peek(tenantId) ?? l
      if (latest) { latest.checkedAt = now; return latest.model } // stale beats empty
      throw error
    }
  }

  /** The item index of a product in the loaded model. */
  indexOf(tenantId: string, productId: string) { return this.loaded.peek(tenantId)?.index.get(productId) }

  private async refresh(tenantId: string, current: Loaded | undefined): Promise<Loaded | undefined> {
    const now = this.clock().getTime()
    const version = await modelVersion(this.raw, tenantId)
    if (!version) return undefined
    // The entry now, not the one the check began with: products may have been added meanwhile.
    const latest = this.loaded.peek(tenantId) ?? current
    if (latest && latest.storedVersion === version) { latest.checkedAt = now; return latest }
    // Read (PostgreSQL), inflated, parsed, indexed and sized on a load thread (load-runner.ts):
    // requests wait behind none of it. loadMs: what is left on this thread (the items, the id map).
    const r = await loadStoredModel(this.raw, tenantId, { databaseUrl: this.opts.databaseUrl, threads: this.opts.loadThreads })
    if (!r) return undefined
    this.loadMs += r.servingMs
    const loaded: Loaded = { model: r.model, index: r.index.byId, checkedAt: now, storedVersion: r.model.version, added: [], bytes: r.bytes }
    this.replace(tenantId, loaded)
    return loaded
  }

  /**
   * Builds the approximate-search index of a catalog above 10,000 items (up to ~2 s) right
   * after its model arrives, so no shopper's request pays for it. Smaller catalogs need no
   * warming: their content is scored from the sparse rows the model loads with.
   */
  private warm(model: TenantModel) {
    const first = model.items[0]
    if (!first || !usesAnn(model.items.length)) return
    setTimeout(() => {
      try {
        recommend(model, { recent: [], purchased: [], eventCount: 0 }, { strategy: 'content_based', productId: first.productId, limit: 1, excludePurchased: false }, this.kernels)
      } catch (error) { this.log.warn('model warm-up failed', { error }) }
    }, 0)
  }

  /**
   * Applies catalog changes to the model in memory at once (availability,
   * names, prices), so an item marked unavailable disappears from
   * recommendations immediately; products the model does not know yet are
   * added to it (withAddedItems), so they are recommendable before the next
   * build. Returns whether any product was unknown to the model.
   */
  async patchItems(tenantId: string, productIds: string[]): Promise<boolean> {
    if (!this.loaded.has(tenantId)) return true
    const rows = await catalogRowsFor(this.raw, tenantId, productIds)
    const l = this.loaded.peek(tenantId) // after the query: a new model may have come meanwhile
    if (!l) return true
    let unknown = rows.length < productIds.length
    const fresh: string[] = []
    for (const r of rows) {
      const i = l.index.get(r.product_id)
      if (i !== undefined) l.model.items[i] = itemOf(r)
      else { unknown = true; if (r.available) fresh.push(r.product_id) }
    }
    availabilityChanged(l.model)
    if (fresh.length > 0) this.addSoon(tenantId, fresh)
    return unknown
  }

  /**
   * New products join the model together, ADD_EVERY_MS after the first: each addition copies
   * per-item tables (tens of ms at 50,000 items), and an import sends products one request at
   * a time as often as in batches.
   */
  private addSoon(tenantId: string, productIds: string[]) {
    const waiting = this.adding.get(tenantId)
    if (waiting) { for (const id of productIds) waiting.add(id); return }
    this.adding.set(tenantId, new Set(productIds))
    setTimeout(() => {
      const ids = [...this.adding.get(tenantId) ?? []]
      this.adding.delete(tenantId)
      this.addNow(tenantId, ids).catch((error) => this.log.warn('could not add new products to the loaded model', { tenantId, error }))
    }, ADD_EVERY_MS)
  }

  private async addNow(tenantId: string, productIds: string[]) {
    const rows = await catalogRowsFor(this.raw, tenantId, productIds)
    for (;;) {
      // Read after each wait: another addition, or a new model, may have come meanwhile.
      const l = this.loaded.peek(tenantId)
      if (!l) return
      const fresh = rows.filter((r) => r.available && !l.index.has(r.product_id))
      if (fresh.length === 0) return
      if (!documentFrequenciesCounted(l.model)) {
        await countDocumentFrequencies(l.model, nextTurn)
        continue
      }
      const ids = [...l.added, ...fresh.map((r) => r.product_id)]
      // The same products added in the same order give the same version on every instance.
      const version = `${l.storedVersion}+${ids.length}.${(murmur3String(ids.join('\n')) >>> 0).toString(36)}`
      const model = withAddedItems(l.model, fresh.map(itemOf), version, this.kernels)
      const index = modelIndex(model)
      const bytes = loadedModelBytes(model, index)
      this.loaded.set(tenantId, { model, index: index.byId, checkedAt: l.checkedAt, storedVersion: l.storedVersion, added: ids, bytes }, bytes, false)
      this.warm(model)
      return
    }
  }

  /** A newly built or loaded model replaces the tenant's; products added to the previous one that it lacks (its build read the catalog before them) are added again. */
  private replace(tenantId: string, loaded: Loaded) {
    const previous = this.loaded.peek(tenantId)
    this.loaded.set(tenantId, loaded, loaded.bytes)
    this.warm(loaded.model)
    const missing = previous?.added.filter((id) => !loaded.index.has(id)) ?? []
    if (missing.length > 0) this.addSoon(tenantId, missing)
  }
}

function withIndex(model: TenantModel, now: number): Loaded {
  // Served from now on: its pair lists move into typed arrays; the serving index's product-id map is the store's too.
  const { index, bytes } = readyToServe(model)
  return { model, index: index.byId, checkedAt: now, storedVersion: model.version, added: [], bytes }
}

/** A stored model (gzipped JSON) as the store serves it: the load path scripts/bench/tenants.ts times. */
export function decodeModel(gzipped: Uint8Array, now: number): Loaded {
  return withIndex(gunzipModel(gzipped), now)
}

/** The grade stored with the tenant's current model, if any. */
function previousEvaluation(row: ModelRow | undefined): ModelEvaluation | null {
  const stats = row?.stats as { evaluation?: ModelEvaluation | null } | null | undefined
  return stats?.evaluation ?? null
}

/**
 * The settings an earlier build chose, for a refresh to build with instead of choosing
 * again (it costs up to a few builds): undefined when a build was asked for (an import, a
 * catalog upload, changed settings, a rebuild), when the choice is older than `retuneMs`,
 * or when the tenant has since set a value of their own.
 */
export function settingsToReuse(row: ModelRow | undefined, before: ModelEvaluation | null, fixed: Partial<ModelSettingsChosen>, now: number, retuneMs: number): ModelSettingsChosen | undefined {
  if (!row || !before) return undefined
  const builtAt = row.built_at ? new Date(row.built_at).getTime() : 0
  if (row.requested_at && new Date(row.requested_at).getTime() > builtAt) return undefined
  if (!(now - Date.parse(before.evaluatedAt) < retuneMs)) return undefined
  const chosen = before.chosenSettings
  for (const [key, value] of Object.entries(fixed) as [keyof ModelSettingsChosen, number][]) if (chosen[key] !== value) return undefined
  return chosen
}
