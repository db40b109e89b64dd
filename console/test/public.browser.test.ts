// Public pages in Chromium: WCAG 2.1 AA (axe) on every page, keyboard access
// to sign-in with a visible focus ring, the pricing calculator, protected
// routes redirecting to /login, and CSRF: a cross-origin form POST is refused.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { consoleHarness, expectNoAxeViolations, type ConsoleHarness } from './harness.ts'

let h: ConsoleHarness
beforeAll(async () => { h = await consoleHarness() }, 120_000)
afterAll(async () => { await h?.close() })

const PUBLIC_PAGES = ['/', '/pricing', '/signup', '/login', '/forgot-password', '/reset-password?token=abc', '/reset-password',
  '/docs', '/docs/quickstart', '/docs/sdk', '/docs/api-reference', '/docs/events', '/docs/experiments']

describe('public console pages', () => {
  test('every public page renders and has no axe violations (wcag2a/aa)', async () => {
    const { page, context } = await h.newPage()
    try {
      for (const path of PUBLIC_PAGES) {
        const res = await page.goto(path)
        expect({ path, status: res?.status() }).toEqual({ path, status: 200 })
        expect(await page.locator('h1').count()).toBe(1)
        await expectNoAxeViolations(page)
      }
    } finally { await context.close() }
  }, 90_000)

  test('the API reference lists every operation of the OpenAPI document', async () => {
    const spec = (await h.t.req('GET', '/api/v1/openapi.json')).body
    const expected = Object.entries(spec.paths as Record<string, object>).flatMap(([p, item]) =>
      Object.keys(item).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
    const html = await (await fetch(`${h.consoleUrl}/docs/api-reference`)).text()
    const listed = [...html.matchAll(/<span class="method"[^>]*>(\w+)<\/span> <code[^>]*>([^<]+)<\/code>/g)].map((m) => `${m[1]} ${m[2].replace(/&#123;|&lbrace;/g, '{').replace(/&#125;|&rbrace;/g, '}')}`)
    expect(listed.length).toBeGreaterThan(20)
    expect(listed.sort()).toEqual(expected.sort())
    expect(html).toContain('Create an admin account') // a summary
  }, 30_000)

  test('the experiments page renders docs/experiments.md', async () => {
    const html = await (await fetch(`${h.consoleUrl}/docs/experiments`)).text()
    expect(html).toContain('A/B testing methodology')
    expect(html).toContain('Sample ratio mismatch')
    expect(html).toContain('<table>')
  })

  test('keyboard: Tab reaches the sign-in button, which shows a visible focus outline', async () => {
    const { page, context } = await h.newPage()
    try {
      await page.goto('/login')
      let reached = false
      for (let i = 0; i < 25 && !reached; i++) {
        await page.keyboard.press('Tab')
        reached = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null
          return !!el && el.tagName === 'BUTTON' && (el as HTMLButtonElement).type === 'submit' && el.textContent?.trim() === 'Sign in'
        })
      }
      expect(reached).toBe(true)
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement!)
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) }
      })
      expect(outline.style).not.toBe('none')
      expect(outline.width).toBeGreaterThanOrEqual(2)
      // The first Tab stop is the skip link, and it moves focus to the main content.
      await page.goto('/login')
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    } finally { await context.close() }
  }, 30_000)

  test('the pricing calculator quotes live and without JavaScript', async () => {
    const { page, context } = await h.newPage()
    try {
      await page.goto('/pricing')
      await page.getByLabel('Events per month').fill('50000')
      await page.getByLabel('Products in your catalog').fill('100')
      await page.waitForFunction(() => document.querySelector('#quote')?.textContent?.includes('Free: $0.00 / month'))
      await page.getByLabel('Events per month').fill('2000500')
      await page.waitForFunction(() => document.querySelector('#quote')?.textContent?.includes('Growth: $149.05 / month'))
    } finally { await context.close() }
    const html = await (await fetch(`${h.consoleUrl}/pricing?events=20000000&products=100`)).text()
    expect(html).toContain('Scale')
    expect(html).toContain('$799.00')
  }, 30_000)

  test('without JavaScript, Calculate is a GET to the pricing page itself, which renders the quote', async () => {
    const noJs = await h.browser.newContext({ javaScriptEnabled: false, baseURL: h.consoleUrl })
    try {
      const page = await noJs.newPage()
      await page.goto('/pricing')
      await page.getByLabel('Events per month').fill('2000500')
      await page.getByLabel('Products in your catalog').fill('100')
      await page.getByRole('button', { name: 'Calculate' }).click()
      await page.waitForURL(/events=2000500/)
      expect(new URL(page.url()).pathname).toBe('/pricing')
      expect(new URL(page.url()).searchParams.get('events')).toBe('2000500')
      expect(await page.locator('#quote').innerText()).toContain('Growth: $149.05 / month')
    } finally { await noJs.close() }
  }, 30_000)

  test('protected routes redirect to /login with the page to come back to', async () => {
    for (const path of ['/dashboard', '/dashboard/tenants', '/dashboard/settings', '/dashboard/tenants/3b241101-e2bb-4255-8caf-4136c566a962/api-keys']) {
      const res = await fetch(h.consoleUrl + path, { redirect: 'manual' })
      expect(res.status).toBe(302)
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`)
    }
    // A stale session (unknown tokens) is cleared and redirected too.
    const stale = await fetch(`${h.consoleUrl}/dashboard`, { redirect: 'manual', headers: { cookie: 're_access=nope; re_refresh=rt_nope' } })
    expect(stale.status).toBe(302)
    expect(stale.headers.get('location')).toBe('/login?next=%2Fdashboard')
  }, 30_000)

  test('CSRF: a form POSTed from another origin is refused and changes nothing', async () => {
    const { page, context, token } = await h.newSignedInPage()
    const evil = Bun.serve({ port: 0, fetch: () => new Response('') })
    try {
      await page.goto('/dashboard/tenants')
      const action = await page.locator('form:has(input[name="name"])').getAttribute('action')
      expect(action).toContain('qaction=')
      // The attacker's page on another origin (same site: cookies go along, so only the Origin check stops it).
      evil.reload({
        fetch: () => new Response(`<!doctype html><html lang="en"><title>x</title><form id="f" method="post" action="${h.consoleUrl}/dashboard/tenants/${action!.replace(/^.*\?/, '?')}">
          <input name="name" value="Planted by attacker"></form><script>document.getElementById('f').submit()</script></html>`, { headers: { 'content-type': 'text/html' } }),
      })
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(h.consoleUrl) && r.request().method() === 'POST'),
        page.goto(`http://127.0.0.1:${evil.port}/`),
      ])
      expect(response.status()).toBe(403)
      const list = await h.t.req('GET', '/api/v1/tenants', { token })
      expect(list.body.data.map((t: { name: string }) => t.name)).not.toContain('Planted by attacker')

      // Without a browser: a forged Origin is refused, the console's own origin is accepted.
      const post = (origin: string) => fetch(`${h.consoleUrl}/login?qaction=x`, {
        method: 'POST', redirect: 'manual', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=a%40b.co&password=x',
      })
      expect((await post('https://evil.example')).status).toBe(403)
      expect((await post(h.consoleUrl)).status).not.toBe(403)
    } finally { evil.stop(true); await context.close() }
  }, 30_000)

  test('CSRF: a JSON write from another origin is refused like a form and changes nothing', async () => {
    const { page, context, token } = await h.newSignedInPage()
    try {
      await page.goto('/dashboard/tenants')
      const action = await page.locator('form:has(input[name="name"])').getAttribute('action')
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ')
      // Qwik City's own check skips JSON bodies; the console's handler does not.
      const send = (origin: string, name: string) => fetch(`${h.consoleUrl}/dashboard/tenants/${action!.replace(/^.*\?/, '?')}`, {
        method: 'POST', redirect: 'manual', headers: { origin, cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name }),
      })
      const forged = await send('https://evil.example', 'Planted by JSON')
      expect(forged.status).toBe(403)
      expect(forged.headers.get('content-type')).toBe('application/problem+json')
      const list = await h.t.req('GET', '/api/v1/tenants', { token })
      expect(list.body.data.map((t: { name: string }) => t.name)).not.toContain('Planted by JSON')
      expect((await send(h.consoleUrl, 'Made by JSON')).status).not.toBe(403)
    } finally { await context.close() }
  }, 30_000)
})
