// OpenAPI 3 document generated from the route schemas (@elysiajs/openapi,
// the successor of @elysiajs/swagger), at /api/v1/openapi.json with a UI at
// /api/docs. Our single body parser (body.ts) is a function, which the
// generator cannot read a content type from; every body we parse is JSON, so
// the document says so.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { pathOf } from './request-context.ts'

const SPEC_PATH = '/api/v1/openapi.json'

type Doc = { paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> }
export interface RouteInfo { method: string; path: string; hooks: { body?: unknown } }

const openApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')

function declareJsonBodies(doc: Doc, routes: RouteInfo[]) {
  for (const r of routes) {
    const rb = doc.paths?.[openApiPath(r.path)]?.[r.method.toLowerCase()]?.requestBody
    if (r.hooks.body && rb?.content && !Object.keys(rb.content).length) rb.content = { 'application/json': { schema: r.hooks.body } }
  }
}

/** `routes` reads the finished app's routes when the document is served. */
export function apiDocs(routes: () => RouteInfo[]) {
  return new Elysia({ name: 'api-docs' })
    // Registered before the plugin: Elysia applies hooks to routes added after them.
    .onAfterHandle({ as: 'global' }, ({ request, response }) => {
      if (request.method === 'GET' && response && typeof response === 'object' && pathOf(request.url) === SPEC_PATH) declareJsonBodies(response as Doc, routes())
    })
    .use(openapi({
      path: '/api/docs',
      specPath: SPEC_PATH,
      // A dot marks a static file only outside /api/v1 (GET /api/v1/analytics/export.csv is an API route).
      exclude: { staticFile: false, paths: [/^(?!\/api\/v1\/)[^?]*\.\w+$/] },
      documentation: {
        info: { title: 'RecomEngine API', version: '1.0.0', description: 'Multi-tenant product recommendations. Every response is `{ data, meta }`; every failure is RFC 7807 `application/problem+json`.' },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin access token from /api/v1/auth/login' },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Tenant API key (rk_live_…); also accepted as Authorization: Bearer rk_live_…' },
            accountKey: { type: 'http', scheme: 'bearer', bearerFormat: 'ak_live_…', description: 'Account key (ak_live_…, from POST /api/v1/account/api-keys): acts for the whole account on the management routes; on tenant data routes only with X-Tenant-ID of a tenant of that account. Also accepted as X-API-Key.' },
            embedSession: { type: 'apiKey', in: 'header', name: 'X-Embed-Session', description: 'An embed session (es_…) from POST /api/v1/embed/sessions: read-only, one tenant, the views of its embed token' },
          },
        },
      },
    }))
}
