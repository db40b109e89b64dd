// Periodic duties shared by every process (tenant purge hourly, retention daily): each process
// ticks, and a duty runs where its lease is claimed (db/queries/duties.ts), once per period
// across the fleet however many API and worker processes there are. On the embedded database
// (one process) the same claim simply always succeeds when the duty is due.
import type { RawSql } from '../../db/client.ts'
import { claimDuty, releaseDuty, renewDuty } from '../../db/queries/duties.ts'
import type { Logger } from '../logger.ts'
import { newHolderId, whileLeased } from './lease.ts'

export interface Duty { name: string; everyMs: number; run: () => Promise<void> }
export interface DutyOptions { tickMs: number; leaseMs: number }

export class DutyScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<unknown> | undefined
  private stopped = false
  readonly holder = newHolderId()

  constructor(private raw: RawSql, private duties: Duty[], private log: Logger, private clock: () => Date, private opts: DutyOptions) {}

  start() {
    this.stopped = false
    const tick = async () => {
      this.running = this.runOnce().catch((error) => this.log.error('background duties tick failed', { error }))
      await this.running
      this.running = undefined
      if (!this.stopped) this.timer = setTimeout(tick, this.opts.tickMs)
    }
    this.timer = setTimeout(tick, 0)
  }

  /** Runs every duty that is due and not claimed elsewhere; returns the names it ran. */
  async runOnce(): Promise<string[]> {
    const ran: string[] = []
    for (const duty of this.duties) {
      if (this.stopped) break
      const lease = () => ({ holder: this.holder, now: this.clock(), leaseMs: this.opts.leaseMs })
      if (!(await claimDuty(this.raw, duty.name, duty.everyMs, lease()))) continue
      let done = false
      try {
        await whileLeased(this.opts.leaseMs, () => renewDuty(this.raw, duty.name, lease()), this.log, () => duty.run())
        done = true
        ran.push(duty.name)
      } catch (error) {
        this.log.error('background duty failed; retried at the next tick', { duty: duty.name, error })
      } finally {
        await releaseDuty(this.raw, duty.name, this.holder, this.clock(), done).catch((error) => this.log.warn('could not release a duty lease; it expires', { duty: duty.name, error }))
      }
    }
    return ran
  }

  async stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
