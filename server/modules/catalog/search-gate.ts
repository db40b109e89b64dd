// Substring search is the one catalog read whose cost a caller controls, and
// the public read key can call it. Per tenant and per instance, one search
// runs at a time and a few wait their turn; more are refused at once, so a
// tenant flooding searches queues behind itself, never in front of others.
// After each search the lane rests in proportion to how long it ran, so a
// tenant's searches keep at most `busyShare` of one database connection busy.
import { TooManyRequests } from '../../errors.ts'

export interface SearchGateLimits {
  running: number
  waiting: number
  /** Share of time a tenant's lane may spend searching (0–1]: after a search of d ms it rests d·(1/busyShare − 1) ms. */
  busyShare: number
}
const DEFAULT_SEARCH_LIMITS: SearchGateLimits = { running: 1, waiting: 4, busyShare: 0.5 }

/** Time, injected: `now` in ms, and `after` to run a function later (setTimeout in the app, by hand in tests). */
export interface GateClock { now: () => number; after: (ms: number, fn: () => void) => void }
const realClock: GateClock = { now: () => performance.now(), after: (ms, fn) => { setTimeout(fn, ms) } }

interface Lane { running: number; waiting: (() => void)[] }

export function searchGate(limits: SearchGateLimits = DEFAULT_SEARCH_LIMITS, clock: GateClock = realClock) {
  const lanes = new Map<string, Lane>()
  const release = (tenantId: string, lane: Lane) => {
    const next = lane.waiting.shift()
    if (next) next() // the slot passes straight to the next in line
    else if (--lane.running === 0) lanes.delete(tenantId)
  }
  return {
    /** Runs `search` when the tenant's lane has room, or throws 429 (Retry-After 1) when its queue is full. */
    async run<T>(tenantId: string, search: () => Promise<T>): Promise<T> {
      let lane = lanes.get(tenantId)
      if (!lane) { lane = { running: 0, waiting: [] }; lanes.set(tenantId, lane) }
      if (lane.running < limits.running) lane.running++
      else if (lane.waiting.length < limits.waiting) await new Promise<void>((resolve) => lane!.waiting.push(resolve))
      else throw new TooManyRequests(`Too many catalog searches at once for this tenant (at most ${limits.running} running and ${limits.waiting} waiting); retry shortly`, 1)
      const started = clock.now()
      try {
        return await search()
      } finally {
        const rest = (clock.now() - started) * (1 / limits.busyShare - 1)
        if (rest > 0) clock.after(rest, () => release(tenantId, lane))
        else release(tenantId, lane)
      }
    },
    /** Searches running (or resting) and waiting for a tenant (for tests and metrics). */
    load(tenantId: string) {
      const lane = lanes.get(tenantId)
      return { running: lane?.running ?? 0, waiting: lane?.waiting.length ?? 0 }
    },
  }
}
export type SearchGate = ReturnType<typeof searchGate>
