// The API-key guard's resolution of a presented key: once per key however many
// requests find it uncached at the same moment, and never stored across a change.
import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { MemoryCache } from '../infra/cache/memory.ts'
import { hmacSha256 } from '../infra/crypto.ts'
import { backend } from '../test/backends.ts'
import { TEST_SECRETS, testApp } from '../test/harness.ts'
import { authGuards, KeyCache } from './auth.ts'
import { waitFor } from '../test/wait-for.ts'

describe('API-key resolution', async () => {
  const t = await testApp('pglite')
  const { database } = await backend('pglite')
  const hmac = await hmacSha256(TEST_SECRETS.apiKeyPepper)
  const guarded = (keyCache: KeyCache) => {
    let hashes = 0
    const app = new Elysia().use(authGuards({
      db: database.db, cache: new MemoryCache(), keyCache,
      usage: { record() {} } as never, tokens: { verifyAccess: async () => undefined },
      hashKey: (k) => { hashes++; return hmac(k) },
      limiter: { take: async () => ({ allowed: true, remaining: 1, resetMs: 0, retryAfterMs: 0 }) },
    })).get('/who', ({ principal }) => principal.tenantId, { tenant: 'read' })
    const ask = (key: string) => app.handle(new Request('http://localhost/who', { headers: { 'x-api-key': key } }))
    return { ask, hashes: () => hashes }
  }

  test('requests that find a key uncached together resolve it once', async () => {
    const k = await t.tenantWithKeys()
    const g = guarded(new KeyCache())
    const answers = await Promise.all(Array.from({ length: 20 }, () => g.ask(k.readKey)))
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(await answers[0]!.text()).toBe(k.tenantId)
    expect(g.hashes()).toBe(1)
    await g.ask(k.readKey) // cached now
    expect(g.hashes()).toBe(1)
  })

  test('a change while a key is being resolved: what that resolution found is not kept', async () => {
    const k = await t.tenantWithKeys()
    const keyCache = new KeyCache()
    const g = guarded(keyCache)
    const first = g.ask(k.readKey)
    keyCache.clear() // a key or tenant changed meanwhile (a revocation, say)
    expect((await first).status).toBe(200)
    expect(keyCache.get(k.readKey)).toBeUndefined()
    expect((await g.ask(k.readKey)).status).toBe(200) // resolved again, from the database as it is now
    expect(g.hashes()).toBe(2)
    expect(keyCache.get(k.readKey)).toBeDefined()
  })

  test('a key in use whose entry expired is served on while it is looked up again; what the lookup finds holds from the next request', async () => {
    const k = await t.tenantWithKeys()
    const keyCache = new KeyCache(-1) // every entry expired as soon as it is kept
    const g = guarded(keyCache)
    expect((await g.ask(k.readKey)).status).toBe(200) // unknown here: looked up, waited for
    // Revoked in the database while the message that clears caches is lost (Redis down, say).
    await database.raw.query('update api_keys set revoked_at = now() where tenant_id = $1 and id = (select key_id from api_key_hashes where key_hash = $2)', [k.tenantId, await hmac(k.readKey)])
    expect((await g.ask(k.readKey)).status).toBe(200) // served on the aging entry: no wait on the database
    await waitFor('the lookup behind it to finish', () => keyCache.resolving.size === 0)
    expect((await g.ask(k.readKey)).status).toBe(401)
  })

  test('a flood of made-up keys evicts only other misses, never the keys in use (issue 17)', async () => {
    const k = await t.tenantWithKeys()
    const keyCache = new KeyCache(5000, 100, 50)
    const g = guarded(keyCache)
    expect((await g.ask(k.readKey)).status).toBe(200)
    for (let i = 0; i < 500; i++) expect((await g.ask(`rk_live_${'z'.repeat(28)}${String(i).padStart(4, '0')}`)).status).toBe(401)
    expect(keyCache.size).toEqual({ valid: 1, misses: 50 })
    const hashes = g.hashes()
    expect((await g.ask(k.readKey)).status).toBe(200)
    expect(g.hashes()).toBe(hashes) // still cached: no HMAC, no query
  })
})
