// A build's interactions as columns, for the trip to the build thread: posting
// 160,000 interaction objects costs the sending thread ≈ 450 ms of structured
// cloning (measured on the retail store), which is the stall the thread is there to
// avoid. Columns are typed arrays, moved without a copy, and each distinct id is
// sent once. Pure.
import type { EventType, Interaction } from '../engine/types.ts'

export interface PackedInteractions {
  /** Distinct strings: user ids, product ids, event types, order and session ids. */
  strings: string[]
  user: Int32Array
  product: Int32Array
  event: Int32Array
  ts: Float64Array
  /** -1: none. */
  order: Int32Array
  session: Int32Array
}

export function packInteractions(xs: readonly Interaction[]): PackedInteractions {
  const ids = new Map<string, number>()
  const strings: string[] = []
  const of = (s: string) => {
    let i = ids.get(s)
    if (i === undefined) { i = strings.length; ids.set(s, i); strings.push(s) }
    return i
  }
  const n = xs.length
  const p: PackedInteractions = {
    strings, user: new Int32Array(n), product: new Int32Array(n), event: new Int32Array(n), ts: new Float64Array(n), order: new Int32Array(n), session: new Int32Array(n),
  }
  for (let k = 0; k < n; k++) {
    const x = xs[k]!
    p.user[k] = of(x.userId)
    p.product[k] = of(x.productId)
    p.event[k] = of(x.eventType)
    p.ts[k] = x.ts
    p.order[k] = x.orderId === undefined ? -1 : of(x.orderId)
    p.session[k] = x.sessionId === undefined ? -1 : of(x.sessionId)
  }
  return p
}

export function unpackInteractions(p: PackedInteractions): Interaction[] {
  const s = p.strings
  const out: Interaction[] = new Array(p.ts.length)
  for (let k = 0; k < p.ts.length; k++) {
    const x: Interaction = { userId: s[p.user[k]!]!, productId: s[p.product[k]!]!, eventType: s[p.event[k]!] as EventType, ts: p.ts[k]! }
    if (p.order[k]! >= 0) x.orderId = s[p.order[k]!]!
    if (p.session[k]! >= 0) x.sessionId = s[p.session[k]!]!
    out[k] = x
  }
  return out
}

/** The typed arrays to move rather than copy. */
export const transferablesOf = (p: PackedInteractions): ArrayBuffer[] =>
  [p.user, p.product, p.event, p.ts, p.order, p.session].map((a) => a.buffer as ArrayBuffer)
