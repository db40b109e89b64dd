// The SDK's public API (init, getRecommendations, onRecommendations, track,
// getVariant), one engine per page, shared by both builds: the script tag's
// window.RecomEngine (index.ts) and the ESM package's named exports
// (module.ts). Nothing here runs on import, so a bundler drops what an app
// does not call, and importing it where there is no window (SSR) is safe.
import { createEngine, type Engine, type Options } from './engine.ts'

declare const __BUCKET_WASM__: string

export type Callback = Parameters<Engine['onRecommendations']>[0]
export type RecommendationQuery = Parameters<Engine['getRecommendations']>[0]
export type TrackedEvent = Parameters<Engine['track']>[0]
export type { Options }

export interface RecomEngineApi {
  init(options?: Partial<Options>): RecomEngineApi
  getRecommendations: Engine['getRecommendations']
  onRecommendations(fn: Callback, placement?: string): void
  track: Engine['track']
  getVariant: Engine['getVariant']
  /** The shopper id the SDK uses (the merchant's, or the anonymous one). */
  readonly userId: string | undefined
  push(fn: (re: RecomEngineApi) => void): void
}

// Reading either property throws where storage is blocked (sandboxed frames, some privacy modes).
function storage(w: Window | undefined, kind: 'localStorage' | 'sessionStorage') {
  try { return w?.[kind] } catch { return undefined }
}

/** `defaults` fills what init's options leave out (the script tag's data attributes). */
export function createSdk(defaults: () => Partial<Options>): RecomEngineApi {
  let engine: Engine | undefined
  const early: [Callback, string | undefined][] = []

  function init(options: Partial<Options> = {}): RecomEngineApi {
    try {
      if (engine) return api
      const w = typeof window === 'undefined' ? undefined : window
      const o = { apiBase: w?.location.origin ?? '', ...defaults(), ...options } as Options
      if (!o.apiKey) return api
      engine = createEngine(o, { fetch: globalThis.fetch.bind(globalThis), storage: storage(w, 'localStorage'), session: storage(w, 'sessionStorage'), window: w as Window & typeof globalThis, wasm: __BUCKET_WASM__ })
      for (const [fn, placement] of early.splice(0)) engine.onRecommendations(fn, placement)
      engine.start()
    } catch { /* never break the host page */ }
    return api
  }

  const api: RecomEngineApi = {
    init,
    getRecommendations: (q) => engine?.getRecommendations(q) ?? Promise.resolve([]),
    onRecommendations(fn, placement) {
      if (engine) engine.onRecommendations(fn, placement)
      else early.push([fn, placement])
    },
    track: (e) => engine?.track(e) ?? Promise.resolve(false),
    getVariant: (experimentId) => engine?.getVariant(experimentId) ?? Promise.resolve(null),
    get userId() { return engine?.userId },
    push(fn) {
      try { fn(api) } catch { /* the merchant's callback */ }
    },
  }
  return api
}
