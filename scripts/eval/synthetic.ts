// A synthetic store with known structure, for tests that check each strategy recovers
// what was planted: categories with their own vocabulary (content_based), taste
// clusters that cut across categories (collaborative), pairs bought together in many
// orders (frequently_bought_together) and a burst of activity in the last 24 h on a few
// otherwise quiet items (trending). Seeded, so every run builds the same store.
//
//   bun scripts/eval/synthetic.ts     prints a summary of the default store
import type { BuildInput, EventType, Interaction, Item, UserState } from '../../server/engine/types.ts'
import { mulberry32 } from '../../server/prng.ts'

export { mulberry32 }

const DAY = 86_400_000
const HOUR = 3_600_000


/** A catalog item with defaults for what a fixture does not care about. */
export function makeItem(productId: string, fields: Partial<Omit<Item, 'productId'>> = {}): Item {
  return { productId, name: productId, description: null, category: null, price: null, imageUrl: null, url: null, attributes: {}, available: true, ...fields }
}

/** What serving knows about a user, derived from their interactions as ingestion keeps it (100 newest). */
export function userStateOf(interactions: readonly Interaction[], userId: string): UserState {
  const mine = interactions.filter((x) => x.userId === userId).sort((a, b) => b.ts - a.ts)
  return {
    recent: mine.slice(0, 100).map(({ productId, eventType, ts }) => ({ productId, eventType, ts })),
    purchased: [...new Set(mine.filter((x) => x.eventType === 'purchase').map((x) => x.productId))].sort(),
    eventCount: mine.length,
  }
}

const CATEGORIES: Record<string, { noun: string; words: string[]; price: number }> = {
  'Outdoor Jackets': { noun: 'Jacket', words: ['waterproof', 'hooded', 'breathable', 'insulated', 'windproof', 'packable', 'fleece', 'parka'], price: 180 },
  'Running Shoes': { noun: 'Runner', words: ['cushioned', 'trail', 'marathon', 'lightweight', 'grip', 'mesh', 'stability', 'racing'], price: 120 },
  'Coffee Gear': { noun: 'Grinder', words: ['espresso', 'burr', 'barista', 'brew', 'roast', 'pourover', 'crema', 'arabica'], price: 90 },
  'Kitchen Knives': { noun: 'Knife', words: ['chef', 'santoku', 'forged', 'carbon', 'serrated', 'paring', 'whetstone', 'damascus'], price: 70 },
  'Yoga': { noun: 'Mat', words: ['yoga', 'pilates', 'stretch', 'cork', 'meditation', 'bolster', 'asana', 'nonslip'], price: 45 },
  'Board Games': { noun: 'Game', words: ['strategy', 'cooperative', 'dice', 'cards', 'tabletop', 'campaign', 'party', 'tiles'], price: 40 },
}
const BRANDS = ['Alto', 'Borea', 'Cinder', 'Delta', 'Ember', 'Fjord', 'Grove', 'Halo']
const COLORS = ['black', 'navy', 'olive', 'grey', 'red']
const FILLER = ['quality', 'durable', 'everyday', 'favourite', 'classic', 'premium']

export interface SyntheticOptions { seed: number; itemsPerCategory: number; clusters: number; itemsPerCluster: number; usersPerCluster: number; sessionsPerUser: number; days: number; now: number }

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  seed: 7, itemsPerCategory: 20, clusters: 6, itemsPerCluster: 12, usersPerCluster: 50, sessionsPerUser: 8, days: 60, now: Date.UTC(2026, 0, 15, 12),
}

export interface SyntheticStore {
  input: BuildInput
  /** productIds per category. */
  categories: Map<string, string[]>
  /** Taste clusters (productIds across categories) and each user's cluster. */
  clusters: string[][]
  clusterOf: Map<string, number>
  /** Planted co-purchases [a, b]: bought together in many orders. */
  pairs: [string, string][]
  /** Items with a burst of activity in the last 24 h. */
  burst: string[]
  /** One unavailable item per category. */
  unavailable: string[]
}

