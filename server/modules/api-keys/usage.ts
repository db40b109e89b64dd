// API-key usage (FR-009) is counted in memory and written in batches, one
// statement per flush, instead of a database write on every request.
import { addKeyUsage } from '../../../db/queries/api-keys.ts'
import type { Db } from '../../../db/client.ts'
import type { Logger } from '../../logger.ts'

export class UsageRecorder {
  private pending = new Map<string, { count: number; lastUsedAt: Date }>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(private db: Db, private log: Logger, private clock: () => Date, flushEveryMs = 5000) {
    if (flushEveryMs > 0) {
      this.timer = setInterval(() => void this.flush(), flushEveryMs)
      ;(this.timer as { unref?: () => void }).unref?.()
    }
  }

  record(keyId: string) {
    const u = this.pending.get(keyId)
    if (u) { u.count++; u.lastUsedAt = this.clock() } else this.pending.set(keyId, { count: 1, lastUsedAt: this.clock() })
  }

  async flush() {
    if (!this.pending.size) return
    const batch = [...this.pending].map(([id, u]) => ({ id, ...u }))
    this.pending.clear()
    try {
      await addKeyUsage(this.db, batch)
    } catch (error) {
      // Put the counts back so the next flush carries them.
      for (const u of batch) {
        const cur = this.pending.get(u.id)
        if (cur) { cur.count += u.count; if (u.lastUsedAt > cur.lastUsedAt) cur.lastUsedAt = u.lastUsedAt } else this.pending.set(u.id, { count: u.count, lastUsedAt: u.lastUsedAt })
      }
      this.log.warn('api key usage flush failed; will retry', { error })
    }
  }

  async close() {
    if (this.timer) clearInterval(this.timer)
    await this.flush()
  }
}
