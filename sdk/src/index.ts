// The script tag's entry point, built into one IIFE (sdk/dist/v1.js) whose only global
// is window.RecomEngine:
//
//   <script src="https://api.example.com/sdk/v1.js" data-api-key="rk_live_…" async></script>
//
// Pages may queue calls before the async script arrives:
//   window.RecomEngine = window.RecomEngine || []; RecomEngine.push(function (re) { … })
import { createSdk } from './api.ts'

const w = window
const script = document.currentScript as HTMLScriptElement | null
const ds = script?.dataset ?? {}
const queued: unknown = (w as any).RecomEngine

const api = createSdk(() => ({
  apiKey: ds.apiKey ?? '', userId: ds.userId, currency: ds.currency,
  apiBase: ds.apiBase || (script?.src ? new URL(script.src).origin : location.origin),
  pollInterval: Number(ds.pollInterval) || undefined, timeout: Number(ds.timeout) || undefined,
}))

;// A second copy of the script on the page leaves the first in charge (no double rendering or tracking).
if (typeof (queued as typeof api | undefined)?.init !== 'function') {
  ;(w as any).RecomEngine = api
  // Started first, so queued calls (track, getVariant…) find a running SDK.
  if (ds.apiKey) api.init()
  if (Array.isArray(queued)) for (const fn of queued) if (typeof fn === 'function') api.push(fn)
}
