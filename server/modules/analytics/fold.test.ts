import { describe, expect, test } from 'bun:test'
import { currentWeekFolds } from '../../../db/queries/analytics.ts'
import { addDays } from '../../dates.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { testApp } from '../../test/harness.ts'
import { lastClosedDay, planFoldedRead, weeksToFold, type FoldState, type WeekTotals } from './fold.ts'
import { FoldWorker } from './fold-worker.ts'

describe('weekly fold: planning', () => {
  test('the last day a fold may cover is yesterday, once today is 10 minutes old', () => {
    expect(lastClosedDay(new Date('2026-03-18T00:09:59Z'), 10 * 60_000)).toBe('2026-03-16')
    expect(lastClosedDay(new Date('2026-03-18T00:10:00Z'), 10 * 60_000)).toBe('2026-03-17')
  })

  test('weeks to fold: never folded, folded through fewer days than have closed, or moved since; newest first', () => {
    const t = (tenantId: string, week: string, impressions: number): WeekTotals => ({ tenantId, week, impressions, clicks: 1, conversions: 0 })
    const s = (tenantId: string, week: string, through: string, impressions: number): FoldState => ({ tenantId, week, through, impressions, clicks: 1, conversions: 0 })
    // 2026-03-02, 03-09 and 03-16 are Mondays; the last closed day is Tuesday 03-17.
    const totals = [t('a', '2026-03-02', 5), t('a', '2026-03-09', 7), t('a', '2026-03-16', 2), t('b', '2026-03-09', 3), t('b', '2026-02-23', 4)]
    const states = [
      s('a', '2026-03-02', '2026-03-08', 5), // current
      s('a', '2026-03-09', '2026-03-15', 6), // a late event since
      s('a', '2026-03-16', '2026-03-16', 2), // folded through Monday; Tuesday has closed since
      s('b', '2026-03-09', '2026-03-13', 3), // folded mid-week, the week has ended since
      // b's week of 02-23 was never folded
    ]
    expect(weeksToFold(totals, states, '2026-03-17')).toEqual([
      { tenantId: 'a', week: '2026-03-16', through: '2026-03-17' },
      { tenantId: 'a', week: '2026-03-09', through: '2026-03-15' },
      { tenantId: 'b', week: '2026-03-09', through: '2026-03-15' },
      { tenantId: 'b', week: '2026-02-23', through: '2026-03-01' },
    ])
    expect(weeksToFold(totals.slice(0, 1), states, '2026-03-17')).toEqual([])
    // Nothing has closed yet in a week that starts after the last closed day.
    expect(weeksToFold([t('a', '2026-03-23', 1)], [], '2026-03-22')).toEqual([])
  })

  test('a read plan: whole folds, partial folds minus the days outside the range when that is cheaper, daily days for the rest', () => {
    const week = (w: string, through?: string) => ({ week: w, through: through ?? addDays(w, 6) })
    // Thursday to Wednesday: the week of 02-23 minus Mon–Wed (3 out, 4 in), two whole weeks, the current week's fold (Mon–Tue) and today.
    expect(planFoldedRead('2026-02-26', '2026-03-18', [week('2026-02-23'), week('2026-03-02'), week('2026-03-09'), week('2026-03-16', '2026-03-17')])).toEqual({
      weeks: ['2026-02-23', '2026-03-02', '2026-03-09', '2026-03-16'], plus: ['2026-03-18'], minus: ['2026-02-23', '2026-02-24', '2026-02-25'],
    })
    // Saturday on: two days in, five out: the daily rows instead.
    expect(planFoldedRead('2026-02-28', '2026-03-08', [week('2026-02-23'), week('2026-03-02')])).toEqual({
      weeks: ['2026-03-02'], plus: ['2026-02-28', '2026-03-01'], minus: [],
    })
    // Within one week: Tuesday to Saturday is the week minus Monday and Sunday.
    expect(planFoldedRead('2026-03-03', '2026-03-07', [week('2026-03-02')])).toEqual({ weeks: ['2026-03-02'], plus: [], minus: ['2026-03-02', '2026-03-08'] })
    // No current fold (never folded, or moved since): every day from the daily rows; folds outside the range are ignored.
    expect(planFoldedRead('2026-03-02', '2026-03-04', [week('2026-02-23')])).toEqual({ weeks: [], plus: ['2026-03-02', '2026-03-03', '2026-03-04'], minus: [] })
    // A fold through Monday of a range ending that Monday: whole.
    expect(planFoldedRead('2026-03-16', '2026-03-16', [week('2026-03-16', '2026-03-16')])).toEqual({ weeks: ['2026-03-16'], plus: [], minus: [] })
  })
})

