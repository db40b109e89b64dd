// Retries for a fetch: 429 (a rate limit) and 503 (the database unreachable
// or a query cut off) are answered before anything is stored, so sending the
// same request again is safe; the server says when in Retry-After, which wins
// over our own exponential backoff. Network failures are retried only for
// methods that are safe to repeat.

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 = none). */
  retries?: number
  /** First backoff when the server gives no Retry-After, doubled each retry (default 500 ms). */
  baseDelayMs?: number
  /** Longest wait before a retry, Retry-After included (default 30 s). */
  maxDelayMs?: number
  /** Statuses worth retrying (default 429 and 503). */
  statuses?: number[]
  /** Waits; injectable so tests move time instead of sleeping. */
  sleep?: (ms: number) => Promise<void>
  /** 0 ≤ x < 1, for jitter; injectable for tests. */
  random?: () => number
  /** The current time (ms), to read an HTTP-date Retry-After. */
  now?: () => number
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])

/** Seconds or an HTTP date (RFC 9110 §10.2.3) → milliseconds from now, or undefined. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** The wait before retry number `attempt` (0-based): Retry-After, else exponential backoff with full jitter. */
export function backoffMs(attempt: number, retryAfter: number | undefined, o: Required<Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>>): number {
  if (retryAfter !== undefined) return Math.min(retryAfter, o.maxDelayMs)
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** attempt)
  // Full jitter (half fixed, half random) keeps many clients limited at once from retrying in step.
  return Math.round(ceiling / 2 + (ceiling / 2) * o.random())
}

/** `fetch` wrapped with retries. Each attempt sends a fresh clone of the request (a body is read once). */
export function retryingFetch(fetchImpl: (req: Request) => Promise<Response>, options: RetryOptions = {}): (req: Request) => Promise<Response> {
  const o = {
    retries: options.retries ?? 3, baseDelayMs: options.baseDelayMs ?? 500, maxDelayMs: options.maxDelayMs ?? 30_000,
    statuses: new Set(options.statuses ?? [429, 503]), sleep: options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    random: options.random ?? Math.random, now: options.now ?? Date.now,
  }
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= o.retries
      let res: Response
      try {
        res = await fetchImpl(last ? request : request.clone())
      } catch (error) {
        if (last || !IDEMPOTENT.has(request.method)) throw error
        await o.sleep(backoffMs(attempt, undefined, o))
        continue
      }
      if (last || !o.statuses.has(res.status)) return res
      const wait = backoffMs(attempt, retryAfterMs(res.headers.get('retry-after'), o.now()), o)
      await res.body?.cancel()
      await o.sleep(wait)
    }
  }
}
