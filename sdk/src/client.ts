// The SDK's only network code: GETs and tracking calls to the configured API origin
// (NFR-013), with the page's read key. Every failure (unreachable, timeout, 4xx/5xx,
// bad JSON) resolves to undefined/false: the SDK must never throw into the host page.

export interface ClientOptions {
  apiBase: string
  apiKey: string
  /** Milliseconds before a GET is abandoned. */
  timeout: number
  fetch: typeof fetch
}

export interface Item { productId: string; name: string; imageUrl: string | null; price: number | null; url: string | null; score: number; reason: string }
export interface Recommendations { items: Item[]; strategy: string; requestId: string; experiment?: { id: string; variant: string } }
export interface RecommendationQuery { placement?: string; productId?: string; limit?: number; strategy?: string; context?: string; cartProductIds?: string; userId: string }

export function createClient(o: ClientOptions) {
  const headers = { 'x-api-key': o.apiKey }

  async function get(path: string, query: Record<string, string | number | undefined> = {}): Promise<any> {
    const url = new URL(o.apiBase + path)
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), o.timeout)
    try {
      const res = await o.fetch(url.href, { headers, signal: abort.signal, credentials: 'omit' })
      return res.ok ? await res.json() : undefined
    } catch {
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    get,

    async recommend(q: RecommendationQuery): Promise<Recommendations | undefined> {
      const body = await get('/api/v1/recommendations', { ...q })
      const data: unknown = body?.data
      if (!Array.isArray(data)) return undefined
      return {
        // Only well-formed items are shown; a partial answer is better than none.
        items: data.filter((x) => x && typeof x.productId === 'string' && typeof x.name === 'string'),
        strategy: String(body.meta?.strategy ?? ''),
        requestId: String(body.meta?.requestId ?? ''),
        experiment: body.meta?.experiment,
      }
    },

    /**
     * Sends events with keepalive, so a click's event survives the navigation it starts.
     * (sendBeacon cannot carry the X-API-Key header; a keepalive fetch can.)
     */
    async track(events: object[]): Promise<boolean> {
      if (!events.length) return true
      try {
        const res = await o.fetch(`${o.apiBase}/api/v1/track`, {
          method: 'POST', keepalive: true, credentials: 'omit',
          headers: { ...headers, 'content-type': 'text/plain;charset=UTF-8' },
          body: JSON.stringify(events.length === 1 ? events[0] : events),
        })
        return res.ok
      } catch {
        return false
      }
    },
  }
}
export type Client = ReturnType<typeof createClient>
