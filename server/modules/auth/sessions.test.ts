// The per-instance memory of live sessions: kept briefly, dropped by a revocation
// heard from any instance, and never refilled by an answer read before one.
import { describe, expect, test } from 'bun:test'
import { MemoryCache } from '../../infra/cache/memory.ts'
import { backend } from '../../test/backends.ts'
import { testApp } from '../../test/harness.ts'
import { sessionStore } from './sessions.ts'

describe('session store', async () => {
  const t = await testApp('pglite')
  const { db } = (await backend('pglite')).database
  const sessionOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid as string

  test('live until revoked; a revocation elsewhere is heard at once; 10 s of memory otherwise', async () => {
    let now = 0
    const cache = new MemoryCache()
    const here = sessionStore(db, cache, () => now)
    const a = await t.admin()
    const sid = sessionOf(a.token)
    expect(await here.isLive(sid, a.userId)).toBe(true)
    expect(here.isLive(sid, a.userId)).toBe(true) // remembered: no promise, no query
    await t.req('POST', '/api/v1/auth/logout', { body: { refreshToken: a.refreshToken } }) // revoked in the database, told on the test app's own cache
    expect(here.isLive(sid, a.userId)).toBe(true) // this store has not heard: it remembers for 10 s
    now += 10_001
    expect(await here.isLive(sid, a.userId)).toBe(false)
    const c = await t.admin()
    expect(await here.isLive(sessionOf(c.token), crypto.randomUUID())).toBe(false) // a sign-in belongs to its user only
    expect(here.isLive('not-a-uuid', c.userId)).toBe(false)

    const b = await t.admin()
    const other = sessionStore(db, cache, () => now)
    expect(await here.isLive(sessionOf(b.token), b.userId)).toBe(true)
    await other.revoked({ userId: b.userId }) // broadcast on the shared cache
    const pending = here.isLive(sessionOf(b.token), b.userId)
    expect(pending).toBeInstanceOf(Promise) // forgotten: asked again
    expect(await pending).toBe(true) // (the database was not changed here; only the memory was dropped)
  })

  test('an answer read before a revocation is not kept', async () => {
    const cache = new MemoryCache()
    const store = sessionStore(db, cache)
    const a = await t.admin()
    const sid = sessionOf(a.token)
    const inFlight = store.isLive(sid, a.userId)
    await store.revoked({ familyId: sid })
    expect(await inFlight).toBe(true)
    expect(store.isLive(sid, a.userId)).toBeInstanceOf(Promise) // not remembered as live
  })
})
