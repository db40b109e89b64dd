// Shopper profiles in memory, per instance: recommendations read a profile on
// every request, and a database round trip per request is the largest part of
// their latency. Ingestion keeps it exact: the instance that stored events
// drops those profiles before it answers, and broadcasts them so every other
// instance drops them too. A short TTL bounds staleness if a broadcast is lost
// (Redis down).
import type { RawSql } from '../../../db/client.ts'
import { findProfiles, type UserProfile } from '../../../db/queries/profiles.ts'
import type { Cache } from '../../infra/cache/index.ts'
import { BoundedMap } from '../../infra/cache/bounded-map.ts'
import type { InMemoryFirst } from '../../in-memory-first.ts'

const PROFILES_CHANNEL = 'profiles:changed'
const SEP = '\u0000'
/** Shoppers per query: beyond this a batch waits for the next. */
const BATCH_MAX = 32
/** Shoppers per query when a batch is warmed ahead: a 1,000-shopper batch in 2 queries (BENCHMARKS.md "Recommendations in email"). */
const WARM_CHUNK = 500

/** Whether two loads of a shopper's profile hold the same events (every stored event counts; lists grow with them). */
const sameProfile = (a: UserProfile, b: UserProfile) =>
  a.eventCount === b.eventCount && a.purchased.length === b.purchased.length && a.recent.length === b.recent.length && a.recent[0]?.ts === b.recent[0]?.ts
  && a.updatedAt === b.updatedAt // traits change it too

interface Waiting { userId: string; resolve: (p: UserProfile | undefined) => void; reject: (e: unknown) => void }

export class ProfileCache {
  private entries: BoundedMap<string, { profile: UserProfile | undefined; until: number }>
  // Loads are batched per tenant, like a group commit: while `queries` are out, the shoppers
  // asked about meanwhile wait together for the next (one query each time, not one each).
  // A shopper asked about twice before their profile arrives is loaded once.
  private inflight = new Map<string, Promise<UserProfile | undefined>>()
  private queues = new Map<string, { waiting: Waiting[]; out: number }>()
  // Loads whose shopper changed while they were out: what they bring back may predate the change, so it is not kept.
  private outdated = new Set<Promise<UserProfile | undefined>>()

  private queries: number
  private ttlMs: number
  private now: () => number

  /**
   * `queries`: how many loads of one tenant may be out at once. One suits PGlite, which runs
   * queries one at a time (so fewer, larger ones cost it least); a pool
   * of connections to PostgreSQL answers several at once. `now` is the clock the TTL runs on.
   */
  constructor(private raw: RawSql, private cache: Cache, opts: { queries?: number; ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.queries = opts.queries ?? 1
    this.ttlMs = opts.ttlMs ?? 30_000
    this.now = opts.now ?? Date.now
    this.entries = new BoundedMap(opts.max ?? 100_000)
    cache.subscribe(PROFILES_CHANNEL, (msg) => {
      try { this.drop(JSON.parse(msg) as string[]) } catch { /* not ours */ }
    })
  }

  /** A cached profile is returned as is (no promise): most requests end there. */
  get(tenantId: string, userId: string): InMemoryFirst<UserProfile | undefined> {
    const k = tenantId + SEP + userId
    const hit = this.entries.get(k)
    if (hit && hit.until > this.now()) return hit.profile
    let p = this.inflight.get(k)
    if (!p) {
      p = this.load(k, tenantId, userId)
      this.inflight.set(k, p)
    }
    return p
  }

  /**
   * Reads the profiles of many shoppers about to be asked for (a campaign's batch) in one query
   * per WARM_CHUNK, instead of BATCH_MAX at a time as their requests arrive: each `get` then finds
   * its shopper cached or on the way. Resolves when they are in; a failed read is left to each
   * shopper's `get` (it gets the error, as a read of its own would).
   */
  async warm(tenantId: string, userIds: readonly string[]): Promise<void> {
    const now = this.now()
    const missing = [...new Set(userIds)].filter((userId) => {
      const k = tenantId + SEP + userId
      const hit = this.entries.get(k)
      return !(hit && hit.until > now) && !this.inflight.has(k)
    })
    const reads: Promise<unknown>[] = []
    for (let i = 0; i < missing.length; i += WARM_CHUNK) {
      const chunk = missing.slice(i, i + WARM_CHUNK)
      const found = findProfiles(this.raw, tenantId, chunk)
      for (const userId of chunk) {
        const k = tenantId + SEP + userId
        const p = this.settle(k, found.then((m) => m.get(userId)))
        this.inflight.set(k, p)
        reads.push(p.catch(() => {}))
      }
    }
    await Promise.all(reads)
  }

  private load(k: string, tenantId: string, userId: string): Promise<UserProfile | undefined> {
    return this.settle(k, new Promise<UserProfile | undefined>((resolve, reject) => {
      let q = this.queues.get(tenantId)
      if (!q) this.queues.set(tenantId, (q = { waiting: [], out: 0 }))
      q.waiting.push({ userId, resolve, reject })
      if (q.out < this.queries) void this.flush(tenantId, q)
    }))
  }

  /** A load of `k` on its way: kept when it arrives (unless the shopper changed meanwhile), forgotten as in flight either way. */
  private settle(k: string, loaded: Promise<UserProfile | undefined>): Promise<UserProfile | undefined> {
    const result: Promise<UserProfile | undefined> = loaded.then((profile) => {
      if (this.inflight.get(k) === result) this.inflight.delete(k)
      if (this.outdated.delete(result)) return profile // changed meanwhile: this request gets it, the next reads again
      // A refresh of an expired profile that finds it unchanged keeps the object it had:
      // what is worked out per profile object (the engine's view, purchased indexes,
      // history) stays worked out. Any change by ingestion drops the entry first.
      const prior = this.entries.get(k)?.profile
      const kept = prior && profile && sameProfile(prior, profile) ? prior : profile
      this.entries.set(k, { profile: kept, until: this.now() + this.ttlMs })
      return kept
    }, (error) => {
      if (this.inflight.get(k) === result) this.inflight.delete(k)
      this.outdated.delete(result)
      throw error
    })
    return result
  }

  private async flush(tenantId: string, q: { waiting: Waiting[]; out: number }) {
    q.out++
    while (q.waiting.length) {
      const batch = q.waiting.splice(0, BATCH_MAX)
      try {
        const found = await findProfiles(this.raw, tenantId, [...new Set(batch.map((w) => w.userId))])
        for (const w of batch) w.resolve(found.get(w.userId))
      } catch (error) {
        for (const w of batch) w.reject(error)
      }
    }
    if (--q.out === 0) this.queues.delete(tenantId)
  }

  private drop(keys: string[]) {
    for (const k of keys) {
      this.entries.delete(k)
      const out = this.inflight.get(k)
      if (out) { this.outdated.add(out); this.inflight.delete(k) }
    }
  }

  /** Drops these users' profiles here at once, and on every other instance by broadcast. */
  changed(users: { tenantId: string; userId: string }[]) {
    if (!users.length) return
    const keys = [...new Set(users.map((u) => u.tenantId + SEP + u.userId))]
    this.drop(keys)
    void this.cache.publish(PROFILES_CHANNEL, JSON.stringify(keys)).catch(() => {})
  }
}
