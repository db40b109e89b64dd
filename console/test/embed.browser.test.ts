// Embedded analytics (F-016) in Chromium: a merchant platform's page on another origin frames
// /embed/analytics with a signed token; the frame shows the tenant's numbers, themed, with its range form,
// CSV export and 60 s refresh, and the token leaves the address. Forged, expired, rotated and other
// tenants' tokens show the 401 page and no data; a site not in embed.allowedOrigins cannot frame it; the
// console's own pages frame nowhere; the token and session never reach the logs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import type { Frame, Page } from '@playwright/test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness, type SignedIn } from './harness.ts'
import { ago, seedCatalog, seedEvents } from './tenant-data.ts'
import { waitFor } from '../../server/test/wait-for.ts'
import { createLogger } from '../../server/logger.ts'
import { TEST_SECRETS } from '../../server/test/harness.ts'
import { sealer } from '../../server/infra/crypto.ts'
import { sealedKeys } from '../../server/modules/embed/service.ts'
import { findEmbedKey } from '../../db/queries/embed-keys.ts'
import { signEmbedToken } from '../../server/modules/embed/token.ts'
import { backend } from '../../server/test/backends.ts'

const lines: string[] = []
let h: ConsoleHarness
let s: SignedIn
let other: SignedIn
/** The platform's pages: the allowed origin, and one the tenant did not list. */
let allowed: ReturnType<typeof Bun.serve>
let disallowed: ReturnType<typeof Bun.serve>
const allowedOrigin = () => `http://127.0.0.1:${allowed.port}`
const home = { placement: 'home', strategy: 'collaborative' }
let experimentId: string

