// The SDK's JavaScript API without a browser: fetch and storage are injected.
// (Rendering, viewport and CSP behaviour are tested in Chromium: server/modules/sdk/sdk.browser.test.ts.)
import { describe, expect, test } from 'bun:test'
import { readFile } from 'node:fs/promises'
import cases from '../../assembly/cases.json'
import { ensureKernels, kernelPath } from '../../scripts/build-kernels.ts'
import { armOf, loadBucketer, weightedArmOf } from '../src/bucket.ts'
import { createEngine, DEFAULT_POLL_MS, type Env } from '../src/engine.ts'
import { anonymousId } from '../src/identity.ts'

interface Call { url: string; init: RequestInit }

function fakeFetch(answer: (url: URL, init: RequestInit) => Response | Promise<Response>) {
  const calls: Call[] = []
  const fn = (async (input: string, init: RequestInit = {}) => {
    calls.push({ url: String(input), init })
    return answer(new URL(String(input)), init)
  }) as unknown as typeof fetch
  return { fn, calls }
}

function memoryStorage() {
  const m = new Map<string, string>()
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m }
}

const ITEMS = [
  { productId: 'p1', name: 'One', imageUrl: null, price: 1, url: 'https://shop.example/p1', score: 0.9, reason: 'x' },
  { productId: 'p2', name: 'Two', imageUrl: null, price: null, url: null, score: 0.5, reason: 'y' },
]
const ok = (body: unknown) => Response.json(body)
const base = { apiKey: 'rk_live_abc', apiBase: 'https://api.example/' }

test('widget settings are re-read often enough for a saved change to land within 60 s', () => {
  expect(DEFAULT_POLL_MS).toBeLessThanOrEqual(50_000)
})

describe('identity', () => {
  test('an anonymous id is made once and kept in first-party storage', () => {
    const s = memoryStorage()
    const id = anonymousId(s)
    expect(id).toMatch(/^anon-[0-9a-f]{32}$/)
    expect(anonymousId(s)).toBe(id)
    expect(anonymousId(memoryStorage())).not.toBe(id)
  })
  test('blocked storage still gives an id and throws nothing', () => {
    const blocked = { getItem: () => { throw new Error('SecurityError') }, setItem: () => { throw new Error('SecurityError') } }
    expect(anonymousId(blocked)).toMatch(/^anon-/)
    expect(anonymousId(undefined)).toMatch(/^anon-/)
  })
  test('the merchant’s user id wins over the anonymous one', () => {
    const s = memoryStorage()
    expect(createEngine({ ...base, userId: 'customer-42' }, { fetch: fakeFetch(() => ok({})).fn, storage: s }).userId).toBe('customer-42')
    expect(s.m.size).toBe(0)
    const anon = createEngine(base, { fetch: fakeFetch(() => ok({})).fn, storage: s }).userId
    expect(createEngine(base, { fetch: fakeFetch(() => ok({})).fn, storage: s }).userId).toBe(anon)
  })
})

