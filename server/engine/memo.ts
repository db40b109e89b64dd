// Every table serving keeps between requests, in one place. Each is keyed weakly by the
// object it is worked out from (a built model, its content, a shopper's state), so it
// goes when that object does and serving stays a pure function of its inputs. What each
// buys was measured in BENCHMARKS.md ("Recommendation serving" rounds).
import type { EventWeights } from './strategies/weights.ts'
import type { AnnIndex } from './strategies/ann.ts'
import type { History } from './strategies/history.ts'
import type { ModelIndex } from './strategies/model-index.ts'
import type { Signals } from './signals.ts'
import type { TenantModel, UserState } from './types.ts'

/** A product's nearest content neighbours, kept deep (see content-based.ts). */
export interface Neighbours { index: Int32Array; score: Float32Array }
/** A shopper's purchases as catalog indexes of one model index; the set is made when first needed. */
export interface Purchased { byId: ReadonlyMap<string, number>; indexes: readonly number[]; set?: ReadonlySet<number> }

export const memo = {
  /** The id map, ranked fallback orders and pair lists of a model: built once, not per request. */
  modelIndex: new WeakMap<TenantModel, ModelIndex>(),
  /** A byte per item, 1 = unavailable: a loop over the catalog per request costs more than most strategies. */
  unavailable: new WeakMap<TenantModel, Uint8Array>(),
  /** Per model, each asked-for product's nearest neighbours: a product page is then a lookup, not a scan. */
  similar: new WeakMap<TenantModel, Map<number, Neighbours>>(),
  /** A model's own trending and popularity lists, in the shape serving reads live ones. */
  signals: new WeakMap<TenantModel, Signals>(),
  /** Per-feature document counts of a model's content, for vectors of items added after the build (counting them walks the catalog's text). */
  documentFrequencies: new WeakMap<TenantModel['content'], Map<string, number>>(),
  /** The approximate-nearest-neighbour index of a model's content (large catalogs only). */
  ann: new WeakMap<TenantModel['content'], AnnIndex>(),
  /**
   * A shopper's weighted history: one walk over up to 100 events (≈ 30 µs) per state, not per answer.
   * The profile cache keeps a state object across TTL reloads that bring the same events (sameProfile), so this stays valid.
   * It holds the model weakly: a cached profile must not keep a model the store evicted in memory.
   */
  history: new WeakMap<UserState, { model: WeakRef<TenantModel>; byId: WeakRef<ReadonlyMap<string, number>>; weights: EventWeights; halfLifeDays: number; history: History }>(),
  /** A shopper's purchases as catalog indexes: a loyal shopper's run to hundreds of ids. */
  purchased: new WeakMap<UserState, Purchased>(),
}

// Serving is synchronous and nothing keeps the mask past an answer, so one scratch array
// serves every request: no catalog-sized allocation per computed answer (at thousands a
// second, the collector's share is much of what a computed answer costs).
let scratch = new Uint8Array(0)

/** The request's blocked-items mask, starting as a copy of `unavailable`; valid until the next call. */
export function blockedMask(unavailable: Uint8Array): Uint8Array {
  if (scratch.length !== unavailable.length) scratch = new Uint8Array(unavailable.length)
  scratch.set(unavailable)
  return scratch
}
