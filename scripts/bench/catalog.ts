// POST /api/v1/catalog/batch with 500 items, end to end through the app
// (auth, body parsing, per-item validation, the one-statement upsert), on the
// embedded PGlite and on PostgreSQL. Prints figures; asserts nothing.
//
//   bun scripts/bench/catalog.ts             # PostgreSQL at TEST_PG_ADMIN_URL (default postgres@127.0.0.1), Redis at TEST_REDIS_URL
//   bun scripts/bench/catalog.ts pglite      # only the embedded database
//
// Uses the test backends: an in-memory PGlite, and a throw-away PostgreSQL
// database (plus Redis for the rate limiter) that is dropped afterwards.
import { upsertCatalogItems } from '../../db/queries/catalog.ts'
import { backend, teardownBackends, type BackendName } from '../../server/test/backends.ts'
import { testApp } from '../../server/test/harness.ts'

const ROUNDS = 15
const BATCH = 500
const backends: BackendName[] = process.argv[2] === 'pglite' ? ['pglite'] : ['pglite', 'postgres']

const items = (prefix: string) => Array.from({ length: BATCH }, (_, i) => ({
  productId: `${prefix}-${i}`, name: `Trail shoe ${i}`, description: 'Light, grippy and waterproof. '.repeat(8),
  category: `category-${i % 20}`, price: 10 + (i % 90), currency: 'EUR',
  imageUrl: `https://img.example.com/p/${i}.jpg`, url: `https://shop.example.com/p/${i}`,
  attributes: { brand: 'Acme', color: ['red', 'blue', 'green'][i % 3], sizes: [40, 41, 42, 43], material: 'mesh' },
}))

/** Milliseconds per run: median and best of ROUNDS runs, after one warm-up run. */
async function time(run: (round: number) => Promise<unknown>) {
  const ms: number[] = []
  for (let round = 0; round <= ROUNDS; round++) {
    const start = performance.now()
    await run(round)
    if (round > 0) ms.push(performance.now() - start)
  }
  ms.sort((a, b) => a - b)
  return `median ${ms[ms.length >> 1].toFixed(1)} ms, best ${ms[0].toFixed(1)} ms`
}

try {
  for (const name of backends) {
    const t = await testApp(name)
    const { tenantId, writeKey } = await t.tenantWithKeys({ rateLimits: { read: 100_000, write: 100_000 } })
    const post = async (body: object) => {
      const r = await t.req('POST', '/api/v1/catalog/batch', { key: writeKey, body })
      if (r.status !== 200 || r.body.data.rejected.length) throw new Error(`batch failed: ${r.status} ${r.text.slice(0, 300)}`)
    }
    const fresh = await time((round) => post({ items: items(`new${round}`) }))
    const replace = await time(() => post({ items: items('new1') }))
    const raw = (await backend(name)).database.raw
    const values = items('sql').map((v) => ({ ...v, available: true }))
    const statement = await time(() => upsertCatalogItems(raw, tenantId, values, new Date()))
    console.log(`${name}: POST /catalog/batch, ${BATCH} items`)
    console.log(`  all new           ${fresh}`)
    console.log(`  all replaced      ${replace}`)
    console.log(`  the upsert alone  ${statement} (replacing)`)
  }
} finally {
  await teardownBackends()
}
