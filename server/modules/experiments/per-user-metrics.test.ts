// The per-user results query (exposedUserMetrics) on a seeded experiment full of edge cases: ties between
// a click and its purchase, clicks just outside the attribution window or before the covariate period,
// events at the exposure instant, purchases priced by metadata or by the catalog or not at all, another
// tenant with the same shopper ids, shoppers without events.
import { describe, expect, test } from 'bun:test'
import { exposedUserMetrics, type ExposedUserRow } from '../../../db/queries/experiments.ts'
import type { RawSql } from '../../../db/client.ts'
import { mulberry32 } from '../../prng.ts'
import { BACKENDS, backend } from '../../test/backends.ts'

const HOUR = 3600_000
const TYPES = ['recommendation_impressed', 'recommendation_clicked', 'purchase', 'product_viewed', 'add_to_cart']

async function seedTenant(raw: RawSql, label: string) {
  const [owner] = await raw.query<{ id: string }>(`insert into users (email, password_hash, name) values ($1, 'x', 'seed') returning id`, [`${label}-${crypto.randomUUID()}@example.com`])
  const [account] = await raw.query<{ id: string }>('insert into accounts (name) values ($1) returning id', [label])
  const [tenant] = await raw.query<{ id: string }>("insert into tenants (account_id, owner_id, name) values ($1, $2, $3) returning id", [account!.id, owner!.id, label])
  return tenant!.id
}

/** One experiment of `users` shoppers over 3 arms, each with random events on an hourly grid (so ties happen) around exposure. */
async function seedExperiment(raw: RawSql, tenantId: string, users: number, seed: number, now: number) {
  const rand = mulberry32(seed)
  const arms = [{ key: 'control', strategy: 'trending', weight: 34 }, { key: 'b', strategy: 'collaborative', weight: 33 }, { key: 'c', strategy: 'content_based', weight: 33 }]
  const [e] = await raw.query<{ id: string }>(
    `insert into experiments (tenant_id, name, control, variant, traffic_split, metric, status, variants, started_at)
     values ($1, 'seeded', 'trending', 'collaborative', 66, 'conversion_rate', 'running', $2::jsonb, $3) returning id`,
    [tenantId, JSON.stringify(arms), new Date(now - 40 * 24 * HOUR).toISOString()])
  await raw.query(`insert into catalog_items (tenant_id, product_id, name, price) select $1, 'p' || g, 'P' || g, 1.25 + g * 0.37 from generate_series(0, 5) g`, [tenantId])
  const exposures: Exposure[] = [], events: SeededEvent[] = []
  for (let i = 0; i < users; i++) {
    const exposedAt = now - Math.floor(rand() * 30 * 24) * HOUR - (i % 3 === 0 ? 0 : 1234)
    exposures.push({ t: tenantId, e: e!.id, u: `u${i}`, a: arms[i % 3]!.key, at: new Date(exposedAt).toISOString() })
    const n = i % 11 === 0 ? 0 : Math.floor(rand() * 25)
    let last = { ts: exposedAt, p: 'p0' }
    for (let j = 0; j < n; j++) {
      const type = TYPES[Math.floor(rand() * rand() * TYPES.length)]! // clicks and impressions most often
      // From 20 days before exposure to 5 days after, on whole hours from exposure (ties with it, and with each other);
      // most purchases follow the shopper's previous event by 0–29 hours, on its product.
      const follows = type === 'purchase' && rand() < 0.7
      const ts = follows ? last.ts + Math.floor(rand() * 30) * HOUR : exposedAt + Math.floor(rand() * 25 * 24 - 20 * 24) * HOUR * (rand() < 0.1 ? 0 : 1)
      const product = follows ? last.p : `p${Math.floor(rand() * 8)}`
      const price = rand()
      const metadata = type !== 'purchase' ? null : price < 0.3 ? { price: Math.round(price * 10_000) / 100, quantity: 1 + (j % 3) } : price < 0.5 ? { quantity: 2 } : null
      events.push({ t: tenantId, ty: type, u: `u${i}`, p: product, ts: new Date(ts).toISOString(), m: metadata })
      last = { ts, p: product }
    }
  }
  await raw.query(`insert into experiment_exposures (tenant_id, experiment_id, user_id, arm, exposed_at)
    select t, e, u, a, at from jsonb_to_recordset($1::jsonb) as x(t uuid, e uuid, u text, a text, at timestamptz)`, [JSON.stringify(exposures)])
  // The unique key (tenant, user, type, product, ts) keeps the first of a duplicate, as the insert below does.
  const first = new Map<string, SeededEvent>()
  for (const x of events) if (!first.has(`${x.u} ${x.ty} ${x.p} ${x.ts}`)) first.set(`${x.u} ${x.ty} ${x.p} ${x.ts}`, x)
  const kept = [...first.values()]
  for (let k = 0; k < events.length; k += 2000) {
    await raw.query(`insert into events (tenant_id, event_type, user_id, product_id, ts, metadata)
      select t, ty, u, p, ts, m from jsonb_to_recordset($1::jsonb) as x(t uuid, ty text, u text, p text, ts timestamptz, m jsonb) on conflict do nothing`,
    [JSON.stringify(events.slice(k, k + 2000))])
  }
  return { id: e!.id, exposures, events: kept }
}

