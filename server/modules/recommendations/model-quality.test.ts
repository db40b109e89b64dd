// Each tenant's model grades itself in the open: GET /models reports the holdout grade and
// the settings "auto" chose, per tenant; explicit settings win; refreshes reuse the choice.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { testApp, type TestApp } from '../../test/harness.ts'

const DAY = 86_400_000
const NOW = Date.now()
const iso = (ago: number) => new Date(NOW - ago).toISOString()

const KINDS = ['shoe', 'mug', 'sock', 'lamp']
const catalog = KINDS.flatMap((kind) => Array.from({ length: 10 }, (_, i) => ({ productId: `${kind}-${i}`, name: `${kind} ${i}`, category: kind, price: 10 + i })))

/** `shoppers` shoppers each buying eight of the ten items of their one taste (one of four kinds), one a day. */
async function seed(t: TestApp, writeKey: string, shoppers: number) {
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: writeKey, body: { items: catalog } })).body.data.created).toBe(40)
  const events: object[] = []
  for (let u = 0; u < shoppers; u++) {
    const kind = KINDS[u % KINDS.length]!
    for (let d = 0; d < 8; d++) {
      events.push({ eventType: 'purchase', userId: `user-${u}`, productId: `${kind}-${(u + 3 * d) % 10}`, timestamp: iso((8 - d) * DAY + u * 60_000), metadata: { orderId: `o-${u}-${d}`, price: 10 } })
    }
  }
  for (let i = 0; i < events.length; i += 100) {
    expect((await t.req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: events.slice(i, i + 100) } })).body.data.rejected).toEqual([])
  }
}

const quality = { precisionAt10: expect.any(Number), recallAt10: expect.any(Number), ndcgAt10: expect.any(Number) }

for (const name of BACKENDS) {
  describe(`model quality [${name}]`, async () => {
    const t = await testApp(name)
    const build = (tenantId: string) => t.app.services.models.build(tenantId)
    const modelOf = async (writeKey: string) => (await t.req('GET', '/api/v1/models', { key: writeKey })).body.data

    test('GET /models reports the grade and the chosen settings; a small tenant has none; tenants never mix', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      await seed(t, a.writeKey, 40)
      await seed(t, b.writeKey, 6)
      await build(a.tenantId); await build(b.tenantId)

      const ma = await modelOf(a.writeKey)
      expect(ma.evaluation).toEqual({
        holdoutUsers: expect.any(Number), protocol: expect.stringContaining('held out'),
        chosenSettings: { halfLifeDays: expect.any(Number), itemsPerShopper: expect.any(Number), intentHalfLifeDays: expect.any(Number), regularisation: expect.any(Number) },
        strategies: { collaborative: quality, content_based: quality, popularity: quality },
        evaluatedAt: expect.any(String),
      })
      expect(ma.evaluation.holdoutUsers).toBeWithin(20, 41)
      // Shoppers of one taste: what they buy next is found far better than by best-sellers.
      expect(ma.evaluation.strategies.collaborative.recallAt10).toBeGreaterThan(ma.evaluation.strategies.popularity.recallAt10)
      expect(ma.stats.settings).toMatchObject(ma.evaluation.chosenSettings)
      expect(ma.stats.evaluation).toBeUndefined() // reported once, at the top
      // The serving model carries the choice (serving reads the intent half-life from it).
      expect((await t.app.services.models.get(a.tenantId))!.settings).toEqual(ma.evaluation.chosenSettings)

      // Six shoppers: too few to hold out; the other tenant's grade never shows here.
      const mb = await modelOf(b.writeKey)
      expect(mb.status).toBe('ready')
      expect(mb.evaluation).toBeNull()
      expect(mb.stats.settings).toMatchObject({ halfLifeDays: 30, itemsPerShopper: 50, intentHalfLifeDays: 7, regularisation: 10 })
    })

    test('explicit settings win over auto; a refresh reuses the choice, an asked-for build chooses again', async () => {
      const a = await t.tenantWithKeys()
      const b = await t.tenantWithKeys()
      await seed(t, a.writeKey, 40)
      await seed(t, b.writeKey, 40)
      await build(a.tenantId); await build(b.tenantId)
      const first = await modelOf(a.writeKey)
      const other = await modelOf(b.writeKey)
      expect(first.stats.settingsTried).toBeGreaterThan(0)
      // The 15-minute refresh: nothing asked for, the choice is reused and so is its grade.
      await build(a.tenantId)
      const refreshed = await modelOf(a.writeKey)
      expect(refreshed.stats.settingsTried).toBe(0)
      expect(refreshed.evaluation).toEqual(first.evaluation)

      const put = await t.req('PUT', `/api/v1/tenants/${a.tenantId}`, { token: a.token, body: { config: { recommendations: { halfLifeDays: 3, regularisation: 40 } } } })
      expect(put.status).toBe(200)
      await build(a.tenantId)
      const set = await modelOf(a.writeKey)
      expect(set.evaluation.chosenSettings).toMatchObject({ halfLifeDays: 3, regularisation: 40 })
      expect(set.stats.settings).toMatchObject({ halfLifeDays: 3, regularisation: 40 })
      expect(set.stats.settingsTried).toBeGreaterThan(0) // the rest still chosen
      // One tenant's settings are its own: the other's model and grade are as they were.
      expect(await modelOf(b.writeKey)).toEqual(other)
      expect(other.evaluation.chosenSettings.halfLifeDays).not.toBe(3)
    })
  })
}
