import { describe, expect, test } from 'bun:test'
import { BACKENDS } from '../../test/backends.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { DEFAULT_WIDGET_CONFIG } from './config.ts'

const defaults = DEFAULT_WIDGET_CONFIG

for (const b of BACKENDS) describe(`widgets (${b})`, async () => {
  const t = await testApp(b)

  test('GET: tenant defaults until saved; read keys may read (the SDK does); never cached stale', async () => {
    const k = await t.tenantWithKeys()
    const r = await t.req('GET', '/api/v1/widgets/product-page', { key: k.readKey })
    expect(r.status).toBe(200)
    expect(r.body.data).toEqual({ placement: 'product-page', config: defaults, overrides: {}, updatedAt: null })
    expect(r.headers.get('cache-control')).toBe('no-cache')
    // Defaults follow the tenant's own widget config.
    const custom = await t.tenantWithKeys({ widget: { layout: 'list', theme: { primaryColor: '#123456' } } })
    const c = (await t.req('GET', '/api/v1/widgets/home', { key: custom.readKey })).body.data.config
    expect(c.layout).toBe('list')
    expect(c.theme).toEqual({ ...defaults.theme, primaryColor: '#123456' })
  })

  test('PUT: write key or admin; partial settings merge over defaults; a PUT replaces the previous one', async () => {
    const k = await t.tenantWithKeys()
    const put = await t.req('PUT', '/api/v1/widgets/product-page', {
      key: k.writeKey, body: { layout: 'carousel', columns: 4, showPrice: true, ctaText: 'Add to Cart', theme: { primaryColor: '#ff6600' } },
    })
    expect(put.status).toBe(200)
    expect(put.body.data.config).toEqual({ ...defaults, layout: 'carousel', columns: 4, showPrice: true, ctaText: 'Add to Cart', theme: { ...defaults.theme, primaryColor: '#ff6600' } })
    expect(put.body.data.overrides).toEqual({ layout: 'carousel', columns: 4, showPrice: true, ctaText: 'Add to Cart', theme: { primaryColor: '#ff6600' } })
    expect(Date.parse(put.body.data.updatedAt)).toBeGreaterThan(Date.now() - 60_000)
    const got = await t.req('GET', '/api/v1/widgets/product-page', { key: k.readKey })
    expect(got.body.data).toEqual(put.body.data)
    // Other placements are untouched.
    expect((await t.req('GET', '/api/v1/widgets/homepage', { key: k.readKey })).body.data.config).toEqual(defaults)

    const admin = await t.req('PUT', '/api/v1/widgets/product-page', { token: k.token, tenant: k.tenantId, body: { title: 'You may also like', strategy: 'content_based', limit: 6 } })
    expect(admin.status).toBe(200)
    expect(admin.body.data.overrides).toEqual({ title: 'You may also like', strategy: 'content_based', limit: 6 })
    expect(admin.body.data.config.layout).toBe('grid')
    expect(admin.body.data.config.strategy).toBe('content_based')
    // Placement ids are any printable text, URL-encoded in the path.
    const odd = await t.req('PUT', `/api/v1/widgets/${encodeURIComponent('cart page/ü')}`, { key: k.writeKey, body: { columns: 2 } })
    expect(odd.status).toBe(200)
    expect(odd.body.data.placement).toBe('cart page/ü')
    expect((await t.req('GET', `/api/v1/widgets/${encodeURIComponent('cart page/ü')}`, { key: k.readKey })).body.data.config.columns).toBe(2)
  })

  test('bad input is a 400 problem and changes nothing', async () => {
    const k = await t.tenantWithKeys()
    await t.req('PUT', '/api/v1/widgets/p', { key: k.writeKey, body: { columns: 3 } })
    for (const body of [
      { layout: 'masonry' }, { columns: 0 }, { columns: 9 }, { columns: 2.5 }, { columns: '3' }, { showPrice: 'yes' }, { ctaText: '' },
      { ctaText: 'x'.repeat(41) }, { title: 'x'.repeat(81) }, { limit: 51 }, { strategy: 'random' }, { theme: { primaryColor: 'red' } },
      { theme: { fontFamily: 'x;}body{display:none' } }, { theme: { borderRadius: -1 } }, { unknown: 1 }, { theme: { extra: 1 } }, [], 'grid',
    ]) {
      const p = expectProblem(await t.req('PUT', '/api/v1/widgets/p', { key: k.writeKey, body }), 400)
      expect(p.detail.length).toBeGreaterThan(0)
    }
    expectProblem(await t.req('PUT', '/api/v1/widgets/p', { key: k.writeKey, raw: '{"columns":', headers: { 'content-type': 'application/json' } }), 400)
    expectProblem(await t.req('PUT', `/api/v1/widgets/${'x'.repeat(101)}`, { key: k.writeKey, body: {} }), 400)
    expectProblem(await t.req('GET', `/api/v1/widgets/${encodeURIComponent('a\u0001b')}`, { key: k.readKey }), 400)
    expect((await t.req('GET', '/api/v1/widgets/p', { key: k.readKey })).body.data.overrides).toEqual({ columns: 3 })
  })

  test('auth: a read key cannot PUT; no credentials is 401', async () => {
    const k = await t.tenantWithKeys()
    expectProblem(await t.req('PUT', '/api/v1/widgets/p', { key: k.readKey, body: { columns: 2 } }), 403)
    expectProblem(await t.req('PUT', '/api/v1/widgets/p', { body: { columns: 2 } }), 401)
    expectProblem(await t.req('GET', '/api/v1/widgets/p'), 401)
    expectProblem(await t.req('GET', '/api/v1/widgets/p', { key: 'rk_live_0123456789abcdefghijklmnopqrstuv' }), 401)
    expect((await t.req('GET', '/api/v1/widgets/p', { key: k.readKey })).body.data.updatedAt).toBeNull()
  })

  test('cross-tenant: settings are per tenant; an admin cannot reach another admin’s tenant', async () => {
    const a = await t.tenantWithKeys()
    const b = await t.tenantWithKeys()
    await t.req('PUT', '/api/v1/widgets/product-page', { key: a.writeKey, body: { layout: 'list', title: 'A only' } })
    expect((await t.req('GET', '/api/v1/widgets/product-page', { key: b.readKey })).body.data).toEqual({ placement: 'product-page', config: defaults, overrides: {}, updatedAt: null })
    await t.req('PUT', '/api/v1/widgets/product-page', { key: b.writeKey, body: { columns: 1 } })
    expect((await t.req('GET', '/api/v1/widgets/product-page', { key: a.readKey })).body.data.overrides).toEqual({ layout: 'list', title: 'A only' })
    expectProblem(await t.req('GET', '/api/v1/widgets/product-page', { token: b.token, tenant: a.tenantId }), 404)
    expectProblem(await t.req('PUT', '/api/v1/widgets/product-page', { token: b.token, tenant: a.tenantId, body: { columns: 5 } }), 404)
    expect((await t.req('GET', '/api/v1/widgets/product-page', { key: a.readKey })).body.data.overrides).toEqual({ layout: 'list', title: 'A only' })
  })
})
