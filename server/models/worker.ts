// Keeps models fresh: every few seconds it asks the database which tenants are
// due (never built, a build requested — e.g. the catalog changed —, an
// incremental refresh when users had new events, or the daily full rebuild)
// and builds them one at a time. Runs inside the API process on the embedded
// default, or alone as `bun server/worker.ts` beside stateless API instances.
import type { RawSql } from '../../db/client.ts'
import { tenantsDue } from '../../db/queries/models.ts'
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

  /** Builds every tenant that is due now; returns how many it built. */
  async runOnce(): Promise<number> {
    const now = this.clock().getTime()
    const due = await tenantsDue(this.raw, new Date(now - this.opts.refreshMinutes * 60_000), new Date(now - this.opts.fullRebuildHours * 3600_000))
    let built = 0
    for (const tenantId of due) {
      if (this.stopped) break
      try {
        if (await this.store.build(tenantId)) { built++; this.builds++ }
      } catch { /* logged by the store; the next tick retries */ }
    }
    return built
  }

  async stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
