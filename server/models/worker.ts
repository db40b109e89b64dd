// Keeps models fresh: every few seconds it asks the database which tenants are
// due (never built, a build requested — e.g. the catalog changed —, an
// incremental refresh when users had new events, or the daily full rebuild)
// and builds them one at a time, oldest due first. Runs inside the API process on
// the embedded default, or as any number of `bun server/worker.ts` processes beside
// stateless API instances: each claims a tenant with a build lease that is taken
// only while the tenant is still due (db/queries/models.ts), so N workers share
// the queue and build each due tenant once; a dead worker's lease expires.
import type { RawSql } from '../../db/client.ts'
import { buildQueue, tenantsDue, type BuildQueue, type DueRule } from '../../db/queries/models.ts'
import type { Logger } from '../logger.ts'
import type { ModelStore } from './store.ts'

export interface WorkerOptions { pollMs: number; refreshMinutes: number; fullRebuildHours: number }

export class ModelWorker {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  builds = 0

  constructor(private raw: RawSql, private store: ModelStore, private log: Logger, private clock: () => Date, private opts: WorkerOptions) {}

  start() {
    this.stopped = false
    const tick = async () => {
      this.timer = undefined
      if (this.running) return // a tick is in progress; it reschedules itself
      this.running = this.runOnce().catch((error) => { this.log.error('model worker tick failed', { error }) }).then(() => {})
      await this.running
      this.running = undefined
      if (!this.stopped && !this.timer) this.timer = setTimeout(tick, this.opts.pollMs)
    }
    this.tickNow = tick
    this.timer = setTimeout(tick, 0)
  }

  /** Runs a tick soon instead of at the next poll (a build was just requested). */
  kick() {
    if (this.stopped || !this.timer) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.tickNow(), 50)
  }

  private tickNow: () => Promise<void> = async () => {}

  private get due(): DueRule { return { refreshMs: this.opts.refreshMinutes * 60_000, fullMs: this.opts.fullRebuildHours * 3600_000 } }

  /**
   * Builds every tenant that is due now and that no other worker claims first, oldest due first
   * (the fairness rule: a tenant whose build is long is due again behind every tenant already
   * waiting); returns how many it built.
   */
  async runOnce(): Promise<number> {
    const due = await tenantsDue(this.raw, this.clock(), this.due)
    let built = 0
    for (const tenantId of due) {
      if (this.stopped) break
      try {
        if (await this.store.build(tenantId, this.due)) { built++; this.builds++ }
      } catch { /* logged by the store; the next tick retries */ }
    }
    return built
  }

  /** The fleet's build queue, as /metrics reports it. */
  queue(): Promise<BuildQueue> { return buildQueue(this.raw, this.clock(), this.due) }

  async stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
