// The shared answer cache's size under varied traffic (issue 17, item 9): the
// real server on PostgreSQL + Redis, a small store, then for --seconds a closed
// loop of recommendation requests that rarely repeat (shoppers with a history,
// every strategy, many products, three list lengths, drawn at random), as a
// hostile or just a large tenant would send. Prints the tenant's answer keys in Redis, their memory
// (MEMORY USAGE summed) and their TTL. Run it on a checkout before the change
// for the "before" figures.
//
//   bun scripts/bench/answer-cache.ts [--seconds 12] [--concurrency 16] [--shoppers 5000]
import { Redis } from 'ioredis'
import { arg } from '../lib/args.ts'
import { startBenchServer } from '../lib/bench-server.ts'
import { STRATEGIES } from '../../server/vocabulary.ts'

const SECONDS = arg('--seconds', 12)
const CONCURRENCY = arg('--concurrency', 16)
const SHOPPERS = arg('--shoppers', 5000)
/** Events per shopper: past the cold start, so history strategies answer each shopper personally. */
const HISTORY = 6
const PRODUCTS = 300

const s = await startBenchServer('postgres', 'answer-cache')
const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379')
try {
  const tenantId = (await (await fetch(`${s.base}/api/v1/me`, { headers: { 'x-api-key': s.key } })).json() as any).data.tenantId as string
  const items = Array.from({ length: PRODUCTS }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, category: `c${i % 12}`, description: `thing ${i % 40} for ${i % 7}`, price: 5 + (i % 50) }))
  await s.post('/api/v1/catalog/batch', { items: items.slice(0, 150) })
  await s.post('/api/v1/catalog/batch', { items: items.slice(150) })
  const now = Date.now()
  for (let b = 0; b < Math.ceil((SHOPPERS * HISTORY) / 100); b++) {
    await s.post('/api/v1/events/batch', { events: Array.from({ length: 100 }, (_, j) => {
      const i = b * 100 + j
      return { eventType: i % 5 ? 'product_viewed' : 'purchase', userId: `shopper-${i % SHOPPERS}`, productId: `p${(i * 37) % PRODUCTS}`, timestamp: new Date(now - 3600_000 + i * 100).toISOString() }
    }) })
  }
  await s.post('/api/v1/models/rebuild', {})
  for (let i = 0; ; i++) {
    const m = await (await fetch(`${s.base}/api/v1/models`, { headers: { 'x-api-key': s.key } })).json() as any
    if (m.data?.status === 'ready') break
    if (i > 600) throw new Error('model not built')
    await Bun.sleep(100)
  }

  let n = 0, ok = 0, failed = 0 // n: requests sent
  const end = performance.now() + SECONDS * 1000
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      n++
      const pick = (k: number) => Math.floor(Math.random() * k)
      const strategy = STRATEGIES[pick(4)]!
      // Half of the collaborative and content-based asks without a product: answers from the shopper's own history.
      const product = (strategy === 'collaborative' || strategy === 'content_based') && pick(2) ? '' : `&productId=p${pick(PRODUCTS)}`
      const url = `${s.base}/api/v1/recommendations?userId=shopper-${pick(SHOPPERS)}&strategy=${strategy}${product}&limit=${[4, 8, 12][pick(3)]}`
      const r = await fetch(url, { headers: { 'x-api-key': s.key } })
      await r.arrayBuffer()
      if (r.status === 200) ok++
      else failed++
    }
  }))
  await Bun.sleep(200) // the write-behind batches land

  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `*rec*${tenantId}*`, 'COUNT', 5000)
    keys.push(...found)
    cursor = next
  } while (cursor !== '0')
  let bytes = 0
  for (let i = 0; i < keys.length; i += 500) {
    const batch = redis.pipeline()
    for (const k of keys.slice(i, i + 500)) batch.memory('USAGE', k)
    for (const [, v] of (await batch.exec()) ?? []) bytes += Number(v ?? 0)
  }
  const personal = keys.filter((k) => /(^|:)rec:/.test(k)).length
  const ttl = keys.length ? await redis.pttl(keys[0]!) : -1
  console.log(`${SECONDS} s, ${CONCURRENCY} concurrent, ${SHOPPERS} shoppers × 4 strategies × ${PRODUCTS} products × 3 lengths: ${ok} answers (${failed} failed, ${(ok / SECONDS).toFixed(0)}/s)`)
  console.log(`answer keys for the tenant: ${keys.length} (${personal} personal, ${keys.length - personal} shared), ${(bytes / 1024 / 1024).toFixed(2)} MB by MEMORY USAGE (${keys.length ? (bytes / keys.length / 1024).toFixed(2) : 0} KB a key), TTL ${(ttl / 3600_000).toFixed(2)} h`)
} finally {
  redis.disconnect()
  await s.stop()
}
