// The widget preview page (pure: strings in, HTML out). It runs the real SDK
// (/sdk/v1.js, fetched from the API through the console) against the real API,
// so what it shows is what merchants' shoppers get with the saved settings.
//
// Why not a plain script tag with a read key: keys are shown once and the
// console never holds one, and a preview must not count as shopper traffic.
// So the page injects the SDK's transport (it calls window.fetch, bound at
// start): API reads go to this tenant's preview-api route, which forwards them
// with the admin's session (the way every console page reaches the API), and
// /track calls are answered here and never sent: previews record no
// impressions or clicks.

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The user id the preview asks recommendations for (a cold-start shopper). */
export const PREVIEW_USER = 'console-widget-preview'

export function previewPage(o: { apiRoute: string; placement: string; productId?: string; pollMs?: number }): string {
  const shim = `(function(){var api=${JSON.stringify(o.apiRoute)};var real=window.fetch.bind(window);` +
    `window.fetch=function(input,init){var u=new URL(typeof input==='string'?input:input.url,location.href);` +
    `if(u.origin===location.origin&&u.pathname==='/api/v1/track')return Promise.resolve(new Response('{"data":{"accepted":0,"duplicates":0,"rejected":[]}}',{status:202,headers:{'content-type':'application/json'}}));` +
    `if(u.origin===location.origin&&u.pathname.indexOf('/api/v1/')===0)return real(api+u.pathname+u.search,{method:'GET',credentials:'same-origin',signal:init&&init.signal});` +
    `return real(input,init)}})()`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Widget preview: ${esc(o.placement)}</title>
<style>body{margin:0;padding:16px;font-family:system-ui,sans-serif;color:#111827;background:#ffffff}p{margin:0 0 12px;color:#4b5563;font-size:14px}</style>
</head><body><main>
<p>Placement <strong>${esc(o.placement)}</strong>${o.productId ? ` on product <strong>${esc(o.productId)}</strong>` : ''}, as a new shopper sees it. Preview views and clicks are not recorded.</p>
<div data-recomengine-placement="${esc(o.placement)}"${o.productId ? ` data-product-id="${esc(o.productId)}"` : ''}></div>
</main>
<script>${shim}</script>
<p id="preview-empty" hidden>Nothing to show yet: the API returned no recommendations for this placement. Send catalog items and events, then wait for the model to build.</p>
<script>(function(){var t0=Date.now();setInterval(function(){var el=document.querySelector('[data-recomengine-placement]');var r=el&&el.shadowRoot;document.getElementById('preview-empty').hidden=!!(r&&r.querySelector('a'))||Date.now()-t0<5000},1000)})()</script>
<script src="${esc(o.apiRoute)}/sdk/v1.js" data-api-key="console-preview" data-user-id="${PREVIEW_USER}" data-poll-interval="${o.pollMs ?? 2000}"></script>
</body></html>`
}

/** What the preview-api route forwards: the SDK bundle and the two reads the SDK makes, nothing else. */
export function previewTarget(path: string): { kind: 'sdk' } | { kind: 'api'; path: string } | null {
  if (path === 'sdk/v1.js') return { kind: 'sdk' }
  if (path === 'api/v1/recommendations') return { kind: 'api', path: '/api/v1/recommendations' }
  const m = /^api\/v1\/widgets\/([^/]+)$/.exec(path)
  if (m) {
    let placement = m[1]!
    try { placement = decodeURIComponent(placement) } catch { /* already decoded */ }
    return { kind: 'api', path: `/api/v1/widgets/${encodeURIComponent(placement)}` }
  }
  return null
}