// A fixed "now": Wednesday 2026-03-18, 12:00 UTC, so the last closed day is 03-17.
// H = home/collaborative, Ht = home/trending, P = pdp/trending, T = trending without a placement.
//   week of 02-23:  02-24 p1 ×3 H, p2 ×1 P (outside the range below)   02-27 p2 ×2 H, p3 ×1 Ht
//   week of 03-02:  03-03 p1 ×2 H and a click (u-buyer buys p1 an hour later: 12.5 × 2), p3 ×2 P
//                   03-06 p2 ×1 Ht, p4 ×2 P
//   week of 03-09:  03-10 p3 ×1 H, p2 ×1 P and a click, p1 ×1 T        03-14 p4 ×1 Ht
//   this week:      03-16 p1 ×1 Ht, p4 ×1 H                             03-18 p3 ×1 P
// Over 02-26 … 03-18 (Thursday to Wednesday: ragged days at both ends), by impressions then clicks:
//   placement=home:                 p1 3 (1 click, 1 conversion, 25), p2 3, p3 2, p4 2
//   strategy=trending:              p3 4, p4 3, p2 2 (1 click), p1 2
//   placement=pdp&strategy=trending: p3 3, p4 2, p2 1 (1 click)
const NOW = Date.parse('2026-03-18T12:00:00Z')
const H = { placement: 'home', strategy: 'collaborative' }
const Ht = { placement: 'home', strategy: 'trending' }
const P = { placement: 'pdp', strategy: 'trending' }
const T = { strategy: 'trending' }
let seq = 0
const seen = (day: string, productId: string, n: number, where: object) => Array.from({ length: n }, (_, i) => ({
  eventType: 'recommendation_impressed', userId: `u${++seq}`, productId, timestamp: `${day}T0${i}:00:00Z`, ...where,
}))
const FIXTURE = [
  ...seen('2026-02-24', 'p1', 3, H), ...seen('2026-02-24', 'p2', 1, P),
  ...seen('2026-02-27', 'p2', 2, H), ...seen('2026-02-27', 'p3', 1, Ht),
  ...seen('2026-03-03', 'p1', 2, H), { eventType: 'recommendation_clicked', userId: 'u-buyer', productId: 'p1', timestamp: '2026-03-03T10:00:00Z', ...H },
  ...seen('2026-03-03', 'p3', 2, P),
  ...seen('2026-03-06', 'p2', 1, Ht), ...seen('2026-03-06', 'p4', 2, P),
  ...seen('2026-03-10', 'p3', 1, H), ...seen('2026-03-10', 'p2', 1, P), { eventType: 'recommendation_clicked', userId: 'u-clicker', productId: 'p2', timestamp: '2026-03-10T10:00:00Z', ...P },
  ...seen('2026-03-10', 'p1', 1, T),
  ...seen('2026-03-14', 'p4', 1, Ht),
  ...seen('2026-03-16', 'p1', 1, Ht), ...seen('2026-03-16', 'p4', 1, H),
  ...seen('2026-03-18', 'p3', 1, P),
]
const PURCHASE = { eventType: 'purchase', userId: 'u-buyer', productId: 'p1', timestamp: '2026-03-03T11:00:00Z', metadata: { price: 12.5, quantity: 2 } }
const RANGE = 'from=2026-02-26&to=2026-03-18'
const HOME = [
  { productId: 'p1', name: 'Cup', impressions: 3, clicks: 1, ctr: 1 / 3, conversions: 1, revenue: 25 },
  { productId: 'p2', name: 'Mug', impressions: 3, clicks: 0, ctr: 0, conversions: 0, revenue: 0 },
  { productId: 'p3', name: null, impressions: 2, clicks: 0, ctr: 0, conversions: 0, revenue: 0 },
  { productId: 'p4', name: null, impressions: 2, clicks: 0, ctr: 0, conversions: 0, revenue: 0 },
]
const TRENDING = [['p3', 4, 0], ['p4', 3, 0], ['p2', 2, 1], ['p1', 2, 0]]
const PDP_TRENDING = [['p3', 3, 0], ['p4', 2, 0], ['p2', 1, 1]]

