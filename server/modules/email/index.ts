import type { UsageRecorder } from '../api-keys/usage.ts'
import { Elysia } from 'elysia'
import { ACCESS, type authGuards } from '../../http/auth.ts'
import { BadRequest } from '../../errors.ts'
import { problems, T } from '../../http/schemas.ts'
import { EmailModel } from './model.ts'
import { renderHtml, renderText } from './render.ts'
import { PIXEL_GIF, type EmailService } from './service.ts'

const security: Record<string, string[]>[] = [{ apiKey: [] }, { bearer: [] }]
// A fragment is made for one mail (its links name that mail): never reused from a cache.
const NO_STORE = { 'cache-control': 'no-store' }

/** GET /api/v1/recommendations/email: called by the merchant's backend or ESP at send time. */
export function emailRoutes(email: EmailService, guards: ReturnType<typeof authGuards>, publicUrl: string | undefined, usage?: Pick<UsageRecorder, 'tally'>) {
  return new Elysia({ tags: ['Recommendations'] })
    .use(guards)
    .get('/recommendations/email', async ({ principal, query, request }) => {
      const base = publicUrl ?? new URL(request.url).origin
      const r = await email.recommend(principal.tenantId, principal.config, query, base)
      usage?.tally(principal.tenantId, principal.keyId, 'recommendationRequests')
      const format = query.format ?? 'html'
      if (format === 'json') return new Response(JSON.stringify({ data: r.items, meta: r.meta }), { headers: { 'content-type': 'application/json', ...NO_STORE } }) as never
      const look = await email.look(principal.tenantId, principal.config, query)
      if (format === 'text') return new Response(renderText(r.items, look), { headers: { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE } }) as never
      return new Response(renderHtml(r.items, look).html, { headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE } }) as never
    }, {
      tenant: 'write', query: EmailModel.query,
      response: {
        200: T.Union([T.String({ description: 'format=html: an email-safe HTML fragment (tables, inline CSS, ≤ 20 KB, 600 px); format=text: the plain-text part' }),
          T.Object({ data: T.Array(EmailModel.item), meta: EmailModel.meta })]),
        ...problems(400, 401, 403, 429, 503),
      },
      detail: {
        summary: 'Recommendations for one mail (order confirmation, abandoned cart, newsletter), rendered for email',
        description: `${ACCESS.write} Fetch it server-side at send time and paste the fragment into the mail. Every link goes through /r/<token> (records the click, then redirects to the product) and each item carries an open pixel /o/<token>.gif.`,
        security,
      },
    })
    .post('/recommendations/batch', async ({ principal, body, request }) => {
      const base = publicUrl ?? new URL(request.url).origin
      const enc = new TextEncoder()
      const chunks = email.batch(principal.tenantId, principal.config, body, base)
      usage?.tally(principal.tenantId, principal.keyId, 'recommendationRequests', body.userIds.length) // one list per shopper
      // Pulled as the client reads: a slow reader holds the export back instead of it piling up here.
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(enc.encode(next.value))
        },
        async cancel() { await chunks.return(undefined) },
      })
      return new Response(stream, { headers: { 'content-type': 'application/x-ndjson', ...NO_STORE } }) as never
    }, {
      tenant: 'write', body: EmailModel.batch,
      response: { 200: T.String({ description: 'NDJSON, one line per userId in order: {"userId","data":[…],"meta"} (json) or {"userId","html","meta"} (html); {"userId","error"} for a shopper that could not be answered' }), ...problems(400, 401, 403, 413, 429) },
      detail: { summary: 'Recommendations for up to 1,000 shoppers of one mail campaign, streamed as NDJSON (ESP exports)', description: ACCESS.write, security },
    })
}

/** GET /r/:token and /o/:token.gif: followed by shoppers from their mail, without credentials (the token is signed). */
export function trackedLinkRoutes(email: EmailService) {
  return new Elysia({ tags: ['Recommendations'] })
    .get('/r/:token', async ({ params }) => {
      const url = await email.click(params.token)
      return new Response(null, { status: 302, headers: { location: url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } }) as never
    }, {
      params: EmailModel.token,
      response: { 302: T.Null({ description: "Redirect to the product's stored URL; the click is recorded (placement email:<campaign>)" }), ...problems(400, 404, 410, 503) },
      detail: { summary: 'A tracked email link: records recommendation_clicked, then redirects to the product', description: '404: a forged or altered token, a product without a URL; 410: a token older than 30 days.' },
    })
    .get('/o/:file', async ({ params }) => {
      if (!params.file.endsWith('.gif')) throw new BadRequest('The open pixel is /o/<token>.gif', 'invalid-token')
      await email.open(params.file.slice(0, -4))
      return new Response(PIXEL_GIF, { headers: { 'content-type': 'image/gif', 'cache-control': 'no-store' } }) as never
    }, {
      params: EmailModel.pixel,
      response: { 200: T.String({ description: 'A transparent 1×1 GIF' }), ...problems(400, 404, 410, 503) },
      detail: { summary: 'An email open pixel: records one recommendation_impressed per mail and product' },
    })
}
