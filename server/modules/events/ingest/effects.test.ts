// The ingest effects on their own: what a group of freshly stored events adds
// to the daily, per-product and per-product-total rollups, with purchases
// attributed to recommendation clicks (also when the click arrives late).
// Needs SQL (attribution reads the stored clicks), so it runs on the shared PGlite.
import { describe, expect, test } from 'bun:test'
import { ensureEventMonths, insertEvents } from '../../../../db/queries/events.ts'
import { weekOf } from '../../../dates.ts'
import { applyIngestEffects } from './effects.ts'
import type { Submitted } from './group-commit.ts'
import { at, dayAt, event, ingestDatabase } from './test-fixtures.ts'

const M = 60_000
const H = 3600_000
const arm = (experimentId: string, variant: string) => ({ metadata: { experimentId, variant } })
type Counts = { impressions: number; clicks: number; conversions: number; revenue: number }

describe('ingest effects', async () => {
  const { raw, tenant } = await ingestDatabase()

  /** Stores a group and applies its effects in one transaction, as the group committer does. */
  async function ingest(rows: Submitted[]) {
    await ensureEventMonths(raw, rows.map((r) => r.ts))
    await raw.transaction(async (tx) => {
      expect((await insertEvents(tx, rows)).length).toBe(rows.length) // every row fresh: effects only ever see stored rows
      await applyIngestEffects(tx, rows)
    })
  }
  const daily = (t: string) => raw.query<{ day: string; placement: string; strategy: string; experimentId: string; arm: string } & Counts>(
    `select day::text as day, placement, strategy, experiment_id as "experimentId", arm, impressions::int, clicks::int, conversions::int, revenue::float8
     from analytics_daily where tenant_id = $1 order by day, placement, strategy, experiment_id, arm`, [t])
  const products = (t: string) => raw.query<{ day: string; productId: string; placement: string; strategy: string } & Counts>(
    `select day::text as day, product_id as "productId", placement, strategy, impressions::int, clicks::int, conversions::int, revenue::float8
     from analytics_product_daily where tenant_id = $1 order by day, product_id, placement, strategy`, [t])
  const totals = (t: string) => raw.query<{ grain: 'd' | 'w'; day: string; productId: string } & Counts>(
    `select grain, day::text as day, product_id as "productId", impressions::int, clicks::int, conversions::int, revenue::float8
     from analytics_product_totals where tenant_id = $1 order by grain, day, product_id`, [t])
  const conversions = async (t: string) => (await daily(t)).map((r) => ({ day: r.day, placement: r.placement, conversions: r.conversions, revenue: r.revenue })).filter((r) => r.conversions)
  const counts: Counts = { impressions: 0, clicks: 0, conversions: 0, revenue: 0 }

  test('impressions and clicks count under their placement, strategy and arm, on their UTC day; other types add nothing; a later group adds to the rows', async () => {
    const t = await tenant()
    const rec = { placement: 'home', strategy: 'trending', ...arm('e1', 'B') }
    await ingest([
      event(t, 'recommendation_impressed', 'u1', 'p1', at(-1), rec), // the last millisecond of the day before
      event(t, 'recommendation_impressed', 'u1', 'p1', at(0), rec),
      event(t, 'recommendation_clicked', 'u1', 'p1', at(1000), rec),
      event(t, 'product_viewed', 'u1', 'p1', at(2000), rec),
      event(t, 'some_future_type', 'u1', 'p1', at(3000), rec),
    ])
    const keys = { placement: 'home', strategy: 'trending', experimentId: 'e1', arm: 'B' }
    expect(await daily(t)).toEqual([
      { day: dayAt(-1), ...keys, ...counts, impressions: 1 },
      { day: dayAt(0), ...keys, ...counts, impressions: 1, clicks: 1 },
    ])
    expect(await products(t)).toEqual([
      { day: dayAt(-1), productId: 'p1', placement: 'home', strategy: 'trending', ...counts, impressions: 1 },
      { day: dayAt(0), productId: 'p1', placement: 'home', strategy: 'trending', ...counts, impressions: 1, clicks: 1 },
    ])
    const all = await totals(t)
    expect(all.filter((r) => r.grain === 'd')).toEqual([
      { grain: 'd', day: dayAt(-1), productId: 'p1', ...counts, impressions: 1 },
      { grain: 'd', day: dayAt(0), productId: 'p1', ...counts, impressions: 1, clicks: 1 },
    ])
    const weeks = all.filter((r) => r.grain === 'w')
    expect(weeks.map((r) => r.day)).toEqual([...new Set([weekOf(dayAt(-1)), weekOf(dayAt(0))])])
    expect(weeks.reduce((s, r) => [s[0] + r.impressions, s[1] + r.clicks], [0, 0])).toEqual([2, 1])

    await ingest([event(t, 'recommendation_impressed', 'u2', 'p1', at(H), rec)])
    expect((await daily(t)).map((r) => r.impressions)).toEqual([1, 2])
  })

  test('a purchase within the window of a click converts under that click; revenue is price × quantity, else the catalog price', async () => {
    const t = await tenant()
    await raw.query('insert into catalog_items (tenant_id, product_id, name, price) values ($1, $2, $3, $4)', [t, 'p2', 'Two', 7.5])
    const rec = { placement: 'pdp', strategy: 'similar', ...arm('e2', 'A') }
    await ingest([event(t, 'recommendation_clicked', 'u1', 'p1', at(H), rec), event(t, 'recommendation_clicked', 'u2', 'p2', at(H), rec)])
    await ingest([
      event(t, 'purchase', 'u1', 'p1', at(2 * H), { metadata: { price: 10, quantity: 3 } }),
      event(t, 'purchase', 'u2', 'p2', at(2 * H)), // no price sent: the catalog's
    ])
    expect(await daily(t)).toEqual([{ day: dayAt(0), placement: 'pdp', strategy: 'similar', experimentId: 'e2', arm: 'A', ...counts, clicks: 2, conversions: 2, revenue: 37.5 }])
    expect((await products(t)).map((r) => [r.productId, r.clicks, r.conversions, r.revenue])).toEqual([['p1', 1, 1, 30], ['p2', 1, 1, 7.5]])
    expect((await totals(t)).filter((r) => r.grain === 'd').map((r) => [r.productId, r.conversions, r.revenue])).toEqual([['p1', 1, 30], ['p2', 1, 7.5]])
  })

  test('no conversion without a click by that user, on that product, of that tenant, within the window', async () => {
    const [t, other] = [await tenant(), await tenant()]
    const narrow = { attributionWindowHours: 2, metadata: { price: 5 } }
    await ingest([event(t, 'recommendation_clicked', 'u1', 'p1', at(0), { placement: 'home' })])
    await ingest([event(other, 'recommendation_clicked', 'u1', 'p3', at(0), { placement: 'home' })])
    await ingest([
      event(t, 'purchase', 'u1', 'p1', at(3 * H), narrow), // after the window
      event(t, 'purchase', 'u2', 'p1', at(H), narrow), // another user
      event(t, 'purchase', 'u1', 'p2', at(H), narrow), // another product
      event(t, 'purchase', 'u1', 'p3', at(H), narrow), // clicked at another tenant
    ])
    expect(await conversions(t)).toEqual([])
    expect((await products(t)).map((r) => r.productId)).toEqual(['p1']) // the click alone
  })

  test('a click that arrives after its purchase converts it then, on the purchase\'s UTC day, and only once', async () => {
    const t = await tenant()
    await ingest([event(t, 'purchase', 'u1', 'p1', at(10 * M), { metadata: { price: 20 } })])
    expect(await conversions(t)).toEqual([])
    await ingest([event(t, 'recommendation_clicked', 'u1', 'p1', at(-10 * M), { placement: 'email', strategy: 'bought_together' })]) // the day before
    expect(await conversions(t)).toEqual([{ day: dayAt(0), placement: 'email', conversions: 1, revenue: 20 }])
    expect((await daily(t)).map((r) => [r.day, r.placement, r.clicks])).toEqual([[dayAt(-1), 'email', 1], [dayAt(0), 'email', 0]])
    // A second late click finds the purchase already attributed.
    await ingest([event(t, 'recommendation_clicked', 'u1', 'p1', at(-5 * M), { placement: 'home' })])
    expect(await conversions(t)).toEqual([{ day: dayAt(0), placement: 'email', conversions: 1, revenue: 20 }])
  })

  test('late clicks in one group convert their purchase once, under the latest click before it', async () => {
    const t = await tenant()
    await ingest([event(t, 'purchase', 'u1', 'p1', at(H), { metadata: { price: 9 } })])
    await ingest([
      event(t, 'recommendation_clicked', 'u1', 'p1', at(H - 30 * M), { placement: 'a' }),
      event(t, 'recommendation_clicked', 'u1', 'p1', at(H - 10 * M), { placement: 'b' }),
      event(t, 'recommendation_clicked', 'u1', 'p1', at(H + 10 * M), { placement: 'c' }), // after the purchase
    ])
    expect(await conversions(t)).toEqual([{ day: dayAt(0), placement: 'b', conversions: 1, revenue: 9 }])
  })

  test('a click and its purchase in the same group convert once', async () => {
    const t = await tenant()
    await ingest([
      event(t, 'recommendation_clicked', 'u1', 'p1', at(0), { placement: 'home' }),
      event(t, 'purchase', 'u1', 'p1', at(5 * M), { metadata: { price: 4 } }),
    ])
    expect(await conversions(t)).toEqual([{ day: dayAt(0), placement: 'home', conversions: 1, revenue: 4 }])
  })
})
