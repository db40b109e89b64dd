// Where an answer lives in the shared cache: a fixed-size table per tenant, not a
// key per shopper and request. An answer's identity (`rec:<tenant>:<shopper>:<request>`
// or `recp:<tenant>:<request>`) is hashed into one of PERSONAL_SLOTS or SHARED_SLOTS
// keys; the entry keeps its identity, so two answers meeting in a slot are a miss, not
// a wrong answer, and the later one stays. However much traffic a tenant sends, it holds
// at most 4,096 + 1,024 keys there (BENCHMARKS.md, "Answer cache bound": 6,872 keys
// after 12 s of varied traffic before, at most that many per tenant after).
import { tenantTag } from '../../infra/cache/keys.ts'

export const PERSONAL_SLOTS = 4096
export const SHARED_SLOTS = 1024
/** Kept for the stale path (an instance serving while the database is down) and other instances: an hour, not a day. */
export const SHARED_ANSWER_TTL_MS = 3600_000

/** 32-bit FNV-1a: cheap, and spreads similar strings (a shopper id that differs by a digit) well. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * The shared-cache key an answer identity is kept under: `rec:{t:<tenant>}:#n`. The tenant's
 * hash tag puts all its slots on one Redis Cluster node, so a flush or an erasure sweep over
 * them is one pipeline.
 */
export function slotKey(identity: string): string {
  const first = identity.indexOf(':')
  const second = identity.indexOf(':', first + 1)
  const kind = identity.slice(0, first)
  const size = kind === 'rec' ? PERSONAL_SLOTS : SHARED_SLOTS
  return `${kind}:${tenantTag(identity.slice(first + 1, second))}:#${fnv1a(identity) % size}`
}

/** The shared-cache key of one of a tenant's personal slots (0 ≤ n < PERSONAL_SLOTS): what slotKey gives a `rec:` identity. */
export const personalSlotKey = (tenantId: string, n: number) => `rec:${tenantTag(tenantId)}:#${n}`