describe('getRecommendations', () => {
  test('asks the configured origin with the read key and returns the items', async () => {
    const f = fakeFetch(() => ok({ data: ITEMS, meta: { strategy: 'trending', requestId: 'r1' } }))
    const sdk = createEngine({ ...base, userId: 'u 1' }, { fetch: f.fn })
    expect(await sdk.getRecommendations({ placement: 'product-page', productId: 'prod-456', limit: 2, strategy: 'content_based' })).toEqual(ITEMS)
    expect(f.calls).toHaveLength(1)
    const url = new URL(f.calls[0]!.url)
    expect(url.origin + url.pathname).toBe('https://api.example/api/v1/recommendations')
    expect(Object.fromEntries(url.searchParams)).toEqual({ placement: 'product-page', productId: 'prod-456', limit: '2', strategy: 'content_based', userId: 'u 1' })
    expect(f.calls[0]!.init.headers).toEqual({ 'x-api-key': 'rk_live_abc' })
    expect(f.calls[0]!.init.credentials).toBe('omit')
  })

  test('a cart page can name its cart', async () => {
    const f = fakeFetch(() => ok({ data: ITEMS, meta: { strategy: 'collaborative', context: 'cart_page' } }))
    await createEngine({ ...base, userId: 'u1' }, { fetch: f.fn }).getRecommendations({ placement: 'cart', context: 'cart_page', cartProductIds: 'a,b' })
    expect(Object.fromEntries(new URL(f.calls[0]!.url).searchParams)).toEqual({ placement: 'cart', context: 'cart_page', cartProductIds: 'a,b', userId: 'u1' })
  })

  test('a mistyped currency code does not stop the SDK', async () => {
    const f = fakeFetch(() => ok({ data: ITEMS, meta: {} }))
    expect(await createEngine({ ...base, currency: 'euro!' }, { fetch: f.fn }).getRecommendations()).toEqual(ITEMS)
  })

  test('malformed items are dropped', async () => {
    const f = fakeFetch(() => ok({ data: [ITEMS[0], null, { productId: 3 }, { name: 'no id' }], meta: {} }))
    expect(await createEngine(base, { fetch: f.fn }).getRecommendations()).toEqual([ITEMS[0]!])
  })

  for (const [name, answer] of [
    ['500', () => new Response('boom', { status: 500 })],
    ['401', () => Response.json({ status: 401 }, { status: 401 })],
    ['bad JSON', () => new Response('{"data": [', { headers: { 'content-type': 'application/json' } })],
    ['wrong shape', () => ok({ data: { not: 'a list' } })],
    ['network error', () => { throw new TypeError('Failed to fetch') }],
  ] as const) {
    test(`${name}: resolves to [] and throws nothing`, async () => {
      expect(await createEngine(base, { fetch: fakeFetch(answer).fn }).getRecommendations({ limit: 2 })).toEqual([])
    })
  }

  test('a slow API is abandoned after the timeout', async () => {
    let aborted = false
    const f = fakeFetch((_, init) => new Promise((_, reject) => {
      init.signal!.addEventListener('abort', () => { aborted = true; reject(new DOMException('aborted', 'AbortError')) })
    }))
    expect(await createEngine({ ...base, timeout: 50 }, { fetch: f.fn }).getRecommendations()).toEqual([])
    expect(aborted).toBe(true) // the fake never answers: only the timeout's abort ends the wait
  })
})

describe('track', () => {
  test('posts the event with the shopper’s ids, keepalive, as text/plain JSON', async () => {
    const f = fakeFetch(() => new Response(null, { status: 202 }))
    const sdk = createEngine({ ...base, userId: 'u1' }, { fetch: f.fn })
    expect(await sdk.track({ eventType: 'add_to_cart', productId: 'p9', metadata: { quantity: 2 } })).toBe(true)
    const c = f.calls[0]!
    expect(c.url).toBe('https://api.example/api/v1/track')
    expect(c.init).toMatchObject({ method: 'POST', keepalive: true, credentials: 'omit' })
    expect(c.init.headers).toEqual({ 'x-api-key': 'rk_live_abc', 'content-type': 'text/plain;charset=UTF-8' })
    expect(JSON.parse(String(c.init.body))).toEqual({ eventId: expect.stringMatching(/^[0-9a-f]{32}$/), userId: 'u1', sessionId: expect.stringMatching(/^[0-9a-f]{32}$/), eventType: 'add_to_cart', productId: 'p9', metadata: { quantity: 2 } })
  })
  test('a refused or failed call resolves to false', async () => {
    expect(await createEngine(base, { fetch: fakeFetch(() => new Response('', { status: 400 })).fn }).track({ eventType: 'x', productId: 'p' })).toBe(false)
    expect(await createEngine(base, { fetch: fakeFetch(() => { throw new TypeError('offline') }).fn }).track({ eventType: 'x', productId: 'p' })).toBe(false)
    expect(await createEngine(base, { fetch: fakeFetch(() => ok({})).fn }).track(null as never)).toBe(false)
  })
})

