import { component$, Fragment } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'
import { BROWSER_EVENT_TYPES, CONTEXTS } from '../../../lib/vocabulary'

/** `a`, `b` or `c`: a vocabulary list as prose. */
const codeList = (items: readonly string[], last: 'and' | 'or') =>
  items.map((t, i) => <Fragment key={t}>{i === 0 ? '' : i === items.length - 1 ? ` ${last} ` : ', '}<code>{t}</code></Fragment>)

export default component$(() => (
  <>
    <h1>JavaScript SDK</h1>
    <p>One dependency-free script, served by the API at <code>/sdk/v1.js</code>. Its only global is <code>window.RecomEngine</code>, and it never throws into your page.</p>
    <h2>Install</h2>
    <pre><code>{`<script src="https://api.example.com/sdk/v1.js"
        data-api-key="rk_live_…"
        data-user-id="customer-42"
        data-currency="EUR"
        async></script>`}</code></pre>
    <div class="table-wrap">
      <table>
        <caption>Script attributes (or <code>RecomEngine.init(options)</code>)</caption>
        <thead><tr><th scope="col">Attribute</th><th scope="col">Option</th><th scope="col">Meaning</th></tr></thead>
        <tbody>
          <tr><th scope="row"><code>data-api-key</code></th><td><code>apiKey</code></td><td>A <strong>read</strong> key of the tenant (required).</td></tr>
          <tr><th scope="row"><code>data-user-id</code></th><td><code>userId</code></td><td>Your id for the shopper; an anonymous first-party id otherwise.</td></tr>
          <tr><th scope="row"><code>data-api-base</code></th><td><code>apiBase</code></td><td>The API origin; the script's own origin by default.</td></tr>
          <tr><th scope="row"><code>data-currency</code></th><td><code>currency</code></td><td>ISO 4217 code used to format prices.</td></tr>
          <tr><th scope="row"><code>data-poll-interval</code></th><td><code>pollInterval</code></td><td>How often widgets re-read their settings (ms; default 45 000, at most 60 000).</td></tr>
          <tr><th scope="row"><code>data-timeout</code></th><td><code>timeout</code></td><td>Milliseconds before an API call is abandoned (default 5 000; the widget stays empty).</td></tr>
        </tbody>
      </table>
    </div>
    <h2>Widgets</h2>
    <p>Every element with <code>data-recomengine-placement</code> becomes a widget when it scrolls near the viewport. Its look (layout, columns, colours, title, call to action) comes from the tenant's widget settings, edited on the tenant's <strong>Widgets</strong> tab. Impressions and clicks are tracked automatically.</p>
    <pre><code>{`<div data-recomengine-placement="product-page" data-product-id="prod-456"></div>
<div data-recomengine-placement="homepage"></div>`}</code></pre>
    <p>Placement attributes: <code>data-recomengine-placement</code> (required), <code>data-product-id</code> (the product in view) and <code>data-context</code> ({codeList(CONTEXTS, 'or')}). Widgets render inside a shadow root, so your styles and ours do not mix; every card is one keyboard-focusable link.</p>
    <h2>JavaScript API</h2>
    <pre><code>{`// Calls made before the script loads are queued:
window.RecomEngine = window.RecomEngine || []
RecomEngine.push(function (re) {
  re.track({ eventType: 'product_viewed', productId: 'sku-1' })
})

const items = await RecomEngine.getRecommendations({ placement: 'homepage', limit: 4 })
RecomEngine.onRecommendations((e) => console.log(e.placement, e.items), 'homepage')
const arm = await RecomEngine.getVariant('experiment-id')   // the arm's key ('control' | 'variant', or a variants key) | null
RecomEngine.userId                                         // the shopper id in use`}</code></pre>
    <p>From the browser only {codeList(BROWSER_EVENT_TYPES, 'and')} are accepted; purchases come from your server so revenue cannot be forged. See <Link href="/docs/events">Events</Link>.</p>
    <h2>Content Security Policy</h2>
    <p>The SDK needs <code>script-src</code> and <code>connect-src</code> for the API origin, and <code>'wasm-unsafe-eval'</code> for its bucketing kernel (it falls back to JavaScript without it).</p>
  </>
))

export const head: DocumentHead = { title: 'JavaScript SDK' }
