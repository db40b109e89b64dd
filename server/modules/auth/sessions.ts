// Whether an access token's session (its sign-in: a refresh-token family) is
// still live. Access tokens carry the family id as `sid`; logout, a password
// reset or change revoke families, and every instance hears of it at once
// through the broadcast channel. Between those, an answer is kept per instance
// for a few seconds, so most admin requests cost no query.
import type { Db } from '../../../db/client.ts'
import { isFamilyLive } from '../../../db/queries/refresh-tokens.ts'
import type { Cache } from '../../infra/cache/index.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'

const SESSIONS_CHANNEL = 'auth:sessions-revoked'
const LIVE_TTL_MS = 10_000
const MAX_REMEMBERED = 50_000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export type Revocation = { familyId: string } | { userId: string }

export function sessionStore(db: Db, cache: Cache, now: () => number = Date.now) {
  const known = new Map<string, { userId: string; live: boolean; until: number }>()
  // Bumped by every revocation: an answer read before one is not kept (it may say live).
  let generation = 0
  const forget = (r: Revocation) => {
    generation++
    if ('familyId' in r) { known.delete(r.familyId); return }
    for (const [sid, e] of known) if (e.userId === r.userId) known.delete(sid)
  }
  cache.subscribe(SESSIONS_CHANNEL, (message) => {
    try { forget(JSON.parse(message) as Revocation) } catch { known.clear() }
  })

  return {
    /** True while the sign-in `sid` of `userId` has a refresh token not revoked. */
    isLive(sid: string, userId: string): InMemoryFirst<boolean> {
      if (!UUID.test(sid) || !UUID.test(userId)) return false // only we sign tokens, but a malformed id must not reach a uuid column
      const hit = known.get(sid)
      if (hit && hit.until > now() && hit.userId === userId) return hit.live
      const asked = generation
      return isFamilyLive(db, sid, userId).then((live) => {
        if (asked !== generation) return live
        if (known.size >= MAX_REMEMBERED) known.clear()
        known.set(sid, { userId, live, until: now() + LIVE_TTL_MS })
        return live
      })
    },
    /** After the database says so: forgotten here at once, and on every instance by broadcast. */
    async revoked(r: Revocation) {
      forget(r)
      await cache.publish(SESSIONS_CHANNEL, JSON.stringify(r)).catch(() => {})
    },
  }
}
export type SessionStore = ReturnType<typeof sessionStore>
