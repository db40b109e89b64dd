// Builds follow the data. A new tenant's first build runs on its catalog alone (the upload
// asks for it), and the regular refresh comes every MODEL_REFRESH_MINUTES: its first
// collaborative model would wait that long after its first events. Instead, a tenant's
// stored events ask for a build, debounced (`debounceMs` after the first of a burst, so
// one build takes a whole burst in), when its model was built on no interactions or the
// events since have at least doubled what it was built on (a young store outgrowing its
// model); past that the regular refresh is the right pace. Each instance counts the events
// it stored itself, and only those stored after the current model's build began (a build
// asked for meanwhile, by the API or the refresh, took the earlier ones in); the build
// request is the shared one in the database, and the build lease keeps it to one build at a time.
import type { RawSql } from '../../db/client.ts'
import { modelStatus } from '../../db/queries/models.ts'
import type { Logger } from '../logger.ts'

/** Runs `fn` after `ms`; returns what cancels it. A parameter so tests step it. */
export type Defer = (fn: () => void, ms: number) => () => void
const realDefer: Defer = (fn, ms) => { const t = setTimeout(fn, ms); return () => clearTimeout(t) }

export interface BuildFollowerOptions {
  debounceMs: number
  /** Fewer new events than this never ask for a rebuild of a model that has interactions. */
  minEvents: number
}

export const DEFAULT_FOLLOW: BuildFollowerOptions = { debounceMs: 10_000, minEvents: 50 }

export class BuildFollower {
  /** Tenants with a check scheduled, and the events stored since it was: [when, how many] per stored group. */
  private waiting = new Map<string, { stored: [number, number][]; cancel: () => void }>()
  /** Per tenant, the model version last seen and the events this instance stored since. */
  private since = new Map<string, { version: string | null; events: number }>()
  private stopped = false

  constructor(private d: { raw: RawSql; askForBuild: (tenantId: string) => Promise<void>; log: Logger; defer?: Defer; now?: () => number },
    private opts: BuildFollowerOptions = DEFAULT_FOLLOW) {}

  /** Told of every stored group of events (after commit); cheap: a map update per tenant. */
  eventsStored(events: readonly { tenantId: string }[]) {
    if (this.stopped) return
    const at = (this.d.now ?? Date.now)()
    for (const { tenantId } of events) {
      const w = this.waiting.get(tenantId)
      if (w) {
        const last = w.stored[w.stored.length - 1]!
        if (last[0] === at) last[1]++
        else w.stored.push([at, 1])
        continue
      }
      const cancel = (this.d.defer ?? realDefer)(() => void this.check(tenantId), this.opts.debounceMs)
      this.waiting.set(tenantId, { stored: [[at, 1]], cancel })
    }
  }

  /** Tenants with a check scheduled (for tests and diagnostics). */
  get scheduled(): string[] { return [...this.waiting.keys()] }

  /** Runs every scheduled check now. */
  async flush() { await Promise.all([...this.waiting.keys()].map((t) => { this.waiting.get(t)!.cancel(); return this.check(t) })) }

  stop() { this.stopped = true; for (const w of this.waiting.values()) w.cancel(); this.waiting.clear() }

  private async check(tenantId: string) {
    const w = this.waiting.get(tenantId)
    if (!w) return
    this.waiting.delete(tenantId)
    try {
      const row = await modelStatus(this.d.raw, tenantId)
      const version = row?.version ?? null
      let seen = this.since.get(tenantId)
      if (!seen || seen.version !== version) this.since.set(tenantId, (seen = { version, events: 0 }))
      const builtAt = row?.built_at ? new Date(row.built_at).getTime() : null
      // A model's build reads the events stored before it began (built_at): those are in it already.
      for (const [at, n] of w.stored) if (builtAt === null || at > builtAt) seen.events += n
      const pending = !!row && (row.status === 'building' || (row.requested_at !== null && (builtAt === null || new Date(row.requested_at).getTime() > builtAt)))
      if (pending) return // the build under way or asked for takes these events in
      const builtOn = (row?.stats as { interactions?: number } | null)?.interactions ?? 0
      if (version !== null && builtOn > 0 && seen.events < Math.max(this.opts.minEvents, builtOn)) return
      seen.events = 0
      await this.d.askForBuild(tenantId)
    } catch (error) {
      this.d.log.warn('could not check whether new events call for a model build', { tenantId, error })
    }
  }
}