for (const name of BACKENDS) {
  describe(`weekly fold: filtered top products [${name}]`, async () => {
    let now = NOW
    const t = await testApp(name, {}, () => new Date(now))
    const { database } = await backend(name)
    const a = await t.tenantWithKeys({ attributionWindowHours: 24 })
    await t.req('POST', '/api/v1/catalog/batch', { key: a.writeKey, body: { items: [{ productId: 'p1', name: 'Cup', price: 10 }, { productId: 'p2', name: 'Mug', price: 6 }] } })
    expect((await t.req('POST', '/api/v1/events/batch', { key: a.writeKey, body: { events: FIXTURE } })).body.data.accepted).toBe(FIXTURE.length)
    expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: PURCHASE })).status).toBe(202)

    const top = async (q: string, who = a) => (await t.req('GET', `/api/v1/analytics/top-products?${q}`, { token: who.token, tenant: who.tenantId })).body.data
    const triples = async (q: string, who = a) => (await top(q, who)).map((p: { productId: string; impressions: number; clicks: number }) => [p.productId, p.impressions, p.clicks])
    const expectFixture = async () => {
      expect(await top(`${RANGE}&placement=home`)).toEqual(HOME)
      expect(await triples(`${RANGE}&strategy=trending`)).toEqual(TRENDING)
      expect(await triples(`${RANGE}&placement=pdp&strategy=trending`)).toEqual(PDP_TRENDING)
      expect(await triples(`${RANGE}&placement=pdp&strategy=trending&by=clicked`)).toEqual([['p2', 1, 1]])
    }
    const current = async (from = '2026-02-26', to = '2026-03-18') => (await currentWeekFolds(database.raw, a.tenantId, from, to)).map((f) => `${f.week}..${f.through}`)
    /** A fold pass as it would run at `at` (a fresh worker: its first pass covers all history). */
    const foldAt = (at: string) => new FoldWorker(database.raw, quietLog, () => new Date(at)).runOnce()

    test('before any fold: from the daily rows', async () => {
      expect(await current()).toEqual([])
      await expectFixture()
    })

    test('folded up to a Thursday: that week folded through Wednesday, the next one not at all; still exact', async () => {
      expect(await foldAt('2026-03-12T08:00:00Z')).toBeGreaterThanOrEqual(3)
      expect(await current()).toEqual(['2026-02-23..2026-03-01', '2026-03-02..2026-03-08', '2026-03-09..2026-03-11'])
      await expectFixture()
    })

    test('folded now: whole weeks, the ragged first week minus its first days, this week through yesterday plus today', async () => {
      expect(await t.app.services.folds.runOnce()).toBeGreaterThanOrEqual(2)
      expect(await current()).toEqual(['2026-02-23..2026-03-01', '2026-03-02..2026-03-08', '2026-03-09..2026-03-15', '2026-03-16..2026-03-17'])
      await expectFixture()
      // A second pass has nothing to do for this tenant.
      expect(await t.app.services.folds.runOnce()).toBe(0)
      // Ragged ends inside folded weeks, read as the folds minus the days outside (Wednesday to Thursday).
      expect(await triples('from=2026-03-04&to=2026-03-12&strategy=trending')).toEqual([['p2', 2, 1], ['p4', 2, 0], ['p1', 1, 0]])
      expect(await triples('from=2026-03-03&to=2026-03-03&placement=home')).toEqual([['p1', 2, 1]])
    })

    test('a late event makes its week stale: exact before and after the refold', async () => {
      // p4 seen on home on 03-03 (an import of old events): home's p4 goes to 3.
      expect((await t.req('POST', '/api/v1/events', { key: a.writeKey, body: { ...seen('2026-03-03', 'p4', 1, H)[0], timestamp: '2026-03-03T20:00:00Z' } })).status).toBe(202)
      const home = [['p1', 3, 1], ['p2', 3, 0], ['p4', 3, 0], ['p3', 2, 0]]
      expect(await current()).toEqual(['2026-02-23..2026-03-01', '2026-03-09..2026-03-15', '2026-03-16..2026-03-17'])
      expect(await triples(`${RANGE}&placement=home`)).toEqual(home)
      // A pass within the hour checks only the last two weeks; the next whole-history pass refolds it.
      now = NOW + 30 * 60_000
      await t.app.services.folds.runOnce()
      expect(await current()).not.toContain('2026-03-02..2026-03-08')
      now = NOW + 60 * 60_000
      expect(await t.app.services.folds.runOnce()).toBeGreaterThanOrEqual(1)
      now = NOW
      expect(await current()).toContain('2026-03-02..2026-03-08')
      expect(await triples(`${RANGE}&placement=home`)).toEqual(home)
      expect(await triples(`${RANGE}&strategy=trending`)).toEqual(TRENDING)
    })

    test("cross-tenant: another tenant's folded rows never show", async () => {
      const b = await t.tenantWithKeys()
      // The same products, placements and days, other counts.
      const events = [...seen('2026-03-03', 'p2', 5, H), ...seen('2026-03-10', 'p9', 4, P), ...seen('2026-03-16', 'p2', 1, Ht)]
      expect((await t.req('POST', '/api/v1/events/batch', { key: b.writeKey, body: { events } })).body.data.accepted).toBe(events.length)
      await foldAt('2026-03-19T08:00:00Z')
      expect(await triples(`${RANGE}&placement=home`, b)).toEqual([['p2', 6, 0]])
      expect(await triples(`${RANGE}&strategy=trending`, b)).toEqual([['p9', 4, 0], ['p2', 1, 0]])
      expect(await triples(`${RANGE}&placement=home`)).toEqual([['p1', 3, 1], ['p2', 3, 0], ['p4', 3, 0], ['p3', 2, 0]])
      expect(await triples(`${RANGE}&placement=pdp&strategy=trending`)).toEqual(PDP_TRENDING)
    })
  })
}
