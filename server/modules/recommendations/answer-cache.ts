// The answer cache: an in-process level per shopper and request, one for
// answers every shopper shares, and the shared cache (Redis) written behind.
// Keys carry the shopper's event count and the model version, so a new event or
// a new model invalidates an answer on every instance at once; an answer that used
// the live signals (trending, the fallbacks, bought together) also holds their
// version, and is valid only while it stands. Availability is re-checked on every hit. BENCHMARKS.md ("answer cache", "serving shortcuts")
// measures what each level buys.
import type { Cache } from '../../infra/cache/index.ts'
import { BoundedMap } from '../../infra/cache/bounded-map.ts'
import type { ModelStore } from '../../models/store.ts'
import type { Context, Recommendation, TenantModel } from '../../engine/types.ts'
import { PERSONAL_SLOTS, personalSlotKey, SHARED_ANSWER_TTL_MS, slotKey } from './answer-slots.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'

const RESULT_TTL_MS = 5 * 60_000
const WRITE_BEHIND_MS = 5
const WRITE_BATCH_MAX = 256
/** Shared keys read at once by an erasure's sweep (pipelined on one connection). */
const SWEEP_BATCH = 256

export interface ServedMeta { strategy: string; padded: number; context: Context; modelVersion: string | null; cached: boolean; stale?: boolean; modelLoading?: boolean; experiment?: { id: string; variant: string }; segment?: string }
/** An answer: its list as values, serialised (written as is by the route), or both when just worked out. */
export type Served = ServedMeta & ({ items: Recommendation[]; itemsJson?: string } | { items?: undefined; itemsJson: string })
/**
 * An answer held in memory, itself the view a hit serves (the route keeps its body per
 * object): the list only serialised (tens of thousands of parsed answers are heap the
 * collector walks on every miss), each item's position in the model version that produced
 * it (-1: not in it), and the key it answers and until when. One object per answer.
 */
interface CachedAnswer extends ServedMeta { cached: true; itemsJson: string; items?: undefined; positions: Int32Array; key: string; until: number; live: string | undefined }
/**
 * The shared cache's entry for one shopper and request: the latest answer, the key it
 * answers and until when it is fresh. A different key or a past date is a miss; while the
 * database is unreachable any entry is served as stale. Entries share a bounded table of
 * keys per tenant (answer-slots.ts); `slot` says whose answer an entry is.
 */
export interface SharedEntry { slot: string; key: string; until: number; live?: string; served: ServedMeta & { items: Recommendation[] } }
/** Whether an answer kept with `kept` (the live signals' version it used, if any) still holds under `live`. */
const liveHolds = (kept: string | undefined, live: string) => kept === undefined || kept === live
export interface Kept { served: Served; positions: Int32Array }

