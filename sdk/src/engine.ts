// The SDK behind window.RecomEngine: finds placements, loads each when it nears the
// viewport, renders it (or hands the items to onRecommendations callbacks), tracks
// impressions and clicks, and polls each placement's widget settings so a saved change
// reaches open pages without a reload. fetch, storage and the window are injected, so
// unit tests run it without a browser.
import { armOf, loadBucketer, weightedArmOf, type Bucketer } from './bucket.ts'
import { createClient, type Item, type Recommendations } from './client.ts'
import { anonymousId, randomId, sessionIdOf, type KeyValueStorage } from './identity.ts'
import { render, type RenderedCard, type WidgetConfig } from './render.ts'

export interface Options {
  apiKey: string
  /** The API origin; the script's own origin by default. */
  apiBase: string
  /** The merchant's id for the shopper; an anonymous first-party id otherwise. */
  userId?: string
  /** How often placements re-read their widget settings (ms); at most 60 s so changes land within a minute. */
  pollInterval?: number
  /** Milliseconds before an API call is abandoned (the widget then stays empty). */
  timeout?: number
  /** ISO 4217 code for prices, e.g. "EUR"; plain numbers otherwise. */
  currency?: string
}

export interface Env {
  fetch: typeof fetch
  storage?: KeyValueStorage
  /** Per-tab storage for the session id (sessionStorage). */
  session?: KeyValueStorage
  /** The page; absent in headless use (only the JavaScript API then works). */
  window?: Window & typeof globalThis
  /** The bucket kernel as base64 (inlined by the build). */
  wasm?: string
}

export interface RecommendationsEvent { placement: string; items: Item[]; strategy: string; requestId: string; element: HTMLElement }
type Callback = (e: RecommendationsEvent) => void

interface Slot { el: HTMLElement; placement: string; config?: WidgetConfig; configJson?: string; result?: Recommendations; cards: RenderedCard[] }

// 45 s: a saved change lands within the promised minute, with room for the request itself.
export const DEFAULT_POLL_MS = 45_000
const SELECTOR = '[data-recomengine-placement]'
const IMPRESSION_MS = 1000