interface Exposure { t: string; e: string; u: string; a: string; at: string }
interface SeededEvent { t: string; ty: string; u: string; p: string; ts: string; m: { price?: number; quantity?: number } | null }
const catalogPrice = (p: string) => { const g = Number(p.slice(1)); return g <= 5 ? 1.25 + g * 0.37 : null }

/** The definition, in plain code over the seeded rows: what the query must answer for each exposed shopper. */
function reference(exposures: Exposure[], events: SeededEvent[], windowHours: number, preDays: number): ExposedUserRow[] {
  const byUser = new Map<string, SeededEvent[]>()
  for (const e of events) byUser.set(e.u, [...(byUser.get(e.u) ?? []), e])
  return exposures.map((x) => {
    const exposed = Date.parse(x.at), preFrom = exposed - preDays * 24 * HOUR
    const mine = (byUser.get(x.u) ?? []).map((e) => ({ ...e, at: Date.parse(e.ts) })).filter((e) => e.at >= preFrom)
    const counted = mine.filter((e) => ['recommendation_impressed', 'recommendation_clicked', 'purchase'].includes(e.ty))
    const attributed = (e: (typeof mine)[number]) => e.ty === 'purchase' && mine.some((c) => c.ty === 'recommendation_clicked' && c.p === e.p
      && c.at <= e.at && c.at >= Math.max(e.at >= exposed ? exposed : preFrom, e.at - windowHours * HOUR))
    const amount = (e: SeededEvent) => (e.m?.price ?? catalogPrice(e.p) ?? 0) * (e.m?.quantity ?? 1)
    const side = (post: boolean) => {
      const es = counted.filter((e) => (e.at >= exposed) === post)
      const conv = es.filter(attributed)
      return { impressions: es.filter((e) => e.ty === 'recommendation_impressed').length, clicks: es.filter((e) => e.ty === 'recommendation_clicked').length,
        conversions: conv.length, revenue: conv.reduce((s, e) => s + amount(e), 0) }
    }
    const post = side(true), pre = side(false)
    return { arm: x.a, day: x.at.slice(0, 10), ...post, preImpressions: pre.impressions, preClicks: pre.clicks, preConversions: pre.conversions, preRevenue: pre.revenue,
      hasPre: preDays > 0 && mine.some((e) => e.at < exposed) }
  })
}

for (const name of BACKENDS) {
  describe(`per-user experiment metrics [${name}]`, async () => {
    const { database } = await backend(name)
    const raw = database.raw
    const now = Date.UTC(2026, 10, 20, 12)
    await raw.query('select ensure_event_partitions($1::timestamptz, $2::timestamptz)', [new Date(now - 80 * 24 * HOUR).toISOString(), new Date(now + 10 * 24 * HOUR).toISOString()])
    const tenant = await seedTenant(raw, 'metrics')
    const other = await seedTenant(raw, 'metrics-other')
    const seeded = await seedExperiment(raw, tenant, 600, 7, now)
    const exp = seeded.id
    await seedExperiment(raw, other, 300, 8, now) // the same shopper ids elsewhere: nothing of theirs may count here
    // Revenue to 1e-9: sums of float prices differ in their last bit with the order of addition.
    const key = (r: ExposedUserRow) => JSON.stringify({ ...r, revenue: r.revenue.toFixed(9), preRevenue: r.preRevenue?.toFixed(9) }, Object.keys(r).sort())
    const cases = [[24, 14], [24, 0], [1, 14], [72, 3]] as const

    test('every shopper\'s row is what the definition says, with and without the covariate period', async () => {
      for (const [windowHours, preDays] of cases) {
        const rows = await exposedUserMetrics(raw, tenant, exp, windowHours, preDays)
        expect(rows.map(key).sort()).toEqual(reference(seeded.exposures, seeded.events, windowHours, preDays).map(key).sort())
      }
      const rows = await exposedUserMetrics(raw, tenant, exp, 24, 14)
      // The seed reaches every branch: attributed purchases before and after exposure, and shoppers with and without a covariate.
      expect(rows.filter((r) => r.conversions > 0).length).toBeGreaterThan(20)
      expect(rows.filter((r) => (r.preConversions ?? 0) > 0).length).toBeGreaterThan(20)
      expect(rows.some((r) => r.hasPre) && rows.some((r) => !r.hasPre)).toBe(true)
    })
  })
}
