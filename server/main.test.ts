// The real entry points, as separate processes: `bun server/main.ts` and
// `deno run server/main.deno.ts`, each on a fresh DATA_DIR (embedded PGlite),
// driven over real HTTP: signup → tenant → API key → key introspection.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './test/wait-for.ts'

const root = join(import.meta.dir, '..')
const DENO_FLAGS = ['--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-sys', '--allow-ffi']

function waitHealthy(base: string, proc: { exitCode: number | null }, timeoutMs = 60_000) {
  return waitFor('the server to become healthy', async () => {
    if (proc.exitCode !== null) throw new Error(`server exited early with ${proc.exitCode}`)
    try { const r = await fetch(`${base}/health`); return r.ok && await r.json() } catch { return false /* not listening yet */ }
  }, { timeoutMs, everyMs: 100 })
}

async function onboard(base: string) {
  const post = (path: string, body: unknown, token?: string) => fetch(base + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  })
  const signup = await post('/api/v1/auth/signup', { email: `rt-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Runtime' })
  expect(signup.status).toBe(201)
  const token = (await signup.json()).data.accessToken
  const tenant = await post('/api/v1/tenants', { name: 'Runtime shop' }, token)
  expect(tenant.status).toBe(201)
  const tenantId = (await tenant.json()).data.id
  const key = await post(`/api/v1/tenants/${tenantId}/api-keys`, { name: 'sdk', permissions: 'read' }, token)
  expect(key.status).toBe(201)
  const readKey: string = (await key.json()).data.key
  const me = await fetch(`${base}/api/v1/me`, { headers: { 'x-api-key': readKey } })
  expect((await me.json()).data.tenantId).toBe(tenantId)
  const write = await post(`/api/v1/tenants/${tenantId}/api-keys`, { name: 'backend', permissions: 'write' }, token)
  return { readKey, writeKey: (await write.json()).data.key as string }
}

/** A small store through the API, a model built (on the build thread), and a recommendation from it. */
async function recommendFromABuiltModel(base: string, keys: { readKey: string; writeKey: string }) {
  const send = (path: string, body: unknown) => fetch(base + path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': keys.writeKey } })
  const items = Array.from({ length: 6 }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, category: 'c', price: 10 + i }))
  expect((await send('/api/v1/catalog/batch', { items })).status).toBe(200)
  const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString()
  const events = Array.from({ length: 4 }, (_, u) => [0, 1, 2].map((i) => ({ eventType: 'purchase', userId: `u${u}`, productId: `p${(u + i) % 6}`, timestamp: at(10 + i), metadata: { orderId: `o${u}` } }))).flat()
  expect((await send('/api/v1/events/batch', { events })).status).toBe(202)
  expect((await send('/api/v1/models/rebuild', {})).status).toBe(202)
  const model = await waitFor('the model to be built', async () => {
    const m: { status: string; version: string | null } = (await (await fetch(`${base}/api/v1/models`, { headers: { 'x-api-key': keys.writeKey } })).json()).data
    return m.status === 'ready' && m
  }, { timeoutMs: 30_000, everyMs: 200 })
  const recs = await (await fetch(`${base}/api/v1/recommendations?userId=u0&productId=p0&strategy=frequently_bought_together&limit=3`, { headers: { 'x-api-key': keys.readKey } })).json()
  expect(recs.meta.modelVersion).toBe(model.version)
  expect(recs.data.length).toBeGreaterThan(0)
}

const port = () => 20000 + Math.floor(Math.random() * 20000)

describe('entry points', () => {
  test('bun server/main.ts: serves, then drains in-flight requests on SIGTERM and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 're-bun-'))
    const p = port()
    // bcrypt cost 12 (~250 ms a signup) keeps the last request genuinely in flight when SIGTERM arrives.
    const proc = Bun.spawn([process.execPath, 'server/main.ts'], { cwd: root, env: { ...process.env, PORT: String(p), DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_COST: '12' }, stdout: 'pipe', stderr: 'pipe' })
    try {
      const base = `http://127.0.0.1:${p}`
      expect(await waitHealthy(base, proc)).toEqual({ status: 'ok', db: 'pglite', cache: 'memory' })
      await onboard(base)
      // A request in flight when SIGTERM arrives still gets its answer.
      const inflight = fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `late-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Late' }) })
      await Bun.sleep(50) // a window, not a condition: received and hashing, not yet answered (nothing outside the process can see that)
      proc.kill('SIGTERM')
      expect((await inflight).status).toBe(201)
      expect(await proc.exited).toBe(0)
    } finally {
      proc.kill()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 90_000)

  test('deno run server/main.deno.ts: the same app on Deno', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 're-deno-'))
    const p = port()
    const proc = Bun.spawn([join(root, 'node_modules/.bin/deno'), 'run', ...DENO_FLAGS, 'server/main.deno.ts'], { cwd: root, env: { ...process.env, PORT: String(p), DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_COST: '4' }, stdout: 'pipe', stderr: 'pipe' })
    try {
      const base = `http://127.0.0.1:${p}`
      expect(await waitHealthy(base, proc, 80_000)).toEqual({ status: 'ok', db: 'pglite', cache: 'memory' })
      await recommendFromABuiltModel(base, await onboard(base))
      proc.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
    } finally {
      proc.kill()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }, 120_000)

  test('a bad configuration stops start-up with a message naming the variable', async () => {
    const proc = Bun.spawn([process.execPath, 'server/main.ts'], { cwd: root, env: { ...process.env, PORT: 'eighty' }, stdout: 'pipe', stderr: 'pipe' })
    expect(await proc.exited).toBe(1)
    expect(await new Response(proc.stderr).text()).toContain('PORT')
  })
})
