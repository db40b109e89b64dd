import { describe, expect, test } from 'bun:test'
import { backend as openBackend, BACKENDS } from '../../test/backends.ts'
import { UNCASCADED_TENANT_TABLES } from '../../../db/queries/tenants.ts'
import { expectProblem, testApp } from '../../test/harness.ts'
import { DEFAULT_TENANT_CONFIG } from './config.ts'

for (const backend of BACKENDS) {
  describe(`tenants [${backend}]`, async () => {
    let now = new Date()
    const t = await testApp(backend, {}, () => now)
    const { raw } = (await openBackend(backend)).database

    test('create returns 201 with id, name, status, merged config and createdAt (F-001)', async () => {
      const { token } = await t.admin()
      const r = await t.req('POST', '/api/v1/tenants', { token, body: { name: 'Acme Store', config: { defaultStrategy: 'trending', rateLimits: { read: 50 } } } })
      expect(r.status).toBe(201)
      expect(r.body.data).toMatchObject({ name: 'Acme Store', status: 'active' })
      expect(r.body.data.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(Date.parse(r.body.data.createdAt)).not.toBeNaN()
      expect(r.body.data.config.defaultStrategy).toBe('trending')
      expect(r.body.data.config.rateLimits).toEqual({ read: 50, write: 500 })
      expect(r.body.data.config.widget).toEqual(DEFAULT_TENANT_CONFIG.widget)
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, body: { name: 'acme store' } }), 409)
    })

    test('config is validated field by field and nothing is stored on failure', async () => {
      const { token } = await t.admin()
      const bad = expectProblem(await t.req('POST', '/api/v1/tenants', { token, body: { name: 'X', config: { defaultStrategy: 'magic', rateLimits: { read: -1 }, bogus: 1 } } }), 400)
      expect(bad.errors!.map((e) => e.field).sort()).toEqual(['config.bogus', 'config.defaultStrategy', 'config.rateLimits.read'])
      expectProblem(await t.req('POST', '/api/v1/tenants', { token, body: { name: '   ' } }), 400)
      const list = await t.req('GET', '/api/v1/tenants', { token })
      expect(list.body.meta.pagination.total).toBe(0)
    })

    test('model settings: event weights, half-lives, items per shopper and regularisation ("auto" by default), validated and merged', async () => {
      const { token } = await t.admin()
      const id = (await t.req('POST', '/api/v1/tenants', { token, body: { name: 'Films' } })).body.data.id
      const before = (await t.req('GET', `/api/v1/tenants/${id}`, { token })).body.data.config.recommendations
      expect(before).toEqual(DEFAULT_TENANT_CONFIG.recommendations)
      expect(before).toMatchObject({ halfLifeDays: 'auto', intentHalfLifeDays: 'auto', itemsPerShopper: 'auto', regularisation: 'auto', eventWeights: { purchase: 8, product_viewed: 1 } })
      const bad = expectProblem(await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { config: { recommendations: {
        halfLifeDays: -1, intentHalfLifeDays: 1.5, itemsPerShopper: 'automatic', regularisation: 0, eventWeights: { purchase: 101, wishlisted: 3 } } } } }), 400)
      expect(bad.errors!.map((e) => e.field).sort()).toEqual(['config.recommendations.eventWeights.purchase', 'config.recommendations.eventWeights.wishlisted',
        'config.recommendations.halfLifeDays', 'config.recommendations.intentHalfLifeDays', 'config.recommendations.itemsPerShopper', 'config.recommendations.regularisation'])
      expectProblem(await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { config: { recommendations: { halfLifeDays: null } } } }), 400)
      expect((await t.req('GET', `/api/v1/tenants/${id}`, { token })).body.data.config.recommendations).toEqual(before)
      // A number wins over auto; "auto" hands the setting back to the model.
      const ok = await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { config: { recommendations: { halfLifeDays: 0, regularisation: 12.5, eventWeights: { product_viewed: 0 } } } } })
      expect(ok.status).toBe(200)
      expect(ok.body.data.config.recommendations).toEqual({ ...before, halfLifeDays: 0, regularisation: 12.5, eventWeights: { ...before.eventWeights, product_viewed: 0 } })
      const back = await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { config: { recommendations: { halfLifeDays: 'auto' } } } })
      expect(back.body.data.config.recommendations).toMatchObject({ halfLifeDays: 'auto', regularisation: 12.5 })
    })

    test('list paginates with meta.pagination and filters by status', async () => {
      const { token } = await t.admin()
      for (let i = 0; i < 5; i++) await t.req('POST', '/api/v1/tenants', { token, body: { name: `Shop ${i}` } })
      const p1 = await t.req('GET', '/api/v1/tenants?limit=2&offset=0', { token })
      expect(p1.body.data).toHaveLength(2)
      expect(p1.body.meta.pagination).toEqual({ total: 5, limit: 2, offset: 0, hasMore: true })
      const p3 = await t.req('GET', '/api/v1/tenants?limit=2&offset=4', { token })
      expect(p3.body.meta.pagination).toEqual({ total: 5, limit: 2, offset: 4, hasMore: false })
      const dflt = await t.req('GET', '/api/v1/tenants', { token })
      expect(dflt.body.meta.pagination.limit).toBe(20)
      await t.req('PUT', `/api/v1/tenants/${p1.body.data[0].id}`, { token, body: { status: 'suspended' } })
      // Without a filter, suspended tenants are listed too.
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.meta.pagination.total).toBe(5)
      const susp = await t.req('GET', '/api/v1/tenants?status=suspended', { token })
      expect(susp.body.data.map((x: { id: string }) => x.id)).toEqual([p1.body.data[0].id])
      const over = expectProblem(await t.req('GET', '/api/v1/tenants?limit=101', { token }), 400)
      expect(over.errors![0].field).toBe('limit')
      expectProblem(await t.req('GET', '/api/v1/tenants?status=nope', { token }), 400)
    })

    test('PUT merges config, renames and suspends; DELETE marks deleted and hides it', async () => {
      const { token } = await t.admin()
      const id = (await t.req('POST', '/api/v1/tenants', { token, body: { name: 'Shop' } })).body.data.id
      const r = await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { name: 'Shop 2', config: { widget: { theme: { primaryColor: '#ff0000' } } } } })
      expect(r.body.data.name).toBe('Shop 2')
      expect(r.body.data.config.widget.theme).toEqual({ ...DEFAULT_TENANT_CONFIG.widget.theme, primaryColor: '#ff0000' })
      expectProblem(await t.req('PUT', `/api/v1/tenants/${id}`, { token, body: { status: 'deleted' } }), 400)
      const del = await t.req('DELETE', `/api/v1/tenants/${id}`, { token })
      expect(del.body.data.status).toBe('deleted')
      expect(del.body.data.deletedAt).not.toBeNull()
      expectProblem(await t.req('GET', `/api/v1/tenants/${id}`, { token }), 404)
      expect((await t.req('GET', '/api/v1/tenants', { token })).body.data).toHaveLength(0)
      expect((await t.req('GET', '/api/v1/tenants?status=deleted', { token })).body.data).toHaveLength(1)
    })

    test('deleted tenants are purged after 30 days, not before', async () => {
      const { token } = await t.admin()
      const id = (await t.req('POST', '/api/v1/tenants', { token, body: { name: 'Old shop' } })).body.data.id
      await t.req('DELETE', `/api/v1/tenants/${id}`, { token })
      const deletedAt = now
      now = new Date(deletedAt.getTime() + 29 * 86400_000)
      await t.app.services.tenants.purge()
      expect((await t.req('GET', '/api/v1/tenants?status=deleted', { token })).body.data).toHaveLength(1)
      now = new Date(deletedAt.getTime() + 31 * 86400_000)
      expect(await t.app.services.tenants.purge()).toBeGreaterThanOrEqual(1)
      expect((await t.req('GET', '/api/v1/tenants?status=deleted', { token })).body.data).toHaveLength(0)
      now = new Date()
    })

    test('a purged tenant leaves no row in the tables without a foreign key to tenants; another tenant keeps its own', async () => {
      const { token } = await t.admin()
      const tenantWith = async (name: string) => {
        const id = (await t.req('POST', '/api/v1/tenants', { token, body: { name } })).body.data.id as string
        const key = (await t.req('POST', `/api/v1/tenants/${id}/api-keys`, { token, body: { name: 'w', permissions: 'write' } })).body.data.key as string
        // An event with an eventId (events, event_ids), a purchase (user_purchases), and an import's pending row (import_stored).
        const r = await t.req('POST', '/api/v1/events/batch', { key, body: { events: [
          { eventType: 'purchase', userId: 'u1', productId: 'p1', eventId: 'e1' }, { eventType: 'product_viewed', userId: 'u1', productId: 'p2' }] } })
        expect(r.body.data.accepted).toBe(2)
        await raw.query(`insert into import_stored (job_id, tenant_id, user_id, event_type, product_id, ts) values ($1, $2, 'u1', 'purchase', 'p1', now())`, [crypto.randomUUID(), id])
        return id
      }
      const gone = await tenantWith('Purged shop')
      const kept = await tenantWith('Kept shop')
      const rowsOf = async (id: string) => Object.fromEntries(await Promise.all(UNCASCADED_TENANT_TABLES.map(async (table) =>
        [table, (await raw.query<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [id]))[0].n])))
      const before = { events: 2, event_ids: 1, user_purchases: 1, import_stored: 1 }
      expect(await rowsOf(gone)).toEqual(before)
      await t.req('DELETE', `/api/v1/tenants/${gone}`, { token })
      const deletedAt = now
      now = new Date(deletedAt.getTime() + 31 * 86400_000)
      try {
        expect(await t.app.services.tenants.purge()).toBeGreaterThanOrEqual(1)
      } finally { now = new Date() }
      expect(await rowsOf(gone)).toEqual({ events: 0, event_ids: 0, user_purchases: 0, import_stored: 0 })
      expect(await rowsOf(kept)).toEqual(before)
    })

    test('cross-tenant: another admin sees 404 on every tenant endpoint and nothing changes', async () => {
      const a = await t.admin('A')
      const b = await t.admin('B')
      const id = (await t.req('POST', '/api/v1/tenants', { token: a.token, body: { name: 'Private' } })).body.data.id
      expectProblem(await t.req('GET', `/api/v1/tenants/${id}`, { token: b.token }), 404)
      expectProblem(await t.req('PUT', `/api/v1/tenants/${id}`, { token: b.token, body: { status: 'suspended' } }), 404)
      expectProblem(await t.req('DELETE', `/api/v1/tenants/${id}`, { token: b.token }), 404)
      expect((await t.req('GET', '/api/v1/tenants', { token: b.token })).body.data).toHaveLength(0)
      const still = await t.req('GET', `/api/v1/tenants/${id}`, { token: a.token })
      expect(still.body.data.status).toBe('active')
      expectProblem(await t.req('GET', '/api/v1/tenants/not-a-uuid', { token: a.token }), 400)
      expectProblem(await t.req('GET', '/api/v1/tenants'), 401)
    })
  })
}
