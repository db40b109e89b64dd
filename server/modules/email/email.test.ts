// Recommendations in email end to end: the fragment for each kind of mail, its
// signed links, and what a shopper's click and open record.
import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp, type TestApp } from '../../test/harness.ts'

const H = 3600_000
let now = Date.now()
const clock = () => new Date(now)
const iso = (ms: number) => new Date(now - ms).toISOString()

const catalog: { productId: string; name: string; category: string; price: number; description: string; imageUrl?: string; url?: string }[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ productId: `shoe-${i}`, name: `Trail Runner ${i}`, category: 'shoes', price: 100 + i, description: 'waterproof trail running shoe', imageUrl: `https://cdn.shop.example/shoe-${i}.jpg`, url: `https://shop.example/shoe-${i}` })),
  ...Array.from({ length: 10 }, (_, i) => ({ productId: `mug-${i}`, name: `Espresso Mug ${i}`, category: 'kitchen', price: 10 + i, description: 'ceramic espresso mug', url: `https://shop.example/mug-${i}` })),
]

async function seed(t: TestApp, writeKey: string) {
  expect((await t.req('POST', '/api/v1/catalog/batch', { key: writeKey, body: { items: catalog } })).body.data.created).toBe(catalog.length)
  const events: object[] = []
  for (let u = 0; u < 12; u++) {
    const kind = u % 2 === 0 ? 'shoe' : 'mug'
    for (let i = 0; i < 6; i++) events.push({ eventType: 'product_viewed', userId: `user-${u}`, productId: `${kind}-${(u + i) % 10}`, timestamp: iso((i + 1) * H) })
    if (kind === 'shoe') for (const p of ['shoe-0', 'shoe-1']) events.push({ eventType: 'purchase', userId: `user-${u}`, productId: p, timestamp: iso(H / 2), metadata: { orderId: `o-${u}` } })
  }
  for (let i = 0; i < events.length; i += 100) expect((await t.req('POST', '/api/v1/events/batch', { key: writeKey, body: { events: events.slice(i, i + 100) } })).body.data.rejected).toEqual([])
}

