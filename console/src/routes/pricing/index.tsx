// Pricing tiers and a usage calculator. Works without JavaScript (a GET form
// the server answers) and updates live as you type when it is available.
import { component$, useComputed$, useSignal } from '@builder.io/qwik'
import { Link, routeLoader$, type DocumentHead } from '@builder.io/qwik-city'
import { formatInt, formatMoney } from '../../lib/format'
import { quote, TIERS } from '../../lib/pricing'

const num = (v: string | null, fallback: number) => {
  const n = Number(v?.replace(/[,_\s]/g, ''))
  return v !== null && Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback
}

export const useUsage = routeLoader$(({ url }) => ({
  events: num(url.searchParams.get('events'), 2_000_000),
  products: num(url.searchParams.get('products'), 5_000),
}))

export default component$(() => {
  const usage = useUsage()
  const events = useSignal(String(usage.value.events))
  const products = useSignal(String(usage.value.products))
  // Primitives only: the quote crosses from server render to the browser.
  const q = useComputed$(() => {
    const r = quote(num(events.value, 0), num(products.value, 0))
    return { tierName: r.tier.name, monthly: r.monthly, overageEvents: r.overageEvents, overageCost: r.overageCost }
  })
  return (
    <div class="container">
      <h1>Pricing</h1>
      <p class="muted">Pay for the events you send. Recommendation requests, tenants and team seats are not metered.</p>
      <section aria-labelledby="tiers-title">
        <h2 id="tiers-title">Plans</h2>
        <div class="tiers">
          {TIERS.map((t) => (
            <article key={t.id} class="card" aria-labelledby={`tier-${t.id}`}>
              <h3 id={`tier-${t.id}`}>{t.name}</h3>
              <p class="price">{t.base === null ? 'Custom' : `$${t.base}`}<span class="muted" style="font-size:1rem;font-weight:400">{t.base === null ? '' : ' / month'}</span></p>
              <p>
                {t.base === null ? 'Volume pricing' : `${formatInt(t.includedEvents)} events included`}
                {t.overagePer1k !== null && <>, then ${t.overagePer1k.toFixed(2)} per 1,000 up to {formatInt(t.maxEvents)}</>}
                {Number.isFinite(t.maxProducts) && <>; catalogs up to {formatInt(t.maxProducts)} products</>}
              </p>
              <ul>{t.features.map((f) => <li key={f}>{f}</li>)}</ul>
            </article>
          ))}
        </div>
      </section>
      <section aria-labelledby="calc-title" class="card">
        <h2 id="calc-title">Usage calculator</h2>
        {/* A plain GET to this page (Qwik's <Form> without an action sent it to /get): the server renders the quote. Step 1: with 1,000 the browser refused to submit 2,000,500. */}
        <form class="form-row" method="get" action="/pricing">
          <div class="field">
            <label for="calc-events">Events per month</label>
            <input id="calc-events" name="events" type="number" min={0} step={1} value={events.value} onInput$={(_, el) => { events.value = el.value }} />
          </div>
          <div class="field">
            <label for="calc-products">Products in your catalog</label>
            <input id="calc-products" name="products" type="number" min={0} step={1} value={products.value} onInput$={(_, el) => { products.value = el.value }} />
          </div>
          <div class="field"><button type="submit" class="btn btn-secondary">Calculate</button></div>
        </form>
        <div role="status" aria-live="polite" id="quote">
          <p style="font-size:1.25rem;margin:.25rem 0">
            <strong>{`${q.value.tierName}: ${q.value.monthly === null ? 'contact us for a quote' : `${formatMoney(q.value.monthly)} / month`}`}</strong>
          </p>
          {q.value.monthly !== null && q.value.overageEvents > 0 && (
            <p class="muted">Includes {formatMoney(q.value.overageCost)} for {formatInt(q.value.overageEvents)} events above the plan's allowance.</p>
          )}
        </div>
        <p><Link class="btn" href="/signup">Start free</Link></p>
      </section>
    </div>
  )
})

export const head: DocumentHead = { title: 'Pricing', meta: [{ name: 'description', content: 'RecomEngine plans and a usage calculator.' }] }
