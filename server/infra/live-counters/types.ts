import { HOUR_MS } from '../../engine/strategies/weights.ts'

/**
 * Live counters: what the engine's trending, popularity and bought-together lists need
 * from events seconds old, kept at ingestion rather than frozen into the model. Counts
 * are per tenant, per epoch hour (hours since 1970, UTC) of the event's timestamp, so a
 * reader adds up exactly the hours it lacks: those since the model it serves was built.
 * Redis backs them when REDIS_URL is set (every instance sees the same counts); an
 * in-process equivalent otherwise.
 */
export interface LiveEvent {
  productId: string
  /** Index into EVENT_TYPES. */
  type: number
  /** Epoch hour of the event's timestamp. */
  hour: number
  /** For a purchase: the basket it belongs to (order, else session, else shopper and day). */
  basket?: string
}

/** One hour of a tenant's events: per product, how many of each type (indexed as EVENT_TYPES). */
export type HourCounts = Map<string, number[]>

export interface LiveCounterStore {
  /** Counts the events (and, for purchases, each new pair in their baskets); moves the tenant's tick. */
  record(tenantId: string, events: readonly LiveEvent[]): Promise<void>
  /** Moves whenever the tenant's counts do: a reader re-reads only when it has. */
  tick(tenantId: string): Promise<number>
  /** The tenant's counts for each hour asked, in that order (an hour without events: empty). */
  hours(tenantId: string, hours: readonly number[]): Promise<HourCounts[]>
  /** How many baskets bought `productId` with each other product, over the hours asked. */
  partners(tenantId: string, productId: string, hours: readonly number[]): Promise<Map<string, number>>
  /** Drops these open baskets (a basket may be named after a shopper: their erasure drops it). Pair counts stay: they are anonymous. */
  dropBaskets(tenantId: string, baskets: readonly string[]): Promise<void>
}

// The engine's hour: a model's trending hours and the counters' must be the same ones.
export { HOUR_MS }
/** Hours kept: a day, the hour in progress and one of slack for late readers. */
export const KEPT_HOURS = 26
/** Distinct products a tenant may count in one hour: a flood of made-up ids stops there. */
export const MAX_PRODUCTS_PER_HOUR = 50_000
/** A basket with more items pairs nothing more (a wholesale order pairs everything with everything). */
export const MAX_BASKET_ITEMS = 100
/** Pair increments one record() may make: bounds what one batch costs the shared store. */
export const MAX_PAIR_UPDATES = 20_000
/** How long a basket stays open to new items. */
export const BASKET_TTL_MS = 48 * HOUR_MS
