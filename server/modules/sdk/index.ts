// Serves the browser SDK (GET /sdk/v1.js) and the demo merchant store (GET /demo).
import { Elysia, t } from 'elysia'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NotFound } from '../../errors.ts'
import { problems, T } from '../../http/schemas.ts'
import type { CatalogService } from '../catalog/service.ts'
import { prepareAsset, serveAsset, type PreparedAsset } from './assets.ts'
import { DEMO_ASSETS, DEMO_CSP, DEMO_STATE_FILE, demoPage, parseDemoState, productSvg, type DemoState } from './demo.ts'

const SDK_BUNDLE_PATH = fileURLToPath(new URL('../../../sdk/dist/v1.js', import.meta.url).href)

export interface SdkRouteDeps {
  /** The built bundle (scripts/build-sdk.ts); read once, on first request. */
  readBundle?: () => Promise<Uint8Array>
  /** Where `npm run demo` leaves DEMO_STATE_FILE. */
  dataDir: string
  catalog: Pick<CatalogService, 'get'>
}

// Versioned URL, backward-compatible within v1: a day fresh, then revalidated by ETag
// (a week of stale-while-revalidate keeps merchant pages fast while it does).
const SDK_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  'cache-control': 'public, max-age=86400, stale-while-revalidate=604800',
  'x-content-type-options': 'nosniff',
  // Loadable by merchant pages that set Cross-Origin-Embedder-Policy.
  'cross-origin-resource-policy': 'cross-origin',
}
const PAGE_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DEMO_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }

export function sdkRoutes(d: SdkRouteDeps) {
  const readBundle = d.readBundle ?? (async () => new Uint8Array(await readFile(SDK_BUNDLE_PATH)))
  let bundle: Promise<PreparedAsset> | undefined
  const sdkAsset = () => {
    // A missing build is not remembered: the next request tries again.
    bundle ??= readBundle().then(prepareAsset).catch((e) => { bundle = undefined; throw e })
    return bundle
  }
  const demoState = async (): Promise<DemoState | undefined> => {
    try { return parseDemoState(await readFile(join(d.dataDir, DEMO_STATE_FILE), 'utf8')) } catch { return undefined }
  }

  return new Elysia({ tags: ['SDK'] })
    .get('/sdk/v1.js', async ({ request }) => {
      let asset: PreparedAsset
      try { asset = await sdkAsset() } catch { throw new NotFound('The SDK is not built: run `npm run build`') }
      return serveAsset(request, asset, SDK_HEADERS)
    }, {
      response: { 200: T.String({ description: 'The SDK (JavaScript, gzip or brotli by Accept-Encoding)' }), 304: T.Null(), ...problems(404) },
      detail: { summary: 'The embeddable JavaScript SDK, version 1 (one script tag; see README "SDK")' },
    })
    .get('/demo', async ({ query }) => {
      const state = await demoState()
      if (!state) throw new NotFound('The demo store is not set up: run `npm run demo` with the server running, then reload')
      let product
      if (query.product) {
        try { product = await d.catalog.get(state.tenantId, query.product) } catch { /* unknown product: the home page */ }
      }
      return new Response(demoPage(state, product), { headers: PAGE_HEADERS })
    }, {
      query: t.Object({ product: t.Optional(t.String({ minLength: 1, maxLength: 256 })) }),
      response: { 200: T.String({ description: 'HTML' }), ...problems(400, 404) },
      detail: { summary: 'Demo merchant store wired to the demo tenant (after `npm run demo`)' },
    })
    .get('/demo/assets/:file', ({ params }) => {
      const a = DEMO_ASSETS[params.file]
      if (!a) throw new NotFound('No such demo asset')
      return new Response(a.body, { headers: { 'content-type': a.type, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' } })
    }, {
      params: t.Object({ file: t.String({ maxLength: 40 }) }),
      response: { 200: T.String(), ...problems(400, 404) },
      detail: { summary: 'Demo store stylesheet and script', hide: true },
    })
    .get('/demo/images/:productId', ({ params }) => new Response(productSvg(params.productId.replace(/\.svg$/, '')), {
      headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" },
    }), {
      params: t.Object({ productId: t.String({ minLength: 1, maxLength: 260 }) }),
      response: { 200: T.String({ description: 'SVG' }), ...problems(400) },
      detail: { summary: 'Demo product pictures', hide: true },
    })
}
