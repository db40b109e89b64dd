// Per-tenant lists the serving path reads on every request (running experiments, segments, rules) are
// held a few seconds. Past that an entry is still served for a while as one refresh runs behind it, so a
// busy tenant's requests never wait on the database for a list that rarely changes: a change reaches
// every instance at once by pub/sub, and the TTL only bounds what a missed message leaves stale.
import type { InMemoryFirst } from './in-memory-first.ts'

/** How long past its TTL an entry is still served while it is refreshed; older, a request waits for the read. */
export const SERVE_STALE_MS = 60_000

export class ServingCache<V> {
  private entries = new Map<string, { value: V; until: number }>()
  private loading = new Map<string, Promise<V>>()

  constructor(
    private load: (key: string) => Promise<V>,
    private ttlMs: number,
    private staleMs = SERVE_STALE_MS,
    private now: () => number = Date.now,
  ) {}

  /** The value without a promise while held (fresh, or stale and being refreshed); else the read, awaited once however many ask. */
  get(key: string): InMemoryFirst<V> {
    const e = this.entries.get(key)
    const now = this.now()
    if (e && e.until > now) return e.value
    const pending = this.refresh(key)
    if (e && e.until + this.staleMs > now) {
      pending.catch(() => {}) // the entry in hand stays until a read succeeds or it is too old
      return e.value
    }
    return pending
  }

  /** Forgets the key's entry, and any read under way does not store what it found (it may predate the change). */
  forget(key: string) {
    this.entries.delete(key)
    this.loading.delete(key)
  }

  private refresh(key: string): Promise<V> {
    const under = this.loading.get(key)
    if (under) return under
    const p: Promise<V> = this.load(key).then(
      (value) => {
        if (this.loading.get(key) === p) this.entries.set(key, { value, until: this.now() + this.ttlMs })
        return value
      },
    ).finally(() => { if (this.loading.get(key) === p) this.loading.delete(key) })
    this.loading.set(key, p)
    return p
  }
}
