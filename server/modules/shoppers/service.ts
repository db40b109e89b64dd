// A shopper's data as one thing (GDPR): their profile summary, and their erasure. An erasure runs in
// the background, in short batches, so a shopper with a million events holds neither a request nor a
// long lock: raw events and their idempotency keys first, a batch per statement; then clicks, the
// purchase set and exposures; the profile last, so that GET /users/:userId answers 404 exactly when
// everything is gone; then what instances hold in memory and in the shared cache. Each erasure is a
// leased row (shopper_erasures) from the request until it is done: one cut short by a crash is taken
// over by a worker once its lease expires (resumeErasures), one cut short by a shutdown at once.
// Recording it also tells the tenant's running events imports to store none of the shopper's rows from
// then on (withholdFromImports, db/queries/imports.ts): their files were taken before the erasure.
import type { RawSql } from '../../../db/client.ts'
import { claimStaleErasures, endErasure, renewErasure, startErasure } from '../../../db/queries/erasures.ts'
import { importHoldsShopper } from '../../../db/queries/imports.ts'
import { newHolderId, whileLeased } from '../../infra/lease.ts'
import { mergeTraits, profileExists, profileSummary } from '../../../db/queries/profiles.ts'
import { MAX_TRAITS } from '../../../db/queries/events.ts'
import { NotFound, ServiceUnavailable, ValidationFailed } from '../../errors.ts'
import type { LiveCounterStore } from '../../infra/live-counters/types.ts'
import type { Logger } from '../../logger.ts'
import { shopperBaskets } from '../events/ingest/live.ts'
import type { EventService } from '../events/service.ts'
import { SUMMARY_RECENT } from './model.ts'

export interface ShopperDeps {
  /** Reads (the request pool). */
  raw: RawSql
  /** Erasure's deletes, on the background pool: no request waits on them. */
  events: Pick<EventService, 'eventPartitions' | 'eraseShopperEvents' | 'eraseShopperState'>
  experiments: { forgetShopper(tenantId: string, userId: string): Promise<number> }
  recommendations: { forgetShopper(tenantId: string, userId: string): Promise<void> }
  profiles: { changed(users: { tenantId: string; userId: string }[]): void }
  live: LiveCounterStore
  clock: () => Date
  log: Logger
  /** Events deleted per statement. */
  batchSize?: number
  /** An erasure's lease (ms), renewed while it runs; a process that dies mid-erasure leaves it to a worker this long. */
  leaseMs?: number
}

/** Events per delete statement: ≈ tens of ms each, so 1M events take about 200 short statements. */
const ERASE_BATCH = 5000
/** Erasures running at once per instance; the others wait their turn. */
const MAX_RUNNING = 2
/** Erasures an instance accepts before it answers 503 (each waits in memory until its turn). */
const MAX_PENDING = 10_000
const LEASE_MS = 60_000

