// Shopper profiles in memory, per instance: recommendations read a profile on
// every request, and a database round trip per request is the largest part of
// their latency. Ingestion keeps it exact: the instance that stored events
// drops those profiles before it answers, and broadcasts them so every other
// instance drops them too. A short TTL bounds staleness if a broadcast is lost
// (Redis down).
import type { RawSql } from '../../../db/client.ts'
import { findProfile, type UserProfile } from '../../../db/queries/events.ts'
import type { Cache } from '../../cache/index.ts'
import { BoundedMap } from '../../cache/bounded-map.ts'

export const PROFILES_CHANNEL = 'profiles:changed'
const SEP = '\u0000'

export class ProfileCache {
  private entries: BoundedMap<string, { profile: UserProfile | undefined; until: number }>

  constructor(private raw: RawSql, private cache: Cache, private ttlMs = 30_000, max = 100_000) {
    this.entries = new BoundedMap(max)
    cache.subscribe(PROFILES_CHANNEL, (msg) => {
      try { for (const k of JSON.parse(msg) as string[]) this.entries.delete(k) } catch { /* not ours */ }
    })
  }

  /** A cached profile is returned as is (no promise): most requests end there. */
  get(tenantId: string, userId: string): UserProfile | undefined | Promise<UserProfile | undefined> {
    const k = tenantId + SEP + userId
    const hit = this.entries.get(k)
    if (hit && hit.until > Date.now()) return hit.profile
    return this.load(k, tenantId, userId)
  }

  private async load(k: string, tenantId: string, userId: string): Promise<UserProfile | undefined> {
    const profile = await findProfile(this.raw, tenantId, userId)
    this.entries.set(k, { profile, until: Date.now() + this.ttlMs })
    return profile
  }

  /** Drops these users' profiles here at once, and on every other instance by broadcast. */
  changed(users: { tenantId: string; userId: string }[]) {
    if (!users.length) return
    const keys = [...new Set(users.map((u) => u.tenantId + SEP + u.userId))]
    for (const k of keys) this.entries.delete(k)
    void this.cache.publish(PROFILES_CHANNEL, JSON.stringify(keys)).catch(() => {})
  }
}
