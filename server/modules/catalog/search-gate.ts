// Substring search is the one catalog read whose cost a caller controls, and
// the public read key can call it. Per tenant and per instance, one search
// runs at a time and a few wait their turn; more are refused at once, so a
// tenant flooding searches queues behind itself, never in front of others.
import { TooManyRequests } from '../../errors.ts'

export interface SearchGateLimits { running: number; waiting: number }
export const DEFAULT_SEARCH_LIMITS: SearchGateLimits = { running: 1, waiting: 4 }

interface Lane { running: number; waiting: (() => void)[] }

export function searchGate(limits: SearchGateLimits = DEFAULT_SEARCH_LIMITS) {
  const lanes = new Map<string, Lane>()
  return {
    /** Runs `search` when the tenant's lane has room, or throws 429 (Retry-After 1) when its queue is full. */
    async run<T>(tenantId: string, search: () => Promise<T>): Promise<T> {
      let lane = lanes.get(tenantId)
      if (!lane) { lane = { running: 0, waiting: [] }; lanes.set(tenantId, lane) }
      if (lane.running < limits.running) lane.running++
      else if (lane.waiting.length < limits.waiting) await new Promise<void>((resolve) => lane!.waiting.push(resolve)) // the finisher hands over its slot
      else throw new TooManyRequests(`Too many catalog searches at once for this tenant (at most ${limits.running} running and ${limits.waiting} waiting); retry shortly`, 1)
      try {
        return await search()
      } finally {
        const next = lane.waiting.shift()
        if (next) next()
        else if (--lane.running === 0) lanes.delete(tenantId)
      }
    },
    /** Searches running and waiting for a tenant (for tests and metrics). */
    load(tenantId: string) {
      const lane = lanes.get(tenantId)
      return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 }
    },
  }
}
export type SearchGate = ReturnType<typeof searchGate>