for (const b of BACKENDS) describe(`email recommendations (${b})`, async () => {
  const t = await testApp(b, {}, clock)
  const shop = await t.tenantWithKeys({ defaultStrategy: 'collaborative' })
  await seed(t, shop.writeKey)
  await t.app.services.models.build(shop.tenantId)
  const email = (qs: string, key = shop.writeKey) => t.req('GET', `/api/v1/recommendations/email?${qs}`, { key })
  const ids = (r: { body: { data: { productId: string }[] } }) => r.body.data.map((x) => x.productId)
  const eventsOf = async (userId: string, eventType: string, key = shop.writeKey) =>
    (await t.req('GET', `/api/v1/events?userId=${userId}&eventType=${eventType}&limit=100`, { key })).body.data as { productId: string; placement: string; eventId: string | null }[]
  const tokenOf = (url: string) => url.slice(url.indexOf('/r/') + 3)

  test('html: an email-safe fragment whose links are all tracked; text and json carry the same links', async () => {
    const r = await email('userId=user-0&context=newsletter&limit=4&campaign=spring')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toStartWith('text/html')
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(r.text).toStartWith('<table role="presentation"')
    expect(r.text).not.toMatch(/<script/i)
    const links = [...r.text.matchAll(/href="([^"]*)"/g)].map((m) => m[1])
    expect(links.length).toBeGreaterThan(0)
    for (const l of links) expect(l).toMatch(/^http:\/\/localhost\/r\/e1\.[\w-]+\.[\w-]+$/)
    expect(new TextEncoder().encode(r.text).byteLength).toBeLessThanOrEqual(20 * 1024)
    const j = await email('userId=user-0&context=newsletter&limit=4&campaign=spring&format=json')
    expect(j.headers.get('content-type')).toStartWith('application/json')
    expect(j.body.data).toHaveLength(4)
    expect(j.body.meta).toMatchObject({ context: 'newsletter', placement: 'email:spring' })
    expect(j.body.data[0]).toMatchObject({ position: 1, trackedUrl: expect.stringMatching(/^http:\/\/localhost\/r\//), pixelUrl: expect.stringMatching(/\.gif$/) })
    const text = await email('userId=user-0&context=newsletter&limit=4&format=text')
    expect(text.headers.get('content-type')).toStartWith('text/plain')
    expect(text.text).toContain('1. ')
    expect(text.text).toContain('http://localhost/r/e1.')
  })

  test('abandoned cart anchors on the shopper\'s cart and never includes a cart item', async () => {
    for (const p of ['shoe-0', 'mug-3']) await t.req('POST', '/api/v1/events', { key: shop.writeKey, body: { eventType: 'add_to_cart', userId: 'carter', productId: p } })
    const r = await email('userId=carter&context=abandoned_cart&limit=12&format=json')
    expect(r.status).toBe(200)
    expect(r.body.data.length).toBeGreaterThan(0)
    expect(ids(r)).not.toContain('shoe-0')
    expect(ids(r)).not.toContain('mug-3')
    expect(ids(r)[0]).toBe('shoe-1') // bought together with shoe-0
  })

  test('order confirmation leaves out what was just bought (even where the tenant does not exclude purchases)', async () => {
    const before = await email('userId=user-2&context=newsletter&limit=12&format=json')
    const top = ids(before)[0]
    await t.req('POST', '/api/v1/events', { key: shop.writeKey, body: { eventType: 'purchase', userId: 'user-2', productId: top, metadata: { orderId: 'just-now' } } })
    const r = await email('userId=user-2&context=order_confirmation&limit=12&format=json')
    expect(r.body.data.length).toBeGreaterThan(0)
    expect(ids(r)).not.toContain(top)
    expect(ids(r)).not.toContain('shoe-0') // bought earlier too
  })

  test('/r records the click with placement email:<campaign> and redirects to the stored url only', async () => {
    const j = await email('userId=user-4&context=newsletter&limit=3&campaign=welcome-1&format=json')
    const first = j.body.data[0]
    const r = await t.req('GET', new URL(first.trackedUrl).pathname)
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe(catalog.find((c) => c.productId === first.productId)!.url!)
    const clicks = await eventsOf('user-4', 'recommendation_clicked')
    expect(clicks).toHaveLength(1)
    expect(clicks[0]).toMatchObject({ productId: first.productId, placement: 'email:welcome-1' })
    // Clicked again later (or forwarded): still redirects, counted once per mail and product.
    now += 60_000
    expect((await t.req('GET', new URL(first.trackedUrl).pathname)).status).toBe(302)
    expect(await eventsOf('user-4', 'recommendation_clicked')).toHaveLength(1)
    // The URL is read at click time: a product whose URL was taken away since the mail has nowhere to go, and no click is recorded.
    const second = j.body.data[1]
    const { url: _, ...withoutUrl } = catalog.find((c) => c.productId === second.productId)!
    expect((await t.req('PUT', `/api/v1/catalog/${second.productId}`, { key: shop.writeKey, body: withoutUrl })).status).toBe(200)
    expectProblem(await t.req('GET', new URL(second.trackedUrl).pathname), 404)
    expect(await eventsOf('user-4', 'recommendation_clicked')).toHaveLength(1)
  })

  test('tampered, malformed and expired tokens: 404, 400, 410 problems, nothing recorded', async () => {
    const j = await email('userId=user-6&context=newsletter&limit=2&format=json')
    const token = tokenOf(j.body.data[0].trackedUrl)
    const [v, payload, sig] = token.split('.')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forge = (c: unknown[]) => `${v}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.${sig}`
    expectProblem(await t.req('GET', `/r/${forge([...claims.slice(0, 2), 'mug-9', ...claims.slice(3)])}`), 404)
    expectProblem(await t.req('GET', `/r/${v}.${payload}.${sig.slice(0, -2)}AA`), 404)
    for (const bad of ['x', 'e1.a.b', `${v}.${payload}`, `e2.${payload}.${sig}`, `${v}.${payload}.${sig}!`]) expectProblem(await t.req('GET', `/r/${encodeURIComponent(bad)}`), 400)
    expectProblem(await t.req('GET', `/o/${token}.png`), 400)
    now += 31 * 24 * H
    try {
      expectProblem(await t.req('GET', `/r/${token}`), 410)
      expectProblem(await t.req('GET', `/o/${token}.gif`), 410)
    } finally { now -= 31 * 24 * H }
    expect(await eventsOf('user-6', 'recommendation_clicked')).toHaveLength(0)
    expect(await eventsOf('user-6', 'recommendation_impressed')).toHaveLength(0)
    expect((await t.req('GET', `/r/${token}`)).status).toBe(302) // within 30 days it still works
  })

  test('/o counts one impression per mail and product, however often images load; returns a 1×1 GIF', async () => {
    const mail = await email('userId=user-8&context=newsletter&limit=2&campaign=weekly&format=json')
    for (let i = 0; i < 3; i++) {
      for (const it of mail.body.data) {
        const r = await t.app.handle(new Request(it.pixelUrl))
        expect(r.status).toBe(200)
        expect(r.headers.get('content-type')).toBe('image/gif')
        const gif = new Uint8Array(await r.arrayBuffer())
        expect(new TextDecoder().decode(gif.slice(0, 6))).toBe('GIF89a')
        expect(gif[6] | (gif[7] << 8)).toBe(1)
      }
    }
    const seen = await eventsOf('user-8', 'recommendation_impressed')
    expect(seen.map((e) => e.productId).sort()).toEqual(ids(mail).sort())
    expect(seen.every((e) => e.placement === 'email:weekly')).toBe(true)
    // Another mail to the same shopper counts again.
    const again = await email('userId=user-8&context=newsletter&limit=1&campaign=weekly&format=json')
    now += 60_000 // (ingestion also drops an identical event at the same instant)
    await t.app.handle(new Request(again.body.data[0].pixelUrl))
    expect(await eventsOf('user-8', 'recommendation_impressed')).toHaveLength(3)
  })

  test('cross-tenant: a token names its tenant for good; another tenant\'s key sees none of this shopper', async () => {
    const other = await t.tenantWithKeys()
    await t.req('POST', '/api/v1/catalog/batch', { key: other.writeKey, body: { items: catalog } })
    const j = await email('userId=user-10&context=newsletter&limit=1&format=json')
    const token = tokenOf(j.body.data[0].trackedUrl)
    const [v, payload, sig] = token.split('.')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const moved = `${v}.${Buffer.from(JSON.stringify([other.tenantId, ...claims.slice(1)])).toString('base64url')}.${sig}`
    expectProblem(await t.req('GET', `/r/${moved}`), 404)
    expectProblem(await t.req('GET', `/o/${moved}.gif`), 404)
    expect(await eventsOf('user-10', 'recommendation_clicked', other.writeKey)).toHaveLength(0)
    expect(await eventsOf('user-10', 'recommendation_impressed', other.writeKey)).toHaveLength(0)
    // B's write key asks for A's shopper: B has no model or history for them, so none of A's answer.
    const fromB = await email('userId=user-10&context=newsletter&limit=4&format=json', other.writeKey)
    expect(fromB.status).toBe(200)
    for (const it of fromB.body.data) expect(tokenOf(it.trackedUrl)).not.toBe(token)
    const bClaims = fromB.body.data.map((it: { trackedUrl: string }) => JSON.parse(Buffer.from(tokenOf(it.trackedUrl).split('.')[1], 'base64url').toString())[0])
    expect(bClaims.every((tid: string) => tid === other.tenantId)).toBe(true)
  })

  test('batch: one NDJSON line per shopper, in order, as the single call would answer; bounded; write key only', async () => {
    const userIds = ['user-0', 'user-1', 'nobody', ...Array.from({ length: 30 }, (_, i) => `user-${i % 12}`)]
    const r = await t.req('POST', '/api/v1/recommendations/batch', { key: shop.writeKey, body: { userIds, context: 'newsletter', limit: 3, campaign: 'export' } })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = r.text.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.userId)).toEqual(userIds)
    expect(lines[0].data).toHaveLength(3)
    expect(lines[0].meta.placement).toBe('email:export')
    expect(lines[0].data.map((x: { productId: string }) => x.productId)).toEqual(ids(await email('userId=user-0&context=newsletter&limit=3&format=json')))
    const html = await t.req('POST', '/api/v1/recommendations/batch', { key: shop.writeKey, body: { userIds: ['user-1'], context: 'abandoned_cart', format: 'html' } })
    const line = JSON.parse(html.text)
    expect(line.html).toStartWith('<table role="presentation"')
    expect(line.html).not.toMatch(/<script/i)
    expectProblem(await t.req('POST', '/api/v1/recommendations/batch', { key: shop.readKey, body: { userIds: ['u'], context: 'newsletter' } }), 403)
    for (const body of [{ userIds: [], context: 'newsletter' }, { userIds: Array.from({ length: 1001 }, (_, i) => `u${i}`), context: 'newsletter' }, { userIds: ['u'], context: 'homepage' },
      { userIds: ['u'], context: 'newsletter', format: 'text' }, { userIds: ['u'], context: 'newsletter', limit: 13 }, { userIds: [''], context: 'newsletter' }]) {
      expectProblem(await t.req('POST', '/api/v1/recommendations/batch', { key: shop.writeKey, body }), 400)
    }
  })

  test('batch answers equal the single-shopper answers, for every kind of mail (profiles read in bulk for the batch)', async () => {
    // Two tenants with the same catalog, history and model: one asked shopper by shopper, the other by batch, so
    // neither reads what the other worked out (profiles, answers) and the batch's profiles come from its bulk read.
    const [single, batched] = [await t.tenantWithKeys({ defaultStrategy: 'collaborative' }), await t.tenantWithKeys({ defaultStrategy: 'collaborative' })]
    for (const s of [single, batched]) {
      await seed(t, s.writeKey)
      for (const p of ['shoe-0', 'mug-3']) await t.req('POST', '/api/v1/events', { key: s.writeKey, body: { eventType: 'add_to_cart', userId: 'user-3', productId: p } })
      await t.app.services.models.build(s.tenantId)
    }
    const userIds = ['user-0', 'user-3', 'nobody', ...Array.from({ length: 12 }, (_, i) => `user-${i}`)]
    const answer = (items: Record<string, unknown>[]) => items.map(({ trackedUrl: _t, pixelUrl: _p, ...it }) => it)
    for (const context of ['newsletter', 'order_confirmation', 'abandoned_cart']) {
      const r = await t.req('POST', '/api/v1/recommendations/batch', { key: batched.writeKey, body: { userIds, context, limit: 6, format: 'json' } })
      const lines = r.text.trimEnd().split('\n').map((l) => JSON.parse(l))
      expect(lines.map((l) => l.userId)).toEqual(userIds)
      for (const [i, userId] of userIds.entries()) {
        const one = await email(`userId=${userId}&context=${context}&limit=6&format=json`, single.writeKey)
        expect(one.status).toBe(200)
        expect(lines[i].error).toBeUndefined()
        expect({ userId, context, items: answer(lines[i].data), strategy: lines[i].meta.strategy }).toEqual({ userId, context, items: answer(one.body.data), strategy: one.body.meta.strategy })
      }
      expect(lines.some((l) => l.data.length > 0)).toBe(true)
    }
  })

  test('auth and input: read key 403, none 401, bad query 400', async () => {
    expectProblem(await email('userId=u&context=newsletter', shop.readKey), 403)
    expectProblem(await t.req('GET', '/api/v1/recommendations/email?userId=u&context=newsletter'), 401)
    for (const qs of ['context=newsletter', 'userId=u', 'userId=u&context=homepage', 'userId=u&context=newsletter&limit=13', 'userId=u&context=newsletter&limit=0',
      'userId=u&context=newsletter&format=pdf', 'userId=u&context=newsletter&campaign=a%20b', `userId=u&context=newsletter&campaign=${'x'.repeat(65)}`]) {
      expectProblem(await email(qs), 400)
    }
  })
})
