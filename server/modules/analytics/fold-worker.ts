// Keeps the weekly folds current (see fold.ts): at start-up and every poll it
// compares analytics_daily's weekly totals with what each fold recorded and
// refolds what moved, a week at a time. Each pass checks the current and the
// previous week (where a day closes and stragglers land); the whole history
// at start-up and hourly after that (late imports into older weeks: until
// then, reads of those weeks fall back to the daily rows, still exact).
// Runs beside the model worker: inside the API process on the embedded
// default, or in `bun server/worker.ts`; several instances may run it, a
// per-week lock in the database keeps them from folding the same week twice.
import type { RawSql } from '../../../db/client.ts'
import { foldWeek, weekFoldStates, weeklyDailyTotals } from '../../../db/queries/analytics.ts'
import type { Logger } from '../../logger.ts'
import { lastClosedDay, recentWeeksFrom, weeksToFold } from './fold.ts'

export interface FoldWorkerOptions { pollMs: number; fullPassMs: number; graceMs: number }
const DEFAULT_FOLD_OPTIONS: FoldWorkerOptions = { pollMs: 15 * 60_000, fullPassMs: 60 * 60_000, graceMs: 10 * 60_000 }

export class FoldWorker {
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  /** When the last whole-history pass began (ms; it finished without a failure). */
  private fullPassAt = -Infinity

  constructor(private raw: RawSql, private log: Logger, private clock: () => Date, private opts: FoldWorkerOptions = DEFAULT_FOLD_OPTIONS) {}

  start() {
    this.stopped = false
    const tick = async () => {
      this.timer = undefined
      if (this.running) return
      this.running = this.runOnce().then(() => {}, (error) => { this.log.error('analytics fold failed', { error }) })
      await this.running
      this.running = undefined
      if (!this.stopped && !this.timer) this.timer = setTimeout(tick, this.opts.pollMs)
    }
    this.timer = setTimeout(tick, 0)
  }

  /**
   * One pass: folds every week that needs it; returns how many it folded.
   * Costs two small aggregates when nothing moved.
   */
  async runOnce(): Promise<number> {
    const now = this.clock()
    const full = now.getTime() - this.fullPassAt >= this.opts.fullPassMs
    const since = full ? null : recentWeeksFrom(now)
    const lastDay = lastClosedDay(now, this.opts.graceMs)
    const [totals, states] = await Promise.all([weeklyDailyTotals(this.raw, since, lastDay), weekFoldStates(this.raw, since)])
    let folded = 0
    let failed = 0
    for (const task of weeksToFold(totals, states, lastDay)) {
      if (this.stopped) return folded
      const t0 = performance.now()
      try {
        if (await foldWeek(this.raw, task.tenantId, task.week, task.through)) {
          folded++
          this.log.debug('analytics week folded', { ...task, ms: Math.round(performance.now() - t0) })
        }
      } catch (error) {
        // Readers use the daily rows for this week meanwhile; the next pass retries it.
        failed++
        this.log.error('analytics week fold failed', { ...task, error })
      }
    }
    if (full && !failed) this.fullPassAt = now.getTime()
    if (folded) this.log.info('analytics weeks folded', { count: folded, full })
    return folded
  }

  async stop() {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.running
  }
}
