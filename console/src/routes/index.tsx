import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'

const FEATURES = [
  ['Four strategies, one API', 'Collaborative filtering, content-based similarity, trending and frequently-bought-together, chosen per tenant or per placement.'],
  ['Drop-in widgets', 'A dependency-free JavaScript SDK renders themed recommendation widgets and tracks impressions and clicks for you.'],
  ['A/B tests you can trust', 'Deterministic bucketing, confidence intervals, p-values and sample-ratio-mismatch warnings; promote the winner in one click.'],
  ['Revenue attribution', 'Impressions, clicks, CTR, conversions and revenue per day, placement and product, exportable as CSV.'],
  ['Multi-tenant from day one', 'Every store is a tenant with its own keys, rate limits, catalog and models — ideal for platforms.'],
  ['Runs anywhere', 'Embedded PostgreSQL for a single box, or PostgreSQL and Redis for a fleet — the same Bun process either way.'],
] as const

export default component$(() => (
  <div class="container">
    <section class="hero" aria-labelledby="hero-title">
      <h1 id="hero-title">Product recommendations your team can understand, test and trust</h1>
      <p>RecomEngine gives mid-market shops and commerce platforms personalised recommendations through a REST API and an embeddable widget, with A/B testing and revenue analytics built in. From sign-up to live recommendations in under 30 minutes.</p>
      <p style="display:flex;gap:1rem;flex-wrap:wrap;margin-top:1.5rem">
        <Link class="btn" href="/signup">Create a free account</Link>
        <Link class="btn btn-secondary" href="/docs/quickstart">Read the quick start</Link>
      </p>
    </section>
    <section aria-labelledby="features-title">
      <h2 id="features-title">What you get</h2>
      <ul class="features">
        {FEATURES.map(([title, text]) => <li key={title}><h3>{title}</h3><p>{text}</p></li>)}
      </ul>
    </section>
    <section aria-labelledby="how-title">
      <h2 id="how-title">How it works</h2>
      <ol>
        <li>Sign up and create a tenant for your store.</li>
        <li>Create an API key and upload your catalog.</li>
        <li>Add the SDK to your pages: it sends events and shows recommendations.</li>
        <li>Watch impressions, clicks and revenue in the dashboard, and A/B test strategies.</li>
      </ol>
      <p><Link href="/pricing">See pricing</Link> — free up to 100,000 events a month.</p>
    </section>
  </div>
))

export const head: DocumentHead = {
  title: 'Product recommendations with A/B tests and analytics',
  meta: [{ name: 'description', content: 'RecomEngine: multi-tenant product recommendations via REST API and embeddable widgets, with A/B testing and revenue analytics.' }],
}
