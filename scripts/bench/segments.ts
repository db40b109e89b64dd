// Segment membership on the serving path (issue 21): what working out a shopper's segments costs a request
// of a tenant with segment strategies. Pure (no database): the built-ins plus `--segments` of the tenant's
// own (spend, purchases, traits, recency, categories viewed) over a profile of 100 interactions and a
// model of 10,000 items.
//
//   bun scripts/bench/segments.ts [--segments 20] [--iterations 200000]
import { arg } from '../lib/args.ts'
import { compileSegments, segmentsOf } from '../../server/modules/segments/membership.ts'
import type { Condition } from '../../server/engine/conditions.ts'
import type { TenantModel } from '../../server/engine/types.ts'
import type { UserProfile } from '../../db/queries/profiles.ts'

const SEGMENTS = arg('--segments', 20)
const ITERATIONS = arg('--iterations', 200_000)
const DAY = 86_400_000
const now = Date.now()

const items = Array.from({ length: 10_000 }, (_, i) => ({ productId: `p${i}`, name: `Item ${i}`, description: null, category: `c${i % 40}`, price: 10, imageUrl: null, url: null, attributes: {}, available: true }))
const model = { version: 'bench', builtAt: now, items, itemNeighbors: [], content: { dim: 0, vectors: [], terms: [] }, trending: { views24h: [], score: [] }, popularity: [], fbt: [], stats: { items: 0, users: 0, interactions: 0, buildMs: 0 }, highValueSpend: 250 } as unknown as TenantModel
const profile: UserProfile = {
  recent: Array.from({ length: 100 }, (_, i) => ({ productId: `p${(i * 97) % 10_000}`, eventType: i % 5 ? 'product_viewed' : 'add_to_cart', ts: now - i * 60_000 })),
  purchased: ['p1', 'p2'], eventCount: 140, firstSeenAt: now - 40 * DAY, purchaseCount: 3, totalSpend: 180, lastPurchaseAt: now - 5 * DAY,
  spendDays: Object.fromEntries(Array.from({ length: 3 }, (_, i) => [String(Math.floor(now / DAY) - i * 10), 60])), traits: { tier: 'gold', country: 'DE' }, updatedAt: now,
}
const kinds: ((n: number) => Condition)[] = [
  (n) => ({ field: 'purchaseCount', op: 'gte', value: n % 5 }),
  (n) => ({ and: [{ field: 'totalSpend', op: 'gte', value: n * 10 }, { field: 'daysSinceLastPurchase', op: 'lte', value: 30 }] }),
  (n) => ({ field: 'traits.tier', op: 'in', value: ['gold', `t${n}`] }),
  (n) => ({ or: [{ field: 'categoriesViewed', op: 'contains', value: `c${n % 40}` }, { field: 'traits.country', op: 'eq', value: 'FR' }] }),
  (n) => ({ not: { field: 'daysSinceFirstSeen', op: 'lt', value: n } }),
]
const stored = Array.from({ length: SEGMENTS }, (_, n) => ({ key: `s${n}`, conditions: kinds[n % kinds.length]!(n) }))
const list = compileSegments(stored, model.highValueSpend)

let found = 0
for (let i = 0; i < 20_000; i++) found += segmentsOf(list, profile, now, model).length // warm-up
const t0 = performance.now()
for (let i = 0; i < ITERATIONS; i++) found += segmentsOf(list, profile, now, model).length
const perCall = ((performance.now() - t0) * 1000) / ITERATIONS
console.log(`${list.length} segments (${SEGMENTS} own + built-ins), profile of ${profile.recent.length} interactions: ${perCall.toFixed(2)} µs per shopper (${segmentsOf(list, profile, now, model).length} matched; checksum ${found})`)
