// `npm run demo`: seeds a demo tenant with a synthetic store (catalog with pictures,
// 60 days of shoppers' behaviour, widget settings), builds its model and prints the
// URL of the demo merchant page. Talks to the running server over HTTP (the embedded
// database belongs to that process), so start it first with `npm start`.
//
//   npm run demo            (DEMO_API_URL=http://host:port to target another server)
//
// Idempotent: the admin's credentials stay in DATA_DIR/demo-admin.json (mode 0600)
// and the event timestamps are anchored to the first run, so a re-run updates the
// same tenant and every event it sends again is a recognised duplicate.
// DATA_DIR/demo.json holds what GET /demo needs: the tenant id and its read key,
// which is public by design (every merchant page carries one). The server reads
// it from its own DATA_DIR, so run the demo with the server's DATA_DIR (the same
// environment, or `DATA_DIR=… npm run demo`): before seeding, it checks that the
// server serves this tenant's store and says how to fix it when it does not.
// It also runs two experiments on the demo placements — one finished, one
// running — so the Experiments page opens on results.
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadConfig } from '../server/config.ts'
import { DEMO_PLACEMENTS, DEMO_STATE_FILE } from '../server/modules/sdk/demo.ts'
import { mulberry32, syntheticStore } from './eval/synthetic.ts'

const config = loadConfig(process.env)
const base = (process.env.DEMO_API_URL ?? `http://localhost:${config.port}`).replace(/\/$/, '')
const adminFile = join(config.dataDir, 'demo-admin.json')
const stateFile = join(config.dataDir, DEMO_STATE_FILE)
const TENANT_NAME = 'Alpine & Co. (demo)'

interface AdminFile { email: string; password: string; anchor: number }

async function readJson<T>(path: string): Promise<T | undefined> {
  try { return JSON.parse(await readFile(path, 'utf8')) as T } catch { return undefined }
}

