// The demo merchant (GET /demo): a small store wired to the demo tenant that
// `npm run demo` seeds. Its pages load the SDK exactly as a merchant would, under
// the strict Content-Security-Policy the README recommends, so the demo also proves
// that policy works. Pure: HTML, CSS, JS and SVG as strings.

/** What `npm run demo` writes to DATA_DIR/demo.json: public facts only (a read key is public by design). */
export interface DemoState { tenantId: string; readKey: string }

export const DEMO_STATE_FILE = 'demo.json'
export const DEMO_PLACEMENTS = { home: 'homepage', product: 'product-page' } as const

export const DEMO_CSP = [
  "default-src 'none'", "script-src 'self' 'wasm-unsafe-eval'", "connect-src 'self'", "img-src 'self'",
  "style-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ')

export interface DemoProduct { productId: string; name: string; description: string | null; category: string | null; price: number | null; currency: string | null; imageUrl: string | null }

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function formatPrice(price: number, currency: string | null): string {
  try { return new Intl.NumberFormat('en', { style: 'currency', currency: currency ?? 'EUR' }).format(price) } catch { return price.toFixed(2) }
}

export function demoPage(state: DemoState, product?: DemoProduct): string {
  const main = product
    ? `<article class="product">
  ${product.imageUrl ? `<img src="${escapeHtml(product.imageUrl)}" alt="" width="320" height="320">` : ''}
  <div><p class="crumb">${escapeHtml(product.category ?? '')}</p><h1>${escapeHtml(product.name)}</h1>
  ${product.price === null ? '' : `<p class="price">${escapeHtml(formatPrice(product.price, product.currency))}</p>`}
  <p>${escapeHtml(product.description ?? '')}</p>
  <button type="button" id="add" data-product-id="${escapeHtml(product.productId)}">Add to cart</button></div>
</article>
<div data-recomengine-placement="${DEMO_PLACEMENTS.product}" data-product-id="${escapeHtml(product.productId)}" data-context="product_page"></div>`
    : `<section class="hero"><h1>Alpine &amp; Co.</h1><p>Jackets, shoes, coffee gear and more — a demo store for RecomEngine.</p></section>
<div data-recomengine-placement="${DEMO_PLACEMENTS.home}" data-context="homepage"></div>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${product ? `${escapeHtml(product.name)} · ` : ''}Alpine &amp; Co. (RecomEngine demo)</title>
<link rel="stylesheet" href="/demo/assets/demo.css"><link rel="icon" href="/demo/images/store.svg">
<script src="/sdk/v1.js" data-api-key="${escapeHtml(state.readKey)}" data-currency="EUR" async></script>
<script src="/demo/assets/demo.js" defer></script>
</head><body>
<header><a href="/demo">Alpine &amp; Co.</a><span>RecomEngine demo store</span></header>
<main>${main}</main>
<footer>Recommendations above come from the demo tenant's live model. Browse products to change them.</footer>
</body></html>`
}

export const DEMO_ASSETS: Record<string, { type: string; body: string }> = {
  'demo.css': {
    type: 'text/css; charset=utf-8',
    body: `body{margin:0;font-family:system-ui,sans-serif;color:#1f2937;background:#f9fafb}
header{display:flex;gap:16px;align-items:baseline;padding:14px 24px;background:#0f172a;color:#e2e8f0}
header a{color:#fff;font-weight:700;font-size:1.2em;text-decoration:none}
main{max-width:1040px;margin:0 auto;padding:24px;display:grid;gap:28px}
.hero{padding:40px 24px;background:#e0e7ff;border-radius:12px}.hero h1{margin:0 0 8px}
.product{display:flex;gap:24px;flex-wrap:wrap}.product img{border-radius:12px;background:#fff}
.crumb{color:#6b7280;margin:0}.price{font-size:1.3em;font-weight:600}
button{font:inherit;padding:10px 18px;border:0;border-radius:8px;background:#1d4ed8;color:#fff;cursor:pointer}
footer{max-width:1040px;margin:0 auto;padding:24px;color:#6b7280;font-size:.9em}`,
  },
  // The shopper's behaviour goes back to the tenant, so browsing changes what is recommended.
  'demo.js': {
    type: 'text/javascript; charset=utf-8',
    body: `window.RecomEngine = window.RecomEngine || [];
RecomEngine.push(function (re) {
  var add = document.getElementById('add');
  if (!add) return;
  var productId = add.getAttribute('data-product-id');
  re.track({ eventType: 'product_viewed', productId: productId });
  add.addEventListener('click', function () {
    re.track({ eventType: 'add_to_cart', productId: productId });
    add.textContent = 'Added';
  });
});`,
  },
}

const PALETTE = ['#2563eb', '#059669', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#4d7c0f']

/** A product picture drawn from its id (the demo has no photos and makes no requests elsewhere). */
export function productSvg(productId: string): string {
  let h = 0
  for (const c of productId) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0
  const color = PALETTE[Math.abs(h) % PALETTE.length]
  const [noun = productId, n = ''] = productId.split('-')
  const label = escapeHtml(`${noun.charAt(0).toUpperCase()}${noun.slice(1)} ${n}`.trim().slice(0, 24))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320" viewBox="0 0 320 320">
<rect width="320" height="320" fill="${color}"/><circle cx="160" cy="130" r="70" fill="#fff" fill-opacity=".25"/>
<text x="160" y="260" font-family="system-ui,sans-serif" font-size="30" font-weight="700" fill="#fff" text-anchor="middle">${label}</text></svg>`
}

/** DemoState from the file's text, or undefined when it is not one. */
export function parseDemoState(text: string): DemoState | undefined {
  try {
    const v = JSON.parse(text)
    if (typeof v?.tenantId === 'string' && typeof v?.readKey === 'string' && /^rk_(live|test)_[0-9A-Za-z]+$/.test(v.readKey)) return { tenantId: v.tenantId, readKey: v.readKey }
  } catch { /* not JSON */ }
  return undefined
}
