// The OpenAPI documents, generated from the route schemas (@elysiajs/openapi's
// generator) and completed by openapi-document.ts: 3.1 at
// /api/v1/openapi-3.1.json (what the route schemas are: JSON Schema 2020-12)
// and 3.0.3 at /api/v1/openapi.json (FR-062, and what most generators read),
// with the interactive reference at /api/docs (api-docs-page.ts).
import { toOpenAPISchema } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { apiDocsPage } from './api-docs-page.ts'
import { completeDocument, type RouteInfo } from './openapi-document.ts'
import { documentTo30 } from './openapi-30.ts'

export type { RouteInfo } from './openapi-document.ts'
export const SPEC_PATH = '/api/v1/openapi.json'
export const SPEC_31_PATH = '/api/v1/openapi-3.1.json'

type Json = Record<string, any>

const INFO = {
  title: 'RecomEngine API', version: '1.0.0',
  description: 'Multi-tenant product recommendations. Every response is `{ data, meta }`; every failure is RFC 7807 `application/problem+json`. '
    + `This document is OpenAPI 3.0.3; the same in OpenAPI 3.1 is at ${SPEC_31_PATH}.`,
}
const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Admin access token from /api/v1/auth/login' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Tenant API key (rk_live_…); also accepted as Authorization: Bearer rk_live_…' },
  accountKey: { type: 'http', scheme: 'bearer', bearerFormat: 'ak_live_…', description: 'Account key (ak_live_…, from POST /api/v1/account/api-keys): acts for the whole account on the management routes; on tenant data routes only with X-Tenant-ID of a tenant of that account. Also accepted as X-API-Key.' },
}
// A dot marks a static file only outside /api/v1 (GET /api/v1/analytics/export.csv is an API route).
const EXCLUDE = { staticFile: false, paths: [/^(?!\/api\/v1\/)[^?]*\.\w+$/] }

/** `routes` reads the finished app's routes (with their hooks) when a document is first asked for. */
export function apiDocs(routes: () => RouteInfo[]) {
  let built: { routeCount: number; v31: Json; v30: Json } | undefined
  const plugin = new Elysia({ name: 'api-docs' })
  const documents = () => {
    const all = routes()
    // Built once per set of routes (tests may mount more after the app is made).
    if (built?.routeCount !== all.length) {
      const generated = toOpenAPISchema(plugin as never, EXCLUDE, undefined, undefined, '3.1.0') as Json
      // A plain JSON copy: the route schemas are TypeBox objects the completion must not change.
      const v31 = completeDocument(JSON.parse(JSON.stringify({
        openapi: '3.1.0', info: INFO, paths: generated.paths,
        components: { securitySchemes: SECURITY_SCHEMES, schemas: generated.components?.schemas ?? {} },
      })), all)
      v31.info = { ...INFO, description: INFO.description.replace(/This document is OpenAPI 3\.0\.3.*$/, `This document is OpenAPI 3.1; the same in OpenAPI 3.0.3 is at ${SPEC_PATH}.`) }
      built = { routeCount: all.length, v31, v30: { ...documentTo30(v31), info: INFO } }
    }
    return built
  }
  const hide = { detail: { hide: true } }
  return plugin
    .get(SPEC_PATH, () => documents().v30, hide)
    .get(SPEC_31_PATH, () => documents().v31, hide)
    .use(apiDocsPage(SPEC_PATH))
}