async function call(method: string, path: string, opts: { token?: string; tenant?: string; key?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {}
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.tenant) headers['x-tenant-id'] = opts.tenant
  if (opts.key) headers['x-api-key'] = opts.key
  const res = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

function must(r: { status: number; body: any }, what: string, ...ok: number[]) {
  if (!ok.includes(r.status)) throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

try {
  await fetch(`${base}/health`)
} catch {
  console.error(`No RecomEngine server at ${base}. Start it first (npm start), then run npm run demo again.`)
  process.exit(1)
}
// A failed step is a message, not a stack trace.
process.on('uncaughtException', (e) => { console.error(`npm run demo: ${e instanceof Error ? e.message : String(e)}`); process.exit(1) })
await mkdir(config.dataDir, { recursive: true })

// 1. The demo admin: created once, logged in on every later run.
let admin = await readJson<AdminFile>(adminFile)
let token: string
if (admin) {
  token = must(await call('POST', '/api/v1/auth/login', { body: { email: admin.email, password: admin.password } }), 'login as the demo admin (delete DATA_DIR/demo-admin.json to start over)', 200).data.accessToken
} else {
  admin = { email: `demo-${randomBytes(6).toString('hex')}@recomengine.local`, password: randomBytes(24).toString('base64url'), anchor: Date.now() }
  token = must(await call('POST', '/api/v1/auth/signup', { body: { email: admin.email, password: admin.password, name: 'Demo admin' } }), 'signup', 201).data.accessToken
  await writeFile(adminFile, JSON.stringify(admin), { mode: 0o600 })
  await chmod(adminFile, 0o600)
}

// 2. The tenant (generous rate limits: the seed sends ~150 batches).
const tenants = must(await call('GET', '/api/v1/tenants?limit=100', { token }), 'list tenants', 200).data as { id: string; name: string }[]
const tenantId = tenants.find((x) => x.name === TENANT_NAME)?.id
  ?? must(await call('POST', '/api/v1/tenants', { token, body: { name: TENANT_NAME, config: { rateLimits: { read: 100_000, write: 100_000 } } } }), 'create tenant', 201).data.id
const as = { token, tenant: tenantId }

// 3. Its read key: the one from the last run while it still works.
let readKey = (await readJson<{ tenantId: string; readKey: string }>(stateFile))?.readKey
if (!readKey || (await call('GET', `/api/v1/widgets/${DEMO_PLACEMENTS.home}`, { key: readKey })).status !== 200) {
  readKey = must(await call('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: 'Demo store SDK', permissions: 'read' } }), 'create read key', 201).data.key as string
}

// The server reads demo.json from its own DATA_DIR: make sure it is this one before seeding anything.
await writeFile(stateFile, JSON.stringify({ tenantId, readKey }))
const page = await fetch(`${base}/demo`)
if (page.status !== 200 || !(await page.text()).includes(readKey)) {
  console.error(`The server at ${base} does not read its demo store from DATA_DIR=${resolve(config.dataDir)} (this shell's): GET /demo answers ${page.status}` +
    `${page.status === 200 ? ' with another tenant' : ''}. Run the demo with the server's DATA_DIR: DATA_DIR=<the server's DATA_DIR> npm run demo`)
  process.exit(1)
}

// 4. Catalog: the synthetic store, with pictures and product pages served by this server.
const store = syntheticStore({ now: admin.anchor })
const items = store.input.items.map((it) => ({
  productId: it.productId, name: it.name, description: it.description ?? undefined, category: it.category ?? undefined,
  price: it.price ?? undefined, currency: 'EUR', attributes: it.attributes, available: it.available,
  imageUrl: `${base}/demo/images/${encodeURIComponent(it.productId)}.svg`, url: `${base}/demo?product=${encodeURIComponent(it.productId)}`,
}))
const cat = must(await call('POST', '/api/v1/catalog/batch', { ...as, body: { items } }), 'catalog', 200).data
console.log(`catalog: ${cat.created} created, ${cat.updated} updated`)

/**
 * Four weeks of what the widgets would have recorded, so the console's analytics
 * open on a living store: impressions on both placements, some clicks, and
 * purchases within the attribution window after some clicks. Seeded by the
 * first run's anchor, so a re-run sends the same events (recognised duplicates).
 */
function widgetHistory() {
  const rand = mulberry32(admin!.anchor % 2_147_483_647)
  const ids = store.input.items.filter((x) => x.available).map((x) => x.productId)
  const shoppers = [...new Set(store.input.interactions.map((x) => x.userId))]
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!
  const out: DemoEvent[] = []
  for (let day = 28; day >= 1; day--) {
    for (let visit = 0; visit < 40; visit++) {
      const userId = pick(shoppers)
      const home = rand() < 0.6
      const placement = home ? DEMO_PLACEMENTS.home : DEMO_PLACEMENTS.product
      const strategy = home ? 'trending' : 'collaborative'
      const at = admin!.anchor - day * 86_400_000 + Math.floor(rand() * 80_000_000)
      const shown = Array.from({ length: 4 }, () => pick(ids))
      shown.forEach((productId, k) => out.push({ eventType: 'recommendation_impressed', userId, productId, timestamp: new Date(at + k).toISOString(), placement, strategy }))
      if (rand() < 0.12) {
        const productId = shown[Math.floor(rand() * shown.length)]!
        out.push({ eventType: 'recommendation_clicked', userId, productId, timestamp: new Date(at + 5_000).toISOString(), placement, strategy })
        if (rand() < 0.35) {
          out.push({ eventType: 'purchase', userId, productId, timestamp: new Date(at + 600_000 + Math.floor(rand() * 3_000_000)).toISOString(),
            metadata: { price: priceOf.get(productId), quantity: 1 + Math.floor(rand() * 2), orderId: `demo-widget-order-${day}-${visit}` } })
        }
      }
    }
  }
  return out
}

// 5. Behaviour: ~15,000 events over 60 days and four weeks of widget history, in batches of 100, four at a time.
const priceOf = new Map(store.input.items.map((x) => [x.productId, x.price ?? 0]))
interface DemoEvent { eventType: string; userId: string; productId: string; timestamp: string; sessionId?: string; placement?: string; strategy?: string; metadata?: Record<string, unknown> }
// The API takes events of the last 90 days only: a re-run long after the first leaves older ones out.
const earliest = Date.now() - 89 * 86_400_000
const events: DemoEvent[] = store.input.interactions.flatMap((x, i) => x.ts < earliest ? [] : [{
  eventType: x.eventType, userId: x.userId, productId: x.productId, timestamp: new Date(x.ts).toISOString(), sessionId: `demo-${x.userId}-${Math.floor(x.ts / 3_600_000)}`,
  ...(x.eventType === 'purchase' ? { metadata: { price: priceOf.get(x.productId), quantity: 1, orderId: x.orderId ?? `demo-order-${i}` } } : {}),
}])
const behaviourCount = events.length // what the model must have taken in (widget impressions it does not count)
events.push(...widgetHistory().filter((e) => Date.parse(e.timestamp) >= earliest))
let accepted = 0
let duplicates = 0
const batches = Array.from({ length: Math.ceil(events.length / 100) }, (_, i) => events.slice(i * 100, i * 100 + 100))
await Promise.all(Array.from({ length: 4 }, async () => {
  for (let b = batches.shift(); b; b = batches.shift()) {
    const r = must(await call('POST', '/api/v1/events/batch', { ...as, body: { events: b } }), 'events', 202).data
    accepted += r.accepted
    duplicates += r.duplicates
    if (r.rejected.length) throw new Error(`events rejected: ${JSON.stringify(r.rejected.slice(0, 3))}`)
  }
}))
console.log(`events: ${accepted} stored, ${duplicates} already there`)

// 6. Widgets: a trending carousel on the home page, similar products on product pages.
must(await call('PUT', `/api/v1/widgets/${DEMO_PLACEMENTS.home}`, { ...as, body: { title: 'Trending now', layout: 'carousel', columns: 4, limit: 8, strategy: 'trending' } }), 'home widget', 200)
must(await call('PUT', `/api/v1/widgets/${DEMO_PLACEMENTS.product}`, { ...as, body: { title: 'You may also like', layout: 'grid', columns: 4, limit: 4, ctaText: 'View product' } }), 'product widget', 200)

// 7. The model, built now rather than at the next scheduled refresh.
must(await call('POST', '/api/v1/models/rebuild', as), 'rebuild', 202)
const t0 = Date.now()
for (;;) {
  const m = must(await call('GET', '/api/v1/models', as), 'model status', 200).data
  // A build that began before the last batch landed does not count.
  if (m.status === 'ready' && Date.parse(m.builtAt) >= t0 - 1000 && (m.stats?.interactions ?? 0) >= behaviourCount) break
  if (m.status === 'failed') throw new Error(`model build failed: ${m.lastError}`)
  if (Date.now() - t0 > 180_000) throw new Error('the model did not build within 3 minutes (is MODEL_WORKER=off without a worker running?)')
  await new Promise((r) => setTimeout(r, 500))
}
console.log(`model ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`)

// 8. Experiments: a finished one on the product page and a running one on the home page.
await seedExperiments()

console.log(`\nDemo store ready: open ${base}/demo`)

/**
 * Shoppers exposed through GET /recommendations (which records the exposure and
 * names the arm), then impressions and clicks after it, more clicks in the
 * variant: results to read at once. Kept by name, so a re-run adds none.
 */
async function seedExperiments() {
  const existing = must(await call('GET', '/api/v1/experiments?limit=100', as), 'list experiments', 200).data as { name: string }[]
  const plans = [
    { name: 'Product page: similar items vs bought together', control: 'content_based', variant: 'collaborative', placement: DEMO_PLACEMENTS.product, shoppers: 600, ctr: { control: 0.06, variant: 0.14 }, finish: true },
    { name: 'Home page: trending vs personal', control: 'trending', variant: 'collaborative', placement: DEMO_PLACEMENTS.home, shoppers: 160, ctr: { control: 0.08, variant: 0.1 }, finish: false },
  ] as const
  const rand = mulberry32(admin!.anchor % 2_147_483_647 + 7)
  const ids = store.input.items.filter((x) => x.available).map((x) => x.productId)
  for (const plan of plans) {
    if (existing.some((e) => e.name === plan.name)) continue
    const exp = must(await call('POST', '/api/v1/experiments', { ...as, body: { name: plan.name, metric: 'ctr', control: plan.control, variant: plan.variant, trafficSplit: 50, placement: plan.placement } }), 'create experiment', 201).data as { id: string }
    const shoppers = Array.from({ length: plan.shoppers }, (_, i) => `demo-${plan.finish ? 'pdp' : 'home'}-visitor-${i}`)
    const arms = new Map<string, string>()
    const queue = [...shoppers]
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let u = queue.shift(); u; u = queue.shift()) {
        const r = must(await call('GET', `/api/v1/recommendations?userId=${u}&placement=${plan.placement}&productId=${ids[0]}&limit=4`, { key: readKey }), 'recommendations', 200)
        arms.set(u, r.meta.experiment?.variant ?? 'control')
      }
    }))
    // After the exposures (an event counts from its shopper's exposure on).
    const at = new Date(Date.now() + 1000).toISOString()
    const evs: DemoEvent[] = shoppers.flatMap((userId) => {
      const shown = Array.from({ length: 4 }, () => ids[Math.floor(rand() * ids.length)]!)
      const clicked = rand() < plan.ctr[arms.get(userId) === 'variant' ? 'variant' : 'control']
      return [
        ...shown.map((productId) => ({ eventType: 'recommendation_impressed', userId, productId, timestamp: at, placement: plan.placement })),
        ...(clicked ? [{ eventType: 'recommendation_clicked', userId, productId: shown[0]!, timestamp: at, placement: plan.placement }] : []),
      ]
    })
    for (let i = 0; i < evs.length; i += 100) must(await call('POST', '/api/v1/events/batch', { ...as, body: { events: evs.slice(i, i + 100) } }), 'experiment events', 202)
    // Exposures are written in the background: wait until every shopper is in the results (then complete the finished one).
    for (let i = 0; ; i++) {
      const r = must(await call('GET', `/api/v1/experiments/${exp.id}/results`, as), 'results', 200).data
      if (r.sampleSize.control + r.sampleSize.variant >= plan.shoppers && r.controlMetric !== null && r.variantMetric !== null) break
      if (i > 300) throw new Error('the experiment\'s exposures did not reach its results within a minute')
      await new Promise((r) => setTimeout(r, 200))
    }
    if (plan.finish) must(await call('POST', `/api/v1/experiments/${exp.id}/complete`, as), 'complete experiment', 200)
    console.log(`experiment "${plan.name}": ${shoppers.length} shoppers${plan.finish ? ', completed' : ', running'}`)
  }
}