describe('getVariant: the server’s assignment, computed locally', async () => {
  await ensureKernels()
  const wasm = (await readFile(kernelPath('bucket'))).toString('base64')

  test('the inlined WASM kernel and the JS fallback both give the known buckets', async () => {
    const fromWasm = await loadBucketer(wasm)
    const fallback = await loadBucketer(undefined)
    const broken = await loadBucketer('AGFzbQ==') // a truncated module: compile fails
    expect(fromWasm).not.toBe(fallback)
    for (const v of cases.hash.buckets as { experimentId: string; userId: string; bucket: number }[]) {
      expect(fromWasm(v.experimentId, v.userId)).toBe(v.bucket)
      expect(fallback(v.experimentId, v.userId)).toBe(v.bucket)
      expect(broken(v.experimentId, v.userId)).toBe(v.bucket)
    }
    // Longer than the kernel's first memory page.
    const long = 'ü'.repeat(40_000)
    expect(fromWasm('e', long)).toBe(fallback('e', long))
  })

  test('running experiment: the arm from bucket and split; anything else: null', async () => {
    const experiments: Record<string, object> = {
      run: { id: 'run', status: 'running', trafficSplit: 30 },
      paused: { id: 'paused', status: 'paused', trafficSplit: 30 },
    }
    const f = fakeFetch((url) => {
      const id = decodeURIComponent(url.pathname.split('/').pop()!)
      return experiments[id] ? ok({ data: experiments[id] }) : Response.json({ status: 404 }, { status: 404 })
    })
    const fallback = await loadBucketer(undefined)
    const seen = new Set<string>()
    for (let i = 0; i < 40; i++) {
      const env: Env = { fetch: f.fn, wasm }
      const sdk = createEngine({ ...base, userId: `user-${i}` }, env)
      const arm = await sdk.getVariant('run')
      expect(arm).toBe(armOf(fallback('run', `user-${i}`), 30))
      seen.add(arm!)
      expect(await sdk.getVariant('paused')).toBeNull()
      expect(await sdk.getVariant('missing')).toBeNull()
    }
    expect(seen.size).toBe(2)
    // The experiment is fetched once per page (per id), not per call.
    const sdk = createEngine({ ...base, userId: 'u' }, { fetch: f.fn })
    const before = f.calls.length
    await sdk.getVariant('run')
    await sdk.getVariant('run')
    expect(f.calls.length - before).toBe(1)
    expect(f.calls.at(-1)!.url).toBe('https://api.example/api/v1/experiments/run')
  }, 30_000) // 40 engines, each compiling the kernel: seconds on a loaded machine

  test('variants (3 and 5 arms): the arm key by the contract ranges; the same as the server', async () => {
    const three = [{ key: 'ctl', strategy: 'trending', weight: 20 }, { key: 'b', strategy: 'collaborative', weight: 30 }, { key: 'c', strategy: 'content_based', weight: 50 }]
    const five = [10, 20, 30, 15, 25].map((weight, i) => ({ key: `arm${i}`, strategy: 'trending', weight }))
    const f = fakeFetch((url) => {
      const id = decodeURIComponent(url.pathname.split('/').pop()!)
      return ok({ data: { id, status: 'running', trafficSplit: 50, variants: id === 'three' ? three : five } })
    })
    const fallback = await loadBucketer(undefined)
    // arm i owns [Σ_{j<i} w × 100, Σ_{j≤i} w × 100)
    const contract = (b: number, arms: { key: string; weight: number }[]) => {
      let lo = 0
      for (const a of arms) { if (b >= lo && b < lo + a.weight * 100) return a.key; lo += a.weight * 100 }
    }
    const { assignArm } = await import('../../server/modules/experiments/assignment.ts')
    const { jsKernels } = await import('../../server/kernels/load.ts')
    const seen = { three: new Set<string>(), five: new Set<string>() }
    for (let i = 0; i < 120; i++) {
      const sdk = createEngine({ ...base, userId: `user-${i}` }, { fetch: f.fn, wasm })
      for (const [id, arms] of [['three', three], ['five', five]] as const) {
        const arm = await sdk.getVariant(id)
        expect(arm).toBe(contract(fallback(id, `user-${i}`), arms)!)
        expect(arm).toBe(assignArm(jsKernels(), id, `user-${i}`, { control: 'x', variant: 'y', trafficSplit: 50, variants: arms }))
        seen[id].add(arm!)
      }
    }
    expect(seen.three.size).toBe(3)
    expect(seen.five.size).toBe(5)
    for (const b of [0, 999, 1000, 2999, 3000, 5999, 6000, 7499, 7500, 9999]) expect(weightedArmOf(b, five)).toBe(contract(b, five)!)
  }, 30_000)

  test('the arm rule matches the server’s', async () => {
    const { armOf: serverArmOf } = await import('../../server/modules/experiments/assignment.ts')
    for (const split of [1, 30, 50, 99]) for (const b of [0, 99, 100, 2999, 3000, 4999, 5000, 9899, 9900, 9999]) expect(armOf(b, split)).toBe(serverArmOf(b, split))
  })
})