export function syntheticStore(options: Partial<SyntheticOptions> = {}): SyntheticStore {
  const o = { ...SYNTHETIC_DEFAULTS, ...options }
  const rand = mulberry32(o.seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
  const shuffled = <T>(xs: readonly T[]): T[] => {
    const out = [...xs]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  const items: Item[] = []
  const categories = new Map<string, string[]>()
  for (const [category, { noun, words, price }] of Object.entries(CATEGORIES)) {
    const ids: string[] = []
    for (let k = 0; k < o.itemsPerCategory; k++) {
      const productId = `${noun.toLowerCase()}-${k + 1}`
      const [w1, w2, w3] = shuffled(words)
      ids.push(productId)
      items.push(makeItem(productId, {
        name: `${pick(BRANDS)} ${w1} ${noun} ${k + 1}`,
        description: `A ${pick(FILLER)} ${w2} ${noun.toLowerCase()}, ${w3} and ${pick(FILLER)}.`,
        category,
        price: Math.round(price * (0.6 + 0.8 * rand())),
        imageUrl: `https://img.example/${productId}.jpg`,
        url: `https://shop.example/p/${productId}`,
        attributes: { color: pick(COLORS), [noun.toLowerCase() === 'game' ? 'players' : 'material']: noun.toLowerCase() === 'game' ? '2-4' : pick(['nylon', 'steel', 'cotton', 'rubber']) },
      }))
    }
    categories.set(category, ids)
  }
  const all = items.map((x) => x.productId)
  // Every item serves one purpose, so the plants cannot mask each other.
  const order = shuffled(all)
  const clusters = Array.from({ length: o.clusters }, (_, k) => order.slice(k * o.itemsPerCluster, (k + 1) * o.itemsPerCluster))
  let next = o.clusters * o.itemsPerCluster
  const pairs: [string, string][] = Array.from({ length: 4 }, () => [order[next++]!, order[next++]!])
  const burst = order.slice(next, next + 3)
  next += 3
  const rest = order.slice(next)
  // The first non-planted item of each category is out of stock.
  const unavailable = [...categories.values()].map((ids) => ids.find((id) => rest.includes(id))!)
  for (const it of items) if (unavailable.includes(it.productId)) it.available = false
  // Background browsing never touches the burst items, so their baseline stays quiet.
  const browsable = all.filter((id) => !burst.includes(id))

  const interactions: Interaction[] = []
  const add = (userId: string, productId: string, eventType: EventType, ts: number, orderId?: string): void => {
    interactions.push({ userId, productId, eventType, ts, ...(orderId ? { orderId } : {}) })
  }
  const clusterOf = new Map<string, number>()
  let orders = 0
  for (let k = 0; k < o.clusters; k++) {
    for (let u = 0; u < o.usersPerCluster; u++) {
      const userId = `user-${k}-${u}`
      clusterOf.set(userId, k)
      for (let s = 0; s < o.sessionsPerUser; s++) {
        let ts = o.now - Math.floor(rand() * o.days * DAY)
        const viewed: string[] = []
        const views = 3 + Math.floor(rand() * 3)
        for (let v = 0; v < views; v++) {
          const productId = rand() < 0.85 ? pick(clusters[k]!) : pick(browsable)
          viewed.push(productId)
          add(userId, productId, 'product_viewed', (ts += 60_000))
        }
        if (rand() < 0.3) {
          const orderId = `order-${++orders}`
          for (const productId of new Set(viewed.slice(0, 1 + Math.floor(rand() * 2)))) {
            add(userId, productId, 'add_to_cart', (ts += 30_000))
            add(userId, productId, 'purchase', ts + 600_000, orderId)
          }
        }
      }
    }
  }
  const users = [...clusterOf.keys()]
  for (const [a, b] of pairs) {
    for (let k = 0; k < 25; k++) {
      const orderId = `order-${++orders}`
      const ts = o.now - Math.floor(rand() * o.days * DAY)
      const userId = pick(users)
      add(userId, a, 'purchase', ts, orderId)
      add(userId, b, 'purchase', ts, orderId)
    }
  }
  for (const productId of burst) {
    const views = 40 + Math.floor(rand() * 20)
    for (let v = 0; v < views; v++) add(pick(users), productId, 'product_viewed', o.now - Math.floor(rand() * 23 * HOUR))
  }
  return {
    input: { items, interactions, now: o.now, weights: {}, halfLifeDays: 30 },
    categories, clusters, clusterOf, pairs, burst, unavailable,
  }
}

if (import.meta.main) {
  const store = syntheticStore()
  console.log(`${store.input.items.length} items in ${store.categories.size} categories, ${store.clusterOf.size} users in ${store.clusters.length} clusters, ${store.input.interactions.length} interactions`)
  console.log(`pairs: ${store.pairs.map((p) => p.join('+')).join(', ')}; burst: ${store.burst.join(', ')}; unavailable: ${store.unavailable.join(', ')}`)
}

// ---- Clustered unit vectors, for approximate-search tests and benchmarks.

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/** n unit vectors around n/60 random topics (cluster sizes vary), each topic mixed with a second one. */
export function clusteredVectors(n: number, dim: number, seed: number): Float32Array {
  const random = mulberry32(seed)
  const topics = Math.max(1, Math.round(n / 60))
  const centers = new Float32Array(topics * dim).map(() => gaussian(random) / Math.sqrt(dim))
  const out = new Float32Array(n * dim)
  for (let i = 0; i < n; i++) {
    const a = Math.floor(random() ** 1.5 * topics) // skewed sizes
    const b = Math.floor(random() * topics)
    const mix = 0.25 * random()
    let norm = 0
    for (let j = 0; j < dim; j++) {
      const v = (1 - mix) * centers[a * dim + j]! + mix * centers[b * dim + j]! + 0.06 * gaussian(random)
      out[i * dim + j] = v
      norm += v * v
    }
    const inv = 1 / Math.sqrt(norm)
    for (let j = 0; j < dim; j++) out[i * dim + j]! *= inv
  }
  return out
}
