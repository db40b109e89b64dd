// Usage is counted in memory and written in batches, one statement per
// flush, instead of a database write on every request: per API key the
// request count and last use (FR-009), and per tenant, UTC day and key the
// figures a platform bills its own customers by (usage_daily): API calls,
// events ingested, recommendation requests.
import { addKeyUsage, addDailyUsage, NO_KEY, type DailyUsage } from '../../../db/queries/api-keys.ts'
import type { Db } from '../../../db/client.ts'
import type { Logger } from '../../logger.ts'
import { dayOf } from '../../dates.ts'

export type UsageFigure = 'apiCalls' | 'eventsIngested' | 'recommendationRequests'

export class UsageRecorder {
  private pending = new Map<string, { tenantId: string; count: number; lastUsedAt: Date }>()
  private daily = new Map<string, DailyUsage>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(private db: Db, private log: Logger, private clock: () => Date, flushEveryMs = 5000) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush(), flushEveryMs)
      ;(this.timer as { unref?: () => void }).unref?.()
    }
  }

  /** One authenticated request of an API key of `tenantId`. */
  record(keyId: string, tenantId: string) {
    const u = this.pending.get(keyId)
    if (u) { u.count++; u.lastUsedAt = this.clock() } else this.pending.set(keyId, { tenantId, count: 1, lastUsedAt: this.clock() })
    this.tally(tenantId, keyId, 'apiCalls')
  }

  /** Adds `n` to a tenant's figure for today; `keyId` undefined: a member's token or an account key. */
  tally(tenantId: string, keyId: string | undefined, figure: UsageFigure, n = 1) {
    if (n <= 0) return
    const day = this.today()
    const key = `${tenantId}|${day}|${keyId ?? NO_KEY}`
    let u = this.daily.get(key)
    if (!u) this.daily.set(key, (u = { tenantId, day, keyId: keyId ?? NO_KEY, apiCalls: 0, eventsIngested: 0, recommendationRequests: 0 }))
    u[figure] += n
  }

  // The UTC day, formatted once per day rather than on every request (this runs on every keyed request).
  private day = { from: 0, to: -1, name: '' }
  private today(): string {
    const ms = this.clock().getTime()
    if (ms < this.day.from || ms >= this.day.to) {
      const from = ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000)
      this.day = { from, to: from + 86_400_000, name: dayOf(new Date(from)) }
    }
    return this.day.name
  }

  async flush() {
    if (this.pending.size) {
      const batch = [...this.pending].map(([id, u]) => ({ id, ...u }))
      this.pending.clear()
      try {
        await addKeyUsage(this.db, batch)
      } catch (error) {
        // Put the counts back so the next flush carries them.
        for (const u of batch) {
          const cur = this.pending.get(u.id)
          if (cur) { cur.count += u.count; if (u.lastUsedAt > cur.lastUsedAt) cur.lastUsedAt = u.lastUsedAt } else this.pending.set(u.id, { tenantId: u.tenantId, count: u.count, lastUsedAt: u.lastUsedAt })
        }
        this.log.warn('api key usage flush failed; will retry', { error })
      }
    }
    if (this.daily.size) {
      const rows = [...this.daily.values()]
      this.daily.clear()
      try {
        await addDailyUsage(this.db, rows)
      } catch (error) {
        for (const r of rows) {
          const key = `${r.tenantId}|${r.day}|${r.keyId}`
          const cur = this.daily.get(key)
          if (cur) { cur.apiCalls += r.apiCalls; cur.eventsIngested += r.eventsIngested; cur.recommendationRequests += r.recommendationRequests } else this.daily.set(key, r)
        }
        this.log.warn('daily usage flush failed; will retry', { error })
      }
    }
  }

  async close() {
    if (this.timer) clearInterval(this.timer)
    await this.flush()
  }
}
