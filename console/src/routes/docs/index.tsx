import { component$ } from '@builder.io/qwik'
import { Link, type DocumentHead } from '@builder.io/qwik-city'

export default component$(() => (
  <>
    <h1>Documentation</h1>
    <p>RecomEngine is a REST API (base path <code>/api/v1</code>) plus a browser SDK. Everything a shop needs goes through three kinds of credentials:</p>
    <ul>
      <li><strong>Admin access token</strong> (<code>Authorization: Bearer …</code>, from <code>POST /api/v1/auth/login</code>): manages tenants and keys; with <code>X-Tenant-ID</code> it also reads a tenant's data and analytics.</li>
      <li><strong>Read key</strong> (<code>X-API-Key: rk_live_…</code>): recommendations and browser tracking; safe to embed in pages.</li>
      <li><strong>Write key</strong>: catalog and server-side events (including purchases); keep it on your servers.</li>
    </ul>
    <h2>Guides</h2>
    <ul>
      <li><Link href="/docs/quickstart">Quick start</Link>: from sign-up to live recommendations.</li>
      <li><Link href="/docs/sdk">JavaScript SDK</Link>: widgets, tracking and experiments in the browser.</li>
      <li><Link href="/docs/events">Events</Link>: the event types, their fields and how to send them.</li>
      <li><Link href="/docs/experiments">A/B testing</Link>: how experiments assign shoppers and decide significance.</li>
      <li><Link href="/docs/api-reference">API reference</Link>: every endpoint, generated from the OpenAPI document.</li>
    </ul>
    <h2>Errors</h2>
    <p>Every error is an RFC 7807 <code>application/problem+json</code> body with <code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code> and <code>instance</code>; validation errors add <code>errors: [{'{'} field, message {'}'}]</code>. Rate-limited requests get <code>429</code> with <code>Retry-After</code> and the <code>RateLimit-*</code> headers.</p>
  </>
))

export const head: DocumentHead = { title: 'Documentation' }
