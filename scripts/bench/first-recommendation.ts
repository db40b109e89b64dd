// Time to first recommendation from signup (issue 19): against the real server
// (bun server/main.ts, its worker inline), a new admin signs up, creates a tenant and a
// key, uploads the demo catalog, and sends the demo store's behaviour as a site would
// (in time order, batches of 100, at --rate events per second; all of them, or the first
// --events); the clock stops at the first GET /recommendations answered by the
// collaborative model itself (meta.strategy "collaborative", not a fallback) for the
// shopper with the most events sent; then at the model that has taken every event in.
// Prints each milestone from signup, in ms.
//
//   bun scripts/bench/first-recommendation.ts [pglite|postgres] [--events 1000] [--rate 200] [--ask-before-events 1] [--timeout-seconds 180]
import { arg } from '../lib/args.ts'
import { startBenchServer, type Engine } from '../lib/bench-server.ts'
import { syntheticStore } from '../eval/synthetic.ts'

const engine = (process.argv[2] ?? 'pglite') as Engine
const EVENTS = arg('--events', 1000)
const RATE = arg('--rate', 200)
const TIMEOUT_MS = arg('--timeout-seconds', 180) * 1000
/** 0: the catalog's build finishes before anything asks for recommendations (then only the first events ask for the next build). */
const ASK_BEFORE_EVENTS = arg('--ask-before-events', 1)

const server = await startBenchServer(engine, 'first-rec')
try {
  const { base } = server
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
    const json = await res.json() as any
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  // The demo data (scripts/demo.ts), anchored now: the last of 60 days of behaviour ends now.
  const store = syntheticStore({ now: Date.now() })
  const sorted = [...store.input.interactions].sort((a, b) => a.ts - b.ts)
  const events = sorted.slice(-EVENTS).map((x, i) => ({
    eventType: x.eventType, userId: x.userId, productId: x.productId, timestamp: new Date(x.ts).toISOString(),
    ...(x.eventType === 'purchase' ? { metadata: { orderId: x.orderId ?? `o-${i}`, price: 10 } } : {}),
  }))
  const perUser = new Map<string, number>()
  for (const e of events) perUser.set(e.userId, (perUser.get(e.userId) ?? 0) + 1)
  const shopper = [...perUser].sort((a, b) => b[1] - a[1])[0]![0]

  const marks: [string, number][] = []
  const t0 = performance.now()
  const mark = (what: string) => marks.push([what, Math.round(performance.now() - t0)])

  const token = (await call('POST', '/api/v1/auth/signup', {}, { email: `first-${Date.now()}@example.com`, password: 'benchmark password', name: 'First' })).data.accessToken
  const admin = { authorization: `Bearer ${token}` }
  const tenant = (await call('POST', '/api/v1/tenants', admin, { name: 'First recommendation', config: { rateLimits: { read: 1_000_000, write: 1_000_000 } } })).data
  const key = (await call('POST', `/api/v1/tenants/${tenant.id}/api-keys`, admin, { name: 'site', permissions: 'write' })).data.key as string
  const as = { 'x-api-key': key }
  mark('signed up, tenant and key')
  const items = store.input.items.map((it) => ({ productId: it.productId, name: it.name, description: it.description ?? undefined, category: it.category ?? undefined, price: it.price ?? undefined, attributes: it.attributes, available: it.available }))
  await call('POST', '/api/v1/catalog/batch', as, { items })
  mark(`catalog uploaded (${items.length} items)`)

  const ask = async () => (await call('GET', `/api/v1/recommendations?userId=${encodeURIComponent(shopper)}&strategy=collaborative&limit=8`, as))
  if (ASK_BEFORE_EVENTS) {
    const first = await ask()
    mark(`first answer: ${first.data.length} items, ${first.meta.strategy}`)
  } else {
    while ((await call('GET', '/api/v1/models', as)).data.status !== 'ready') await Bun.sleep(50)
    mark('model built on the catalog alone')
  }

  // The site: batches of 100 at RATE events per second, while a widget asks every 250 ms.
  let sent = 0
  const sending = (async () => {
    const started = performance.now()
    for (let i = 0; i < events.length; i += 100) {
      const wait = started + (i / RATE) * 1000 - performance.now()
      if (wait > 0) await Bun.sleep(wait)
      await call('POST', '/api/v1/events/batch', as, { events: events.slice(i, i + 100) })
      sent = Math.min(events.length, i + 100)
      if (i === 0) mark('first events stored')
    }
    mark(`all ${events.length} events stored`)
  })()
  let answer
  for (;;) {
    answer = await ask()
    if (answer.meta.strategy === 'collaborative' && answer.data.length > 0) break
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`no collaborative answer within ${TIMEOUT_MS / 1000} s (last: ${answer.meta.strategy}, ${sent} events sent)`)
    await Bun.sleep(250)
  }
  mark(`first collaborative recommendation (${answer.data.length} items, model ${answer.meta.modelVersion}, ${sent} events sent by then)`)
  await sending
  // And the model that has taken every event in (the builds that follow the data, not the 15-minute refresh).
  let model
  for (;;) {
    model = (await call('GET', '/api/v1/models', as)).data
    if ((model.stats?.interactions ?? 0) >= events.length) break
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`no model with all ${events.length} events within ${TIMEOUT_MS / 1000} s (last: ${model.stats?.interactions})`)
    await Bun.sleep(250)
  }
  mark(`model built on all ${events.length} events`)
  console.log(`${engine}  ${EVENTS} demo events at ${RATE}/s, shopper ${shopper} (${perUser.get(shopper)} events)`)
  for (const [what, ms] of marks) console.log(`  ${String(ms).padStart(7)} ms  ${what}`)
  console.log(`  model now: ${model.stats?.interactions} interactions, built in ${model.stats?.buildMs} ms`)
} finally {
  await server.stop()
}
