// GET /experiments/traffic (issue 25): the last 14 whole days per placement, for the duration estimate.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'

const DAY = 86_400_000
/** Noon UTC `days` days before today: inside the window for 1..13, whatever the hour now. */
const noon = (days: number) => new Date(Date.parse(new Date().toISOString().slice(0, 10)) - days * DAY + 12 * 3600_000).toISOString()
const ev = (userId: string, eventType: string, placement: string, days: number, productId = 'p1') => ({ userId, eventType, productId, placement, timestamp: noon(days) })

for (const name of BACKENDS) {
  describe(`experiment traffic [${name}]`, async () => {
    const t = await testApp(name)

    async function seeded() {
      const k = await t.tenantWithKeys()
      const r = await t.req('POST', '/api/v1/events/batch', { key: k.writeKey, body: { events: [
        // home: shoppers a, b, c yesterday (a twice: one pair), a again two days ago → 4 pairs; 5 impressions, 1 click.
        ev('a', 'recommendation_impressed', 'home', 1), ev('a', 'recommendation_impressed', 'home', 1, 'p2'),
        ev('b', 'recommendation_impressed', 'home', 1), ev('c', 'recommendation_impressed', 'home', 1),
        ev('a', 'recommendation_impressed', 'home', 2),
        ev('a', 'recommendation_clicked', 'home', 1),
        // pdp: one shopper, one impression, 3 days ago; one 20 days ago, outside the window; one today, not yet whole.
        ev('d', 'recommendation_impressed', 'pdp', 3), ev('e', 'recommendation_impressed', 'pdp', 20), { ...ev('f', 'recommendation_impressed', 'pdp', 0), timestamp: new Date(Date.now() - 1000).toISOString() },
      ] } })
      expect(r.body.data.rejected).toEqual([])
      return k
    }

    test('numbers on seeded events: shoppers are (shopper, day) pairs over 14 days; CTR from the rollups', async () => {
      const k = await seeded()
      const r = await t.req('GET', '/api/v1/experiments/traffic', { key: k.writeKey })
      expect(r.status).toBe(200)
      expect(r.body.data.days).toBe(14)
      const by = Object.fromEntries(r.body.data.placements.map((p: { placement: string }) => [p.placement, p]))
      expect(by.home.shoppersPerDay).toBeCloseTo(4 / 14, 9)
      expect(by.home.impressionsPerDay).toBeCloseTo(5 / 14, 9)
      expect(by.home.ctr).toBeCloseTo(1 / 5, 9)
      expect(by.home.conversionRate).toBe(0)
      expect(by.pdp).toEqual({ placement: 'pdp', shoppersPerDay: 1 / 14, impressionsPerDay: 1 / 14, ctr: 0, conversionRate: 0 })
      expect(r.body.data.placements[0].placement).toBe('home')
    })

    test('a capped read counts the whole days it covers; inside one day, the part read', async () => {
      const k = await seeded()
      // The newest 5: yesterday's four on home and a's two days ago; that first day is cut, so yesterday's 3 pairs over 1 day.
      const capped = await t.app.services.experiments.traffic(k.tenantId, 5)
      expect(capped.placements.find((p) => p.placement === 'home')!.shoppersPerDay).toBe(3)
      expect(capped.placements.find((p) => p.placement === 'pdp')!.shoppersPerDay).toBe(0)
      // The newest 4, all yesterday noon: 3 pairs in the half day read.
      const half = await t.app.services.experiments.traffic(k.tenantId, 4)
      expect(half.placements.find((p) => p.placement === 'home')!.shoppersPerDay).toBeCloseTo(6, 9)
    })

    test('scoped by tenant; read key 403; an admin with X-Tenant-ID reads it', async () => {
      const k = await seeded()
      const other = await t.tenantWithKeys()
      const empty = await t.req('GET', '/api/v1/experiments/traffic', { key: other.writeKey })
      expect(empty.body.data).toEqual({ days: 14, placements: [] })
      expectProblem(await t.req('GET', '/api/v1/experiments/traffic', { key: k.readKey }), 403)
      const admin = await t.req('GET', '/api/v1/experiments/traffic', { token: k.token, tenant: k.tenantId })
      expect(admin.status).toBe(200)
      expect(admin.body.data.placements.map((p: { placement: string }) => p.placement).sort()).toEqual(['home', 'pdp'])
    })
  })
}
