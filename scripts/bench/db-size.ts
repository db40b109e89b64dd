// How much PostgreSQL a million events take (issue 26: sizing a move to Citus). In a throw-away database,
// one tenant's events go through the ingest path's own statements (insertEvents: events, event_ids, profiles,
// purchases, recommendation clicks; applyIngestEffects: the rollups) in transactions of 2,000, as the group
// committer writes them; then, after VACUUM ANALYZE, pg_total_relation_size (heap + indexes + TOAST) of each
// table that grew. Prints figures only.
//
//   bun scripts/bench/db-size.ts [--events 1000000] [--shoppers 50000] [--products 5000] [--keep]
//
// PostgreSQL: DATABASE_URL, else TEST_PG_ADMIN_URL, else postgres://postgres@127.0.0.1:5432/postgres.
import { benchDatabase } from '../lib/bench-database.ts'
import { ensureEventMonths, insertEvents, type NewEvent } from '../../db/queries/events.ts'
import { applyIngestEffects, type StoredWithWindow } from '../../server/modules/events/ingest/effects.ts'
import { mulberry32 } from '../../server/prng.ts'
import { arg } from '../lib/args.ts'

const EVENTS = arg('--events', 1_000_000)
const SHOPPERS = arg('--shoppers', 50_000)
const PRODUCTS = arg('--products', 5_000)
const BATCH = 2_000
const DAYS = 85

// A storefront's mix: mostly views, recommendation traffic, a few purchases with a price.
const MIX: [string, number][] = [['product_viewed', 0.55], ['product_clicked', 0.1], ['add_to_cart', 0.08], ['remove_from_cart', 0.02],
  ['recommendation_impressed', 0.15], ['recommendation_clicked', 0.05], ['purchase', 0.05]]
const PLACEMENTS = ['home', 'product_page', 'cart', 'email']
const STRATEGIES = ['collaborative', 'content_based', 'trending', 'frequently_bought_together']

const { database, close } = await benchDatabase('dbsize', 4)
const rand = mulberry32(26)
const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!
// Popularity skewed towards a head of shoppers and products (a square of a uniform draw).
const skewed = (n: number) => Math.floor(rand() * rand() * n)
const typeOf = () => { let x = rand(); for (const [t, w] of MIX) { if ((x -= w) < 0) return t } return 'product_viewed' }

try {
  await database.migrate()
  const raw = database.background.raw
  const [{ id: account }] = await raw.query<{ id: string }>(`insert into accounts (name) values ('sizing') returning id`)
  const [{ id: tenantId }] = await raw.query<{ id: string }>(`insert into tenants (account_id, name) values ($1, 'sizing') returning id`, [account])
  const now = Date.now()
  await ensureEventMonths(raw, Array.from({ length: DAYS / 28 + 2 }, (_, i) => new Date(now - i * 28 * 86_400_000)))
  const started = performance.now()
  let stored = 0
  for (let done = 0; done < EVENTS; done += BATCH) {
    const rows: NewEvent[] = []
    for (let i = done; i < Math.min(EVENTS, done + BATCH); i++) {
      const eventType = typeOf()
      const rec = eventType.startsWith('recommendation_')
      rows.push({
        tenantId, eventType, userId: `shopper-${skewed(SHOPPERS)}`, productId: `SKU-${skewed(PRODUCTS)}`, ts: new Date(now - Math.floor(rand() * DAYS * 86_400_000)),
        sessionId: `s-${Math.floor(i / 12)}`, metadata: eventType === 'purchase' ? { price: Math.round(rand() * 10_000) / 100, quantity: 1 + Math.floor(rand() * 3) } : null,
        placement: rec ? pick(PLACEMENTS) : null, strategy: rec ? pick(STRATEGIES) : null,
        // Half the events carry a client idempotency key (the SDK sends one; server-side integrations often do not).
        ...(rand() < 0.5 ? { eventId: `ev-${i}`, idempotencyKey: `ev-${i}` } : {}),
      })
    }
    await raw.transaction(async (tx) => {
      const inserted = await insertEvents(tx, rows)
      stored += inserted.length
      const keys = new Set(inserted.map((r) => `${r.user_id}\u0000${r.event_type}\u0000${r.product_id}\u0000${r.ts_ms}`))
      const kept: StoredWithWindow[] = rows.filter((r) => keys.has(`${r.userId}\u0000${r.eventType}\u0000${r.productId}\u0000${r.ts.getTime()}`))
        .map((r) => ({ ...r, attributionWindowHours: 24 }))
      await applyIngestEffects(tx, kept)
    })
  }
  const seconds = (performance.now() - started) / 1000
  await raw.query('vacuum analyze')
  // Partitions count towards their parent (events).
  const sizes = await raw.query<{ name: string; bytes: string; rows: string }>(
    `select coalesce(parent.relname, c.relname) as name, sum(pg_total_relation_size(c.oid))::bigint as bytes, sum(c.reltuples)::bigint as rows
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     left join pg_inherits i on i.inhrelid = c.oid left join pg_class parent on parent.oid = i.inhparent
     where n.nspname = 'public' and c.relkind = 'r' group by 1 having sum(pg_total_relation_size(c.oid)) > 65536 order by 2 desc`)
  const total = sizes.reduce((s, r) => s + Number(r.bytes), 0)
  const perMillion = (b: number) => `${((b / stored) * 1e6 / 1048576).toFixed(0)} MB`
  console.log(`${stored.toLocaleString('en')} events stored (of ${EVENTS.toLocaleString('en')} generated; same-key duplicates skipped) in ${seconds.toFixed(0)} s; ${SHOPPERS.toLocaleString('en')} shoppers, ${PRODUCTS.toLocaleString('en')} products, ${DAYS} days`)
  console.log('| table | rows | size | per million events |\n|---|---|---|---|')
  for (const r of sizes) console.log(`| ${r.name} | ${Number(r.rows).toLocaleString('en')} | ${(Number(r.bytes) / 1048576).toFixed(1)} MB | ${perMillion(Number(r.bytes))} |`)
  console.log(`| **all** | | ${(total / 1048576).toFixed(1)} MB | **${perMillion(total)}** |`)
} finally {
  await close(process.argv.includes('--keep'))
}
