import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'
import { BROWSER_EVENT_TYPES, type EventType } from '../../../lib/vocabulary'

/** What each event type means (the Record makes the compiler insist on every type of the vocabulary). */
const MEANINGS: Record<EventType, string> = {
  product_viewed: 'A shopper opened a product page.',
  product_clicked: 'A shopper clicked a product anywhere on your site.',
  add_to_cart: 'A product was added to the cart.',
  remove_from_cart: 'A product was removed from the cart.',
  purchase: 'A product was bought. metadata: price, quantity, orderId. Drives conversions and revenue.',
  recommendation_impressed: 'A recommended product was shown (the SDK sends it).',
  recommendation_clicked: 'A recommended product was clicked (the SDK sends it); a later purchase of it is attributed.',
}
const TYPES = (Object.entries(MEANINGS) as [EventType, string][])
  .map(([t, m]) => [t, m, BROWSER_EVENT_TYPES.includes(t) ? 'browser or server' : 'server only (write key)'] as const)

const FIELDS = [
  ['eventType', 'yes', 'One of the types above.'],
  ['userId', 'yes', 'Your stable id for the shopper (1–256 characters); anonymous ids work.'],
  ['productId', 'yes', 'The catalog productId the event is about.'],
  ['timestamp', 'no', 'ISO 8601; defaults to now; at most 5 minutes in the future.'],
  ['sessionId', 'no', 'Groups events of one visit.'],
  ['metadata', 'no', 'A JSON object of at most 4 KB. Purchases use price, quantity and orderId.'],
  ['placement', 'no', 'Where on the site (e.g. "homepage"); analytics break results down by it.'],
  ['strategy', 'no', 'The strategy that produced a recommendation (the SDK fills it in).'],
] as const

export default component$(() => (
  <>
    <h1>Events</h1>
    <p>Events teach the models what shoppers like and feed the analytics. Each is validated on its own; a repeated event (same type, user, product and timestamp) is accepted once.</p>
    <div class="table-wrap">
      <table>
        <caption>Event types</caption>
        <thead><tr><th scope="col">eventType</th><th scope="col">Meaning</th><th scope="col">Sent from</th></tr></thead>
        <tbody>{TYPES.map(([t, m, from]) => <tr key={t}><th scope="row"><code>{t}</code></th><td>{m}</td><td>{from}</td></tr>)}</tbody>
      </table>
    </div>
    <div class="table-wrap">
      <table>
        <caption>Fields</caption>
        <thead><tr><th scope="col">Field</th><th scope="col">Required</th><th scope="col">Meaning</th></tr></thead>
        <tbody>{FIELDS.map(([f, r, m]) => <tr key={f}><th scope="row"><code>{f}</code></th><td>{r}</td><td>{m}</td></tr>)}</tbody>
      </table>
    </div>
    <h2>Sending events</h2>
    <ul>
      <li><code>POST /api/v1/events</code>: one event (write key) → <code>201</code>, or <code>200</code> with <code>status: "duplicate"</code>.</li>
      <li><code>POST /api/v1/events/batch</code>: up to 100 events; the answer counts accepted and duplicates and lists rejected items by index with their errors.</li>
      <li><code>POST /api/v1/track</code>: the browser's endpoint (read key, up to 50 events, never purchases) — the SDK uses it.</li>
    </ul>
    <pre><code>{`curl -X POST $API/events/batch -H "X-API-Key: $WRITE_KEY" -H 'content-type: application/json' -d '{
  "events": [
    {"eventType":"product_viewed","userId":"u-42","productId":"sku-1"},
    {"eventType":"purchase","userId":"u-42","productId":"sku-1","metadata":{"price":49,"quantity":2,"orderId":"o-9"}}
  ]}'`}</code></pre>
    <h2>Attribution</h2>
    <p>A purchase is a conversion when the same user clicked that product in a recommendation (<code>recommendation_clicked</code>) within the tenant's attribution window (24 hours by default) before it. Revenue is <code>metadata.price × metadata.quantity</code>, or the catalog price when absent.</p>
    <p>Read recent events back with <code>GET /api/v1/events</code> (filters: userId, productId, eventType, from, to) or on the tenant's <strong>Events</strong> tab. Details of every endpoint: <Link href="/docs/api-reference">API reference</Link>.</p>
  </>
))

export const head: DocumentHead = { title: 'Events' }