export function createEngine(options: Options, env: Env) {
  // Options may arrive with undefined fields (absent data attributes): defaults fill those too.
  const o = { ...options, timeout: Number(options.timeout) || 5000 }
  // Never slower than the 60 s promise, never a busy loop.
  const pollMs = Math.min(60_000, Math.max(500, Number(o.pollInterval) || DEFAULT_POLL_MS))
  const client = createClient({ apiBase: o.apiBase.replace(/\/+$/, ''), apiKey: o.apiKey, timeout: o.timeout, fetch: env.fetch })
  const userId = o.userId || anonymousId(env.storage)
  const sessionId = sessionIdOf(env.session)
  const win = env.window
  const doc = win?.document
  const slots = new Map<HTMLElement, Slot>()
  const callbacks: { fn: Callback; placement?: string }[] = []
  const impressed = new Set<string>()
  const timers = new Map<Element, ReturnType<typeof setTimeout>>()
  const cardOf = new Map<Element, { slot: Slot; card: RenderedCard }>()
  let pending: object[] = []
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let bucketer: Promise<Bucketer> | undefined
  const experiments = new Map<string, Promise<any>>()
  const plain = { minimumFractionDigits: 2, maximumFractionDigits: 2 }
  let price: Intl.NumberFormat
  // A mistyped currency code throws here; plain numbers are better than no widget.
  try { price = new Intl.NumberFormat(undefined, o.currency ? { style: 'currency', currency: o.currency } : plain) } catch { price = new Intl.NumberFormat(undefined, plain) }

  // Every event carries an idempotency key: a retry (or a replayed queue) is then stored once.
  const event = (eventType: string, slot: Slot, card: RenderedCard) => ({
    eventId: randomId(), eventType, userId, sessionId, productId: card.item.productId, placement: slot.placement, strategy: slot.result?.strategy || undefined,
    metadata: { position: card.position, requestId: slot.result?.requestId },
  })

  function flush() {
    clearTimeout(flushTimer)
    flushTimer = undefined
    // /track takes at most 50 events per call.
    while (pending.length) void client.track(pending.splice(0, 50))
  }
  function queue(e: object) {
    pending.push(e)
    flushTimer ??= setTimeout(flush, 250)
  }

  // A card counts as seen once it has been at least half visible for a full second.
  const cardObserver = win?.IntersectionObserver && new win.IntersectionObserver((entries) => {
    for (const en of entries) {
      clearTimeout(timers.get(en.target))
      timers.delete(en.target)
      const known = cardOf.get(en.target)
      if (!known || en.intersectionRatio < 0.5) continue
      timers.set(en.target, setTimeout(() => {
        const key = `${known.slot.placement}\u0000${known.card.item.productId}`
        if (impressed.has(key)) return
        impressed.add(key)
        queue(event('recommendation_impressed', known.slot, known.card))
      }, IMPRESSION_MS))
    }
  }, { threshold: [0, 0.5] })

  const headless = (placement: string) => callbacks.filter((c) => c.placement === undefined || c.placement === placement)

  function show(slot: Slot) {
    const r = slot.result
    if (!slot.config || !r) return
    for (const old of slot.cards) {
      cardObserver?.unobserve(old.el)
      clearTimeout(timers.get(old.el))
      cardOf.delete(old.el)
    }
    slot.cards = []
    const hooks = headless(slot.placement)
    if (hooks.length) {
      for (const h of hooks) {
        try { h.fn({ placement: slot.placement, items: r.items, strategy: r.strategy, requestId: r.requestId, element: slot.el }) } catch { /* the merchant's callback */ }
      }
      return
    }
    slot.cards = render(slot.el, slot.config, r.items, (n) => price.format(n)) ?? []
    for (const card of slot.cards) {
      cardOf.set(card.el, { slot, card })
      cardObserver?.observe(card.el)
      // Sent before the navigation starts; keepalive lets it finish after.
      card.link?.addEventListener('click', () => { queue(event('recommendation_clicked', slot, card)); flush() })
    }
    if (slot.cards.length) slot.el.dispatchEvent(new CustomEvent('recomengine:render', { bubbles: true, detail: { placement: slot.placement, items: r.items.slice(0, slot.config.limit), strategy: r.strategy } }))
  }

  async function readConfig(slot: Slot): Promise<boolean> {
    const body = await client.get(`/api/v1/widgets/${encodeURIComponent(slot.placement)}`)
    const config: WidgetConfig | undefined = body?.data?.config
    if (!config || typeof config !== 'object' || !config.theme) return false
    const json = JSON.stringify(config)
    if (json === slot.configJson && slot.result) return false
    const refetch = !slot.result || !slot.config || slot.config.limit !== config.limit || slot.config.strategy !== config.strategy
    slot.config = config
    slot.configJson = json
    if (refetch) {
      const ds = slot.el.dataset
      const r = await client.recommend({
        userId, placement: slot.placement, productId: ds.productId, context: ds.context, cartProductIds: ds.cartProductIds, limit: config.limit, strategy: config.strategy,
      })
      // A failed refresh keeps what is on screen; a failed first load leaves the container empty.
      if (r) slot.result = r
    }
    return true
  }

  const load = (slot: Slot) => readConfig(slot).then((changed) => { if (changed) show(slot) }, () => {})

  const placementObserver = win?.IntersectionObserver && new win.IntersectionObserver((entries) => {
    for (const en of entries) {
      if (!en.isIntersecting) continue
      placementObserver!.unobserve(en.target)
      const slot = slots.get(en.target as HTMLElement)
      if (slot) void load(slot)
    }
  }, { rootMargin: '300px' })

  function scan() {
    doc?.querySelectorAll<HTMLElement>(SELECTOR).forEach((el) => {
      const placement = el.dataset.recomenginePlacement
      if (slots.has(el) || !placement) return
      const slot: Slot = { el, placement, cards: [] }
      slots.set(el, slot)
      if (placementObserver) placementObserver.observe(el)
      else void load(slot)
    })
  }

  let started = false
  let poller: ReturnType<typeof setInterval> | undefined
  let mutations: MutationObserver | undefined

  return {
    userId,
    /** Starts rendering the page's placements (and the ones added later). */
    start() {
      if (started || !win || !doc) return
      started = true
      const go = () => {
        scan()
        mutations = new win.MutationObserver(scan)
        mutations.observe(doc.documentElement, { childList: true, subtree: true })
      }
      if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', go)
      else go()
      poller = setInterval(() => {
        if (doc.hidden) return
        for (const slot of slots.values()) if (slot.config) void load(slot)
      }, pollMs)
      win.addEventListener('pagehide', flush)
    },
    stop() {
      clearInterval(poller)
      mutations?.disconnect()
      cardObserver?.disconnect()
      placementObserver?.disconnect()
      flush()
    },

    async getRecommendations(q: { placement?: string; productId?: string; limit?: number; strategy?: string; context?: string; cartProductIds?: string } = {}): Promise<Item[]> {
      return (await client.recommend({ ...q, userId }))?.items ?? []
    },

    /** Headless rendering: the callback gets the items, and the SDK draws nothing for those placements. */
    onRecommendations(fn: Callback, placement?: string) {
      if (typeof fn !== 'function') return
      callbacks.push({ fn, placement })
      // Placements already shown are handed over too, so registering late still works.
      for (const slot of slots.values()) {
        if (slot.result && (placement === undefined || placement === slot.placement)) {
          slot.el.shadowRoot?.replaceChildren()
          show(slot)
        }
      }
    },

    /** Sends one browser event (product_viewed, add_to_cart, …) for this shopper. */
    track(e: { eventType: string; productId: string; [k: string]: unknown }): Promise<boolean> {
      if (!e || typeof e !== 'object') return Promise.resolve(false)
      return client.track([{ eventId: randomId(), userId, sessionId, ...e }])
    },

    /** This shopper's arm (its key: 'control' | 'variant', or a variants key) of a running experiment, computed here exactly as the server does; null otherwise. */
    async getVariant(experimentId: string): Promise<string | null> {
      const id = String(experimentId)
      let p = experiments.get(id)
      if (!p) experiments.set(id, (p = client.get(`/api/v1/experiments/${encodeURIComponent(id)}`)))
      const e = (await p)?.data
      if (!e) experiments.delete(id)
      if (e?.status !== 'running' || typeof e.trafficSplit !== 'number') return null
      bucketer ??= loadBucketer(env.wasm)
      const b = (await bucketer)(id, userId)
      // The arm's key: by the variants' weights when it has them, else the two-arm split.
      return e.variants ? weightedArmOf(b, e.variants) : armOf(b, e.trafficSplit)
    },
  }
}
export type Engine = ReturnType<typeof createEngine>