/** A platform page with one iframe of `src` (the query's). */
const parentPage = () => Bun.serve({
  port: 0, hostname: '127.0.0.1',
  fetch(req) {
    const src = new URL(req.url).searchParams.get('src') ?? ''
    const attr = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
    return new Response(`<!doctype html><html><head><title>Platform</title></head><body><h1>Store dashboard</h1>
      <iframe id="embed" title="Analytics" src="${attr}" width="1100" height="2400"></iframe></body></html>`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  },
})

const mint = async (who: SignedIn, body: object) => {
  const r = await h.t.req('POST', `/api/v1/tenants/${who.tenantId}/embed-tokens`, { token: who.token, body })
  expect(r.status).toBe(201)
  return r.body.data as { token: string; url: string; expiresAt: string }
}
/** The embed page's address on this console (the minted url names CONSOLE_URL, another port here). */
const onConsole = (url: string) => `${h.consoleUrl}${new URL(url).pathname}${new URL(url).search}`

/** Opens the platform page framing `src` and returns the frame once it has loaded. */
async function framed(page: Page, parent: ReturnType<typeof Bun.serve>, src: string): Promise<Frame> {
  await page.goto(`http://127.0.0.1:${parent.port}/?src=${encodeURIComponent(src)}`)
  const handle = await page.locator('#embed').elementHandle()
  const frame = await waitFor('the frame', async () => (await handle!.contentFrame()) ?? false)
  await frame.waitForLoadState('load')
  return frame
}
const kpi = (f: Frame, label: string) => f.locator('.kpi', { has: f.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd')

beforeAll(async () => {
  allowed = parentPage()
  disallowed = parentPage()
  h = await consoleHarness({ log: createLogger('debug', (l) => lines.push(l)) })
  s = await h.newSignedInPage({ tenantConfig: { embed: { allowedOrigins: [allowedOrigin()] } } })
  other = await h.newSignedInPage({ tenantConfig: { embed: { allowedOrigins: [allowedOrigin()] } } })
  await seedCatalog(h, s, [{ productId: 'p1', name: 'Trail Shoe', price: 12.5, currency: 'USD' }, { productId: 'p2', name: 'Rain Jacket', price: 40, currency: 'USD' }])
  await seedEvents(h, s, [
    { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p1', timestamp: ago(1, 30), ...home },
    { eventType: 'recommendation_impressed', userId: 'u1', productId: 'p2', timestamp: ago(1, 30), ...home },
    { eventType: 'recommendation_clicked', userId: 'u1', productId: 'p1', timestamp: ago(1, 20), ...home },
    { eventType: 'purchase', userId: 'u1', productId: 'p1', timestamp: ago(1, 10), metadata: { price: 12.5, quantity: 2, orderId: 'o1' } },
    { eventType: 'recommendation_impressed', userId: 'u2', productId: 'p2', timestamp: ago(20), placement: 'pdp', strategy: 'trending' },
  ])
  await waitFor('3 impressions', async () => (await h.t.req('GET', '/api/v1/analytics/summary?range=30d', { token: s.token, tenant: s.tenantId })).body?.data?.impressions === 3)
  const e = await h.t.req('POST', '/api/v1/experiments', { token: s.token, tenant: s.tenantId, body: { name: 'Trending vs CF', control: 'collaborative', variant: 'trending', trafficSplit: 50, metric: 'ctr' } })
  experimentId = e.body.data.id
}, 120_000)
afterAll(async () => {
  await h?.close()
  allowed?.stop(true)
  disallowed?.stop(true)
})

describe('embedded analytics in an iframe', () => {
  test('an allowed origin frames /embed/analytics: the tenant\'s numbers, themed; the token leaves the address', async () => {
    const { token, url } = await mint(s, { views: ['analytics'], theme: { primaryColor: '#aa3300', background: '#fdfcf7', fontFamily: 'Georgia, serif' } })
    expect(new URL(url).pathname).toBe('/embed/analytics')
    const frame = await framed(s.page, allowed, onConsole(url))
    expect(await frame.locator('h1').innerText()).toBe('Analytics')
    expect(await kpi(frame, 'Impressions').innerText()).toStartWith('3')
    expect(await kpi(frame, 'Clicks').innerText()).toStartWith('1')
    expect(await kpi(frame, 'Revenue').innerText()).toStartWith('$25.00')
    expect(await frame.locator('#placements-table tbody').innerText()).toContain('home')
    expect(await frame.locator('#top-recommended tbody').innerText()).toContain('Rain Jacket')
    expect(await frame.locator('svg#daily-chart').getAttribute('aria-label')).toContain('Impressions: 3 in total')
    // No console chrome: no site header, sidebar or sign-in link.
    expect(await frame.locator('.site-header, .sidebar, a[href="/login"]').count()).toBe(0)
    // Themed by the token.
    const styles = await frame.getByRole('button', { name: 'Apply' }).evaluate((el) => {
      const c = getComputedStyle(el)
      const root = getComputedStyle(el.closest('.embed')!)
      return { button: c.backgroundColor, background: root.backgroundColor, font: root.fontFamily }
    })
    expect(styles).toEqual({ button: 'rgb(170, 51, 0)', background: 'rgb(253, 252, 247)', font: 'Georgia, serif' })
    // The token is swapped for the session in the frame's address.
    await waitFor('the token out of the address', () => !frame.url().includes('token=') && frame.url().includes('session=es_'))
    expect(frame.url()).not.toContain(token)
    // Accessible like the console's own page (axe runs in the frame).
    await expectNoAxeViolations(frame as unknown as Page)
  }, 60_000)

  test('range control, CSV export and the 60 s refresh work inside the frame', async () => {
    const { url } = await mint(s, { views: ['analytics'] })
    const { page } = s
    await page.clock.install()
    const frame = await framed(page, allowed, onConsole(url))
    await frame.getByLabel('Last 7 days').check()
    await frame.getByRole('button', { name: 'Apply' }).click()
    await waitFor('the 7-day view', async () => frame.url().includes('range=7d') && (await kpi(frame, 'Impressions').innerText()).startsWith('2'))
    expect(frame.url()).toContain('session=es_')
    const [download] = await Promise.all([page.waitForEvent('download'), frame.getByRole('link', { name: 'Export CSV' }).click()])
    const csv = await readFile((await download.path())!, 'utf8')
    expect(csv).toContain('home')
    expect(csv).toContain('Trail Shoe')
    // Every 60 s the frame re-reads its numbers without a reload (a server$ call from the frame).
    const calls: string[] = []
    page.on('request', (r) => { if (new URL(r.url()).searchParams.has('qfunc')) calls.push(r.url()) })
    for (let i = 0; i < 5 && calls.length === 0; i++) {
      await page.clock.fastForward(60_000)
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(calls.length).toBeGreaterThan(0)
    await waitFor('the refreshed page', async () => !(await frame.locator('#analytics-updated').innerText()).includes('Refreshing'))
    expect(await kpi(frame, 'Impressions').innerText()).toStartWith('2')
  }, 60_000)

  test('an experiment\'s results with their verdict, and the list of the token\'s experiments', async () => {
    const { url } = await mint(s, { views: [`experiment:${experimentId}`], hideChrome: true })
    expect(new URL(url).pathname).toBe(`/embed/experiments/${experimentId}`)
    const frame = await framed(s.page, allowed, onConsole(url))
    expect(await frame.locator('h1').innerText()).toBe('Trending vs CF')
    expect(await frame.locator('#verdict').count()).toBe(1)
    expect(await frame.locator('#arms-table').count()).toBe(1)
    expect(await frame.locator('.embed-header').count()).toBe(0) // hideChrome
    expect(await frame.getByRole('button', { name: /Promote|Pause|Complete/ }).count()).toBe(0) // read-only
    const list = await framed(s.page, allowed, onConsole((await mint(s, { views: ['experiments'] })).url))
    expect(await list.locator('#experiments-table tbody').innerText()).toContain('Trending vs CF')
  }, 60_000)

  test('forged, expired, rotated and other-tenant tokens: the 401 page, no data', async () => {
    const { token } = await mint(s, { views: ['analytics'] })
    const [head, payload] = token.split('.')
    // Expired, otherwise valid: signed with the tenant's own key (read as the server would).
    const row = await findEmbedKey((await backend('pglite')).database.db, s.tenantId)
    const key = (await sealedKeys(await sealer(TEST_SECRETS.jwtSecret, 'embed-keys')).open(row!.sealedKey))!
    const past = Math.floor(Date.now() / 1000) - 120
    const expired = await signEmbedToken(key, { tid: s.tenantId, kv: row!.version, views: ['analytics'], iat: past - 60, exp: past, jti: 'x' })
    // A's signature over claims naming B; B's token asking for A's experiment.
    const swapped = `${head}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), tid: other.tenantId })).toString('base64url')}.${token.split('.')[2]}`
    const cases: [string, string][] = [
      ['forged signature', `/embed/analytics?token=${token.slice(0, -3)}abc`],
      ['expired', `/embed/analytics?token=${expired}`],
      ['other tenant in the claims', `/embed/analytics?token=${swapped}`],
      ['another tenant\'s token for this experiment', `/embed/experiments/${experimentId}?token=${(await mint(other, { views: ['experiments'] })).token}`],
      ['no token', '/embed/analytics'],
      ['a made-up session', `/embed/analytics?session=es_${'a'.repeat(40)}`],
    ]
    for (const [what, path] of cases) {
      const res = await fetch(`${h.consoleUrl}${path}`)
      expect([what, res.status]).toEqual([what, 401])
      const frame = await framed(s.page, allowed, `${h.consoleUrl}${path}`)
      expect([what, await frame.locator('#embed-denied').count()]).toEqual([what, 1])
      expect([what, await frame.locator('.kpi, table').count()]).toEqual([what, 0])
    }
    // Rotation: a token that worked a moment ago shows the 401 page.
    const before = await mint(s, { views: ['analytics'] })
    expect((await fetch(onConsole(before.url))).status).toBe(200)
    expect((await h.t.req('POST', `/api/v1/tenants/${s.tenantId}/embed-key/rotate`, { token: s.token })).status).toBe(200)
    const after = await framed(s.page, allowed, onConsole(before.url))
    expect(await after.locator('#embed-denied').count()).toBe(1)
    expect(await after.locator('.kpi').count()).toBe(0)
    // The other tenant's own token shows its own (empty) numbers, never A's.
    const theirs = await framed(s.page, allowed, onConsole((await mint(other, { views: ['analytics'] })).url))
    expect(await kpi(theirs, 'Impressions').innerText()).toStartWith('0')
  }, 90_000)

  test('frame-ancestors: the tenant\'s allowed origins only; the console\'s own pages none', async () => {
    const { url } = await mint(s, { views: ['analytics'] })
    const res = await fetch(onConsole(url))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(`frame-ancestors ${allowedOrigin()}`)
    expect(res.headers.get('x-frame-options')).toBeNull()
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    // A site not listed: Chromium refuses to render the frame.
    const blocked: string[] = []
    s.page.on('console', (m) => { if (/frame-ancestors/.test(m.text())) blocked.push(m.text()) })
    const frame = await framed(s.page, disallowed, onConsole((await mint(s, { views: ['analytics'] })).url))
    await waitFor('the refusal', () => blocked.length > 0)
    expect(await frame.locator('.kpi').count()).toBe(0)
    // A tenant with no allowed origins: no one.
    const none = await mint(other, { views: ['analytics'] })
    expect((await h.t.req('PUT', `/api/v1/tenants/${other.tenantId}`, { token: other.token, body: { config: { embed: { allowedOrigins: [] } } } })).status).toBe(200)
    expect((await fetch(onConsole(none.url))).headers.get('content-security-policy')).toBe("frame-ancestors 'none'")
    // The console's own pages.
    for (const path of ['/login', '/', `/dashboard/tenants/${s.tenantId}/analytics`]) {
      const r = await fetch(`${h.consoleUrl}${path}`, { redirect: 'manual' })
      expect([path, r.headers.get('content-security-policy'), r.headers.get('x-frame-options')]).toEqual([path, "frame-ancestors 'none'", 'DENY'])
    }
  }, 60_000)

  test('the token and the session never reach the logs', async () => {
    const { token, url } = await mint(s, { views: ['analytics'] })
    const frame = await framed(s.page, allowed, onConsole(url))
    await waitFor('the session in the address', () => frame.url().includes('session=es_'))
    const session = new URL(frame.url()).searchParams.get('session')!
    await fetch(`${h.consoleUrl}/embed/analytics/export?session=${session}&range=nope`)
    expect(lines.length).toBeGreaterThan(10)
    const all = lines.join('\n')
    expect(all).not.toContain(token)
    expect(all).not.toContain(token.split('.')[2]!)
    expect(all).not.toContain(session)
  }, 60_000)
})
