import { component$ } from '@builder.io/qwik'
import { Link, useLocation, type DocumentHead } from '@builder.io/qwik-city'

export default component$(() => {
  const api = 'http://localhost:5008/api/v1'
  const loc = useLocation()
  return (
    <>
      <h1>Quick start</h1>
      <p>From sign-up to live recommendations in about 30 minutes. Replace <code>{api}</code> with your API's address.</p>
      <h2>1. Create an account and a tenant</h2>
      <p><Link href="/signup">Sign up</Link>, then create a tenant (one per store) on the <Link href="/dashboard/tenants">Tenants</Link> page.</p>
      <h2>2. Create API keys</h2>
      <p>On the tenant's <strong>API keys</strong> tab create a <strong>write</strong> key for your backend and a <strong>read</strong> key for the browser. Each key is shown once; copy it then.</p>
      <h2>3. Upload your catalog</h2>
      <pre><code>{`curl -X POST ${api}/catalog/batch \\
  -H "X-API-Key: $WRITE_KEY" -H 'content-type: application/json' \\
  -d '{"items":[{"productId":"sku-1","name":"Linen shirt","category":"shirts","price":49,"currency":"EUR"}]}'`}</code></pre>
      <h2>4. Send events</h2>
      <p>Views, clicks and carts from the browser (the SDK does it), purchases from your server:</p>
      <pre><code>{`curl -X POST ${api}/events \\
  -H "X-API-Key: $WRITE_KEY" -H 'content-type: application/json' \\
  -d '{"eventType":"purchase","userId":"u-42","productId":"sku-1","metadata":{"price":49,"quantity":1,"orderId":"o-1"}}'`}</code></pre>
      <p>See <Link href="/docs/events">Events</Link> for every type and field.</p>
      <h2>5. Show recommendations</h2>
      <p>Add the SDK with your read key and mark where widgets go:</p>
      <pre><code>{`<script src="${loc.url.protocol}//<your API host>/sdk/v1.js" data-api-key="rk_live_…" async></script>
<div data-recomengine-placement="homepage"></div>`}</code></pre>
      <p>Or call the API yourself:</p>
      <pre><code>{`curl "${api}/recommendations?userId=u-42&placement=homepage&limit=4" -H "X-API-Key: $READ_KEY"`}</code></pre>
      <p>Models train in the background within minutes of the first events; until then trending and catalog-based strategies fill in.</p>
      <h2>6. Watch the results</h2>
      <p>The tenant's <strong>Analytics</strong> tab shows impressions, clicks, CTR, conversions and revenue; <strong>Experiments</strong> A/B tests strategies.</p>
    </>
  )
})

export const head: DocumentHead = { title: 'Quick start' }
