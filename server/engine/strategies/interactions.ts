// The build's one pass over the raw interactions: strings become integer indexes and
// each event its decayed weight, in typed arrays, so every later step (collaborative,
// popularity, trending, baskets) is a loop over numbers rather than over a million objects.
import { EVENT_TYPES } from '../../vocabulary.ts'
import type { BuildInput } from '../types.ts'
import { decay, resolveWeights } from './weights.ts'

export { EVENT_TYPES }
export const PURCHASE = EVENT_TYPES.indexOf('purchase')

export interface EncodedInteractions {
  /** How many interactions refer to a catalog item (the rest are dropped). */
  count: number
  /** Distinct users among them; `user` holds indexes in [0, users). */
  users: number
  user: Int32Array
  item: Int32Array
  /** Index into EVENT_TYPES. */
  type: Uint8Array
  ts: Float64Array
  /** Event weight × decay by age. */
  weight: Float64Array
  /** Order id, else session id, else undefined, per purchase (other events: undefined). */
  basketKey: (string | undefined)[]
}

export function encodeInteractions(input: BuildInput, itemIndex: ReadonlyMap<string, number>): EncodedInteractions {
  const weights = resolveWeights(input.weights)
  const typeIndex = new Map(EVENT_TYPES.map((t, i) => [t, i]))
  const n = input.interactions.length
  const user = new Int32Array(n)
  const item = new Int32Array(n)
  const type = new Uint8Array(n)
  const ts = new Float64Array(n)
  const weight = new Float64Array(n)
  const basketKey: (string | undefined)[] = []
  const userIndex = new Map<string, number>()
  let count = 0
  for (const x of input.interactions) {
    const i = itemIndex.get(x.productId)
    const t = typeIndex.get(x.eventType)
    // Events for products no longer in the catalog, or of unknown types, cannot be served.
    if (i === undefined || t === undefined || !Number.isFinite(x.ts)) continue
    let u = userIndex.get(x.userId)
    if (u === undefined) userIndex.set(x.userId, (u = userIndex.size))
    user[count] = u
    item[count] = i
    type[count] = t
    ts[count] = x.ts
    weight[count] = weights[x.eventType] * decay(input.now - x.ts, input.halfLifeDays)
    basketKey[count] = t === PURCHASE ? (x.orderId ? `o:${x.orderId}` : x.sessionId ? `s:${x.sessionId}` : undefined) : undefined
    count++
  }
  return {
    count,
    users: userIndex.size,
    user: user.subarray(0, count),
    item: item.subarray(0, count),
    type: type.subarray(0, count),
    ts: ts.subarray(0, count),
    weight: weight.subarray(0, count),
    basketKey,
  }
}

/**
 * Row starts of a counting sort of 0..count-1 by `key` (values in [0, keys)), and the
 * sorted positions: rows of one key are order[start[k]] .. order[start[k+1]-1], in input order.
 */
export function groupBy(key: Int32Array, count: number, keys: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(keys + 1)
  for (let n = 0; n < count; n++) start[key[n]! + 1]!++
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!
  const next = start.slice(0, keys)
  const order = new Int32Array(count)
  for (let n = 0; n < count; n++) order[next[key[n]!]!++] = n
  return { start, order }
}
