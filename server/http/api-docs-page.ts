// The interactive API reference at /api/docs: Swagger UI from the
// swagger-ui-dist package pinned in package.json (a production dependency, so
// the image carries it), served by us. Nothing is fetched from anywhere else,
// and the page's Content-Security-Policy says so: a browser refuses any
// script, style, image or request that is not this origin's.
import { Elysia } from 'elysia'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { serveAsset, type PreparedAsset } from '../modules/sdk/assets.ts'

const DIST = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
export const SWAGGER_UI_VERSION: string = JSON.parse(readFileSync(join(DIST, 'package.json'), 'utf8')).version

/** Swagger UI sets element styles from script (collapsing sections, the model view): inline styles are
 *  allowed, inline scripts are not. Images include the data: URIs its stylesheet uses for icons. */
export const API_DOCS_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ')

// The version is in the asset paths, so they are cached for a year and a new pin is a new URL.
const ASSET_DIR = `/api/docs/swagger-ui-${SWAGGER_UI_VERSION}`
/** The viewer's own files, served beside the page (public, like the page). */
export const API_DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js'].map((f) => `${ASSET_DIR}/${f}`)
const ASSET_TYPES = { 'swagger-ui.css': 'text/css; charset=utf-8', 'swagger-ui-bundle.js': 'text/javascript; charset=utf-8' } as const
type AssetName = keyof typeof ASSET_TYPES | 'init.js'

/** The page's own start-up script: a file, not inline, so script-src needs nothing but 'self'. */
const initScript = (specUrl: string) => `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout', defaultModelsExpandDepth: 0, tryItOutEnabled: false,
  })
})
`

const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RecomEngine API reference</title>
<link rel="stylesheet" href="${ASSET_DIR}/swagger-ui.css">
</head>
<body>
<main id="swagger-ui"><p>Loading the API reference…</p></main>
<script src="${ASSET_DIR}/swagger-ui-bundle.js"></script>
<script src="${ASSET_DIR}/init.js"></script>
</body>
</html>
`

/** Compressed once, on first request: brotli at a middling level (the bundle is 1.8 MB; 11 takes seconds). */
function prepare(bytes: Uint8Array): PreparedAsset {
  return {
    etag: `"${SWAGGER_UI_VERSION}-${bytes.length}"`,
    bodies: {
      identity: bytes,
      gzip: new Uint8Array(gzipSync(bytes, { level: 6 })),
      br: new Uint8Array(brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })),
    },
  }
}

export function apiDocsPage(specPath: string) {
  // Relative to the page (/api/docs), so the reference also works behind a proxy that mounts the API under a prefix.
  const specUrl = specPath.replace(/^\/api\//, '')
  const assets = new Map<AssetName, PreparedAsset>()
  const asset = (name: AssetName) => {
    let a = assets.get(name)
    if (!a) {
      a = prepare(name === 'init.js' ? new TextEncoder().encode(initScript(specUrl)) : new Uint8Array(readFileSync(join(DIST, name))))
      assets.set(name, a)
    }
    return a
  }
  const hide = { detail: { hide: true } }
  const headers = (type: string) => ({ 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' })
  return new Elysia({ name: 'api-docs-page' })
    .get('/api/docs', () => new Response(page(), {
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': API_DOCS_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' },
    }), hide)
    .get(`${ASSET_DIR}/swagger-ui.css`, ({ request }) => serveAsset(request, asset('swagger-ui.css'), headers(ASSET_TYPES['swagger-ui.css'])), hide)
    .get(`${ASSET_DIR}/swagger-ui-bundle.js`, ({ request }) => serveAsset(request, asset('swagger-ui-bundle.js'), headers(ASSET_TYPES['swagger-ui-bundle.js'])), hide)
    .get(`${ASSET_DIR}/init.js`, ({ request }) => serveAsset(request, asset('init.js'), headers('text/javascript; charset=utf-8')), hide)
}