export function createShopperService(d: ShopperDeps) {
  const batch = d.batchSize ?? ERASE_BATCH
  const leaseMs = d.leaseMs ?? LEASE_MS
  const holder = newHolderId()
  const lease = () => ({ holder, now: d.clock(), leaseMs })
  const pending = new Map<string, Promise<void>>()
  let running = 0
  const turns: (() => void)[] = []
  let stopping = false
  let resuming: ReturnType<typeof setInterval> | undefined
  const turn = () => new Promise<void>((resolve) => { if (running < MAX_RUNNING) { running++; resolve() } else turns.push(() => { running++; resolve() }) })
  const done = () => { running--; turns.shift()?.() }

  /** Erases under the lease this process holds; lets the lease go when stopped midway, deletes the row when done. */
  async function eraseLeased(tenantId: string, userId: string): Promise<void> {
    let finished = false
    try {
      finished = await whileLeased(leaseMs, () => renewErasure(d.raw, tenantId, userId, lease()), d.log, (held) => erase(tenantId, userId, held))
    } finally {
      await endErasure(d.raw, tenantId, userId, holder, finished).catch((error) => d.log.warn('could not end an erasure\'s lease; it expires', { tenantId, error }))
    }
  }

  /** Starts an erasure this process holds the lease of (unless it is under way here already). */
  function run(tenantId: string, userId: string) {
    const k = `${tenantId}\u0000${userId}`
    if (pending.has(k)) return
    const job = turn()
      .then(() => eraseLeased(tenantId, userId).finally(done))
      .catch((error) => d.log.error('shopper erasure failed; a worker retries it once its lease expires', { tenantId, error }))
      .finally(() => pending.delete(k))
    pending.set(k, job)
  }

  /** Returns whether it finished (false: stopped, or its lease was taken over). */
  async function erase(tenantId: string, userId: string, held: () => boolean): Promise<boolean> {
    let events = 0
    // Partition by partition, a batch at a time; then once more over all of them, for events stored
    // meanwhile (a retry in flight), until a pass finds none.
    for (let pass = 0, found = 1; found && pass < 3; pass++) {
      found = 0
      for (const partition of await d.events.eventPartitions()) {
        for (;;) {
          if (stopping || !held()) return false // the profile stays: GET still answers 200; the row lets another process finish
          const deleted = await d.events.eraseShopperEvents(partition, tenantId, userId, batch)
          found += deleted
          if (deleted < batch) break
        }
      }
      events += found
    }
    const exposures = await d.experiments.forgetShopper(tenantId, userId)
    const hadProfile = await d.events.eraseShopperState(tenantId, userId)
    // Memory last: a request that read the profile before it went is answered cold from now on.
    d.profiles.changed([{ tenantId, userId }])
    await d.live.dropBaskets(tenantId, shopperBaskets(userId, d.clock().getTime()))
    await d.recommendations.forgetShopper(tenantId, userId)
    d.log.info('shopper erased', { tenantId, events, exposures, hadProfile })
    return true
  }

  return {
    /** The shopper's profile summary, or 404 when this tenant stores none for them. */
    async summary(tenantId: string, userId: string) {
      const s = await profileSummary(d.raw, tenantId, userId, SUMMARY_RECENT)
      if (!s) throw new NotFound(`No shopper "${userId}"`)
      return { userId, eventCount: s.eventCount, purchasedCount: s.purchasedCount, updatedAt: s.updatedAt, traits: s.traits,
        recent: s.recent.map((r) => ({ productId: r.productId, eventType: r.eventType, timestamp: new Date(r.ts).toISOString() })) }
    },

    /**
     * Merges traits into the shopper's profile (a null removes one); segments read them at once: every
     * instance drops its cached profile. Refused (400) when the shopper would hold more than MAX_TRAITS.
     */
    async setTraits(tenantId: string, userId: string, traits: Record<string, string | number | boolean | null>) {
      const merged = await mergeTraits(d.raw, tenantId, userId, traits)
      if (!merged) throw new ValidationFailed(`A shopper holds at most ${MAX_TRAITS} traits; remove some (set them to null) first`, [{ field: 'traits', message: `would pass ${MAX_TRAITS} traits` }])
      d.profiles.changed([{ tenantId, userId }])
      return { userId, traits: merged as Record<string, string | number | boolean> }
    },

    /**
     * Starts erasing the shopper, or joins the erasure under way for them; resolves once it is started.
     * 404 when the tenant stores nothing for that userId (never seen, or erased already): every
     * event stores a profile (an import's once the import folds it: until then its rows waiting for
     * the fold say so), and an erasure deletes the profile last.
     */
    async requestErasure(tenantId: string, userId: string): Promise<void> {
      const k = `${tenantId}\u0000${userId}`
      if (pending.has(k)) return
      if (stopping) throw new ServiceUnavailable('This instance is shutting down; retry the erasure', 2)
      if (pending.size >= MAX_PENDING) throw new ServiceUnavailable('Too many erasures waiting on this instance; retry shortly', 5)
      // A shopper known so far only from a running import has events but no profile until the import folds them.
      if (!(await profileExists(d.raw, tenantId, userId)) && !(await importHoldsShopper(d.raw, tenantId, userId))) {
        throw new NotFound(`No shopper "${userId}" (nothing stored, or erased already)`)
      }
      if (pending.has(k)) return // another request started it meanwhile
      // Recorded before it starts: if this process dies, a worker finishes it. Held elsewhere: under way there.
      if (!(await startErasure(d.raw, tenantId, userId, lease()))) return
      run(tenantId, userId)
    },

    /**
     * Takes over erasures nobody holds (their process died, or stopped midway) and runs them here;
     * returns how many it took. The model worker calls it every poll.
     */
    async resumeErasures(): Promise<number> {
      let taken = 0
      while (!stopping && pending.size < MAX_RUNNING) {
        const next = await claimStaleErasures(d.raw, lease(), MAX_RUNNING - pending.size)
        if (!next.length) break
        for (const e of next) run(e.tenantId, e.userId)
        taken += next.length
      }
      return taken
    },

    /** Resumes stale erasures every `everyMs` (worker processes, and the API process on the embedded default). */
    startResuming(everyMs: number) {
      resuming ??= setInterval(() => { this.resumeErasures().catch((error) => d.log.warn('could not resume erasures', { error })) }, everyMs)
    },

    /** Resolves when every erasure started so far has finished (tests; shutdown). */
    async settled(): Promise<void> {
      while (pending.size) await Promise.all(pending.values())
    },

    /** Stops between batches (the profiles of unfinished erasures stay, see above) and waits for the batches out. */
    async stop() {
      stopping = true
      if (resuming) clearInterval(resuming)
      for (const next of turns.splice(0)) next()
      await this.settled()
    },
  }
}
export type ShopperService = ReturnType<typeof createShopperService>
