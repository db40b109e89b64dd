// The script tag's entry point, built into one IIFE (sdk/dist/v1.js) whose only global
// is window.RecomEngine:
//
//   <script src="https://api.example.com/sdk/v1.js" data-api-key="rk_live_…" async></script>
//
// Pages may queue calls before the async script arrives:
//   window.RecomEngine = window.RecomEngine || []; RecomEngine.push(function (re) { … })
import { createEngine, type Engine, type Options } from './engine.ts'

declare const __BUCKET_WASM__: string

type Callback = Parameters<Engine['onRecommendations']>[0]

const w = window
const script = document.currentScript as HTMLScriptElement | null
const ds = script?.dataset ?? {}
const queued: unknown = (w as any).RecomEngine
let engine: Engine | undefined
const early: [Callback, string | undefined][] = []

// Reading either property throws where storage is blocked (sandboxed frames, some privacy modes).
function storage(kind: 'localStorage' | 'sessionStorage') {
  try { return w[kind] } catch { return undefined }
}

function init(options: Partial<Options> = {}): RecomEngineApi {
  try {
    if (engine) return api
    const o = {
      apiKey: ds.apiKey ?? '', userId: ds.userId, currency: ds.currency,
      apiBase: ds.apiBase || (script?.src ? new URL(script.src).origin : location.origin),
      pollInterval: Number(ds.pollInterval) || undefined, timeout: Number(ds.timeout) || undefined,
      ...options,
    }
    if (!o.apiKey) return api
    engine = createEngine(o, { fetch: w.fetch.bind(w), storage: storage('localStorage'), session: storage('sessionStorage'), window: w, wasm: __BUCKET_WASM__ })
    for (const [fn, placement] of early.splice(0)) engine.onRecommendations(fn, placement)
    engine.start()
  } catch { /* never break the host page */ }
  return api
}

interface RecomEngineApi { init: typeof init; [k: string]: unknown }

const api = {
  init,
  getRecommendations: (q?: Parameters<Engine['getRecommendations']>[0]) => engine?.getRecommendations(q) ?? Promise.resolve([]),
  onRecommendations(fn: Callback, placement?: string) {
    if (engine) engine.onRecommendations(fn, placement)
    else early.push([fn, placement])
  },
  track: (e: Parameters<Engine['track']>[0]) => engine?.track(e) ?? Promise.resolve(false),
  getVariant: (experimentId: string) => engine?.getVariant(experimentId) ?? Promise.resolve(null),
  /** The shopper id the SDK uses (the merchant's, or the anonymous one). */
  get userId() { return engine?.userId },
  push(fn: (re: RecomEngineApi) => void) {
    try { fn(api) } catch { /* the merchant's callback */ }
  },
}

;// A second copy of the script on the page leaves the first in charge (no double rendering or tracking).
if (typeof (queued as typeof api | undefined)?.init !== 'function') {
  ;(w as any).RecomEngine = api
  // Started first, so queued calls (track, getVariant…) find a running SDK.
  if (ds.apiKey) init()
  if (Array.isArray(queued)) for (const fn of queued) if (typeof fn === 'function') api.push(fn)
}