export function createAnswerCache(d: { cache: Cache; store: ModelStore }) {
  // One entry per slot (shopper and request): the latest answer and the key it answers.
  const own = new BoundedMap<string, CachedAnswer>(50_000)
  // Answers the same for every shopper (a product's partners, trending, a cold shopper's
  // fallback): one per request and model version, served to each shopper who bought none of its items.
  const common = new BoundedMap<string, CachedAnswer>(20_000)

  const answerOf = (tenantId: string, meta: ServedMeta, items: Recommendation[], itemsJson: string, key: string, until: number, live: string | undefined): CachedAnswer => ({
    strategy: meta.strategy, padded: meta.padded, context: meta.context, modelVersion: meta.modelVersion, cached: true, experiment: meta.experiment, segment: meta.segment,
    itemsJson, positions: Int32Array.from(items, (r) => d.store.indexOf(tenantId, r.productId) ?? -1), key, until, live,
  })
  const sharedAnswer = async (tenantId: string, key: string, slot: string, live: string): Promise<CachedAnswer | undefined> => {
    const json = await d.cache.get(slotKey(slot))
    if (!json) return undefined
    const entry = JSON.parse(json) as SharedEntry
    if (entry.slot !== slot || entry.key !== key || entry.until <= Date.now() || !liveHolds(entry.live, live)) return undefined
    const { items, ...meta } = entry.served
    const answer = answerOf(tenantId, meta, items, JSON.stringify(items), key, entry.until, entry.live)
    own.set(slot, answer)
    return answer
  }

  // Shared entries are written behind, a batch at a time: one pipelined write per batch
  // (under load, the socket write costs more than working out the answer).
  const unwritten = new Map<string, string>()
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (flushTimer) { clearTimeout(flushTimer); flushTimer = undefined }
    if (!unwritten.size) return Promise.resolve()
    const batch = [...unwritten].map(([slot, entry]) => [slotKey(slot), entry] as const)
    unwritten.clear()
    // The cache falls back by itself on errors; a lost entry is a later miss, nothing more.
    return d.cache.setMany(batch, SHARED_ANSWER_TTL_MS).catch(() => {})
  }
  const writeShared = (slot: string, entry: string) => {
    unwritten.set(slot, entry)
    if (unwritten.size >= WRITE_BATCH_MAX) void flush()
    else flushTimer ??= setTimeout(flush, WRITE_BEHIND_MS)
  }
  /** A SharedEntry's text, assembled around the list's JSON (serialised once, for the route too). */
  const sharedEntry = (slot: string, key: string, until: number, live: string | undefined, itemsJson: string, meta: ServedMeta) =>
    `{"slot":${JSON.stringify(slot)},"key":${JSON.stringify(key)},"until":${until},${live === undefined ? '' : `"live":${JSON.stringify(live)},`}"served":{"items":${itemsJson},${JSON.stringify(meta).slice(1)}}`

  const keep = (level: BoundedMap<string, CachedAnswer>, tenantId: string, slot: string, key: string, live: string | undefined, meta: ServedMeta, items: Recommendation[]): Kept => {
    const itemsJson = JSON.stringify(items)
    const until = Date.now() + RESULT_TTL_MS
    const answer = answerOf(tenantId, meta, items, itemsJson, key, until, live)
    level.set(slot, answer)
    writeShared(slot, sharedEntry(slot, key, until, live, itemsJson, meta)) // the answer does not wait for the write
    return { served: { ...meta, items, itemsJson }, positions: answer.positions }
  }

  /** The list without items that became unavailable since the answer was cached; undefined when none did. */
  function withoutGone(answer: CachedAnswer, model: { items: { available: boolean }[] }): Recommendation[] | undefined {
    const gone = (i: number) => i >= 0 && !model.items[i]!.available
    let any = false
    for (let k = 0; k < answer.positions.length && !any; k++) any = gone(answer.positions[k]!)
    if (!any) return undefined
    return (JSON.parse(answer.itemsJson) as Recommendation[]).filter((_, k) => !gone(answer.positions[k]!))
  }
  /** A cached answer as served: the answer itself (the route keeps its body), or a new list if items went unavailable. */
  function servedFrom(answer: CachedAnswer, model: TenantModel): Served {
    const items = withoutGone(answer, model)
    if (!items) return answer
    const { strategy, padded, context, modelVersion, experiment, segment } = answer
    return { strategy, padded, context, modelVersion, cached: true, experiment, segment, items }
  }

  return {
    /** The slot every shopper shares for this request (its key is the model version). */
    commonSlot: (tenantId: string, params: string) => `recp:${tenantId}:${params}`,
    /** The shared answer to this request, model and live signals, with its positions, if this instance holds it. */
    common(slot: string, model: TenantModel, live: string): Kept | undefined {
      const hit = common.get(slot)
      if (hit && hit.key === model.version && hit.until > Date.now() && liveHolds(hit.live, live)) return { served: servedFrom(hit, model), positions: hit.positions }
      return undefined
    },
    /** `live`: the signals' version, when the answer used them. */
    keepCommon: (tenantId: string, slot: string, model: TenantModel, live: string | undefined, meta: ServedMeta, items: Recommendation[]) =>
      keep(common, tenantId, slot, model.version, live, meta, items),
    /**
     * The shopper's answer to exactly `key`, from this instance (without a promise) or, when
     * `shared`, from the entry another instance wrote. Answers that do not draw on the shopper's
     * history are not worth a round trip: working them out again costs less than reading them.
     */
    get(tenantId: string, key: string, slot: string, shared: boolean, model: TenantModel, live: string): InMemoryFirst<Served | undefined> {
      const hit = own.get(slot)
      if (hit && hit.key === key && hit.until > Date.now() && liveHolds(hit.live, live)) return servedFrom(hit, model)
      return shared ? sharedAnswer(tenantId, key, slot, live).then((a) => a && servedFrom(a, model)) : undefined
    },
    keep: (tenantId: string, slot: string, key: string, live: string | undefined, meta: ServedMeta, items: Recommendation[]) => keep(own, tenantId, slot, key, live, meta, items).served,
    /** The last answer kept for this slot, if the shared table still holds that one (not another slot's). */
    async last(slot: string): Promise<SharedEntry | undefined> {
      const json = unwritten.get(slot) ?? await d.cache.get(slotKey(slot))
      const entry = json ? JSON.parse(json) as SharedEntry : undefined
      return entry?.slot === slot ? entry : undefined
    },
    /** Writes the shared entries still waiting (at shutdown). */
    flush,
    /**
     * Forgets a shopper's answers to every request held by this instance (an erasure). The prefix
     * may also catch a shopper whose id extends this one past a colon: an extra miss, never a leak.
     */
    forgetShopperHere(tenantId: string, userId: string) {
      const prefix = `rec:${tenantId}:${userId}:`
      for (const slot of own.keys()) if (slot.startsWith(prefix)) own.delete(slot)
      for (const slot of unwritten.keys()) if (slot.startsWith(prefix)) unwritten.delete(slot)
    },
    /**
     * Deletes a shopper's answers from the shared cache: their slots are spread over the tenant's
     * PERSONAL_SLOTS keys by a hash of the whole request, so every key is read (in batches) and those
     * holding one of this shopper's answers are deleted. Rare (an erasure), bounded by the slot table.
     */
    async forgetShopperShared(tenantId: string, userId: string): Promise<number> {
      const prefix = `rec:${tenantId}:${userId}:`
      const doomed: string[] = []
      for (let from = 0; from < PERSONAL_SLOTS; from += SWEEP_BATCH) {
        const keys = Array.from({ length: Math.min(SWEEP_BATCH, PERSONAL_SLOTS - from) }, (_, i) => personalSlotKey(tenantId, from + i))
        const values = await Promise.all(keys.map((k) => d.cache.get(k)))
        values.forEach((json, i) => {
          if (json && (JSON.parse(json) as SharedEntry).slot.startsWith(prefix)) doomed.push(keys[i]!)
        })
      }
      if (doomed.length) await d.cache.del(doomed)
      return doomed.length
    },
  }
}
export type AnswerCache = ReturnType<typeof createAnswerCache>
