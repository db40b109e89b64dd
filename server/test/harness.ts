// Builds an app on a named backend and speaks HTTP to it in-process
// (app.handle), as an integrator would over the network.
import { createApp, type App } from '../app.ts'
import { loadConfig, type Config } from '../config.ts'
import type { Mail, Mailer } from '../infra/mailer.ts'
import type { Logger } from '../logger.ts'
import type { Cache } from '../infra/cache/index.ts'
import { backend, quietLog, type BackendName } from './backends.ts'

export interface TestApp {
  app: App
  mail: Mail[]
  req: (method: string, path: string, opts?: ReqOpts) => Promise<Res>
  /** Signs up a fresh admin and returns its access token (and the session). */
  admin: (name?: string) => Promise<{ token: string; refreshToken: string; email: string; userId: string }>
  /** A fresh admin with one tenant and a read and a write key. */
  tenantWithKeys: (config?: object) => Promise<{ token: string; tenantId: string; readKey: string; writeKey: string }>
}
export interface ReqOpts { body?: unknown; raw?: string; token?: string; key?: string; tenant?: string; headers?: Record<string, string> }
export interface Res { status: number; headers: Headers; body: any; text: string }

/** Secrets every test app shares, so keys and tokens made through one work on another (as across instances). */
export const TEST_SECRETS = { jwtSecret: 'test-jwt-secret-0123456789-0123456789-abcdef', apiKeyPepper: 'test-pepper-0123456789-0123456789-0123456789' }

let seq = 0
export const uniqueEmail = (tag = 'admin') => `${tag}-${Date.now().toString(36)}-${++seq}-${Math.random().toString(36).slice(2, 7)}@example.com`

/** `opts.log`: where the app logs (silent by default); a test that reads the logs passes its own. `opts.cache`: shared state of the caller's own (a Redis Cluster test), instead of the backend's. `opts.ready: false`: not marked ready, as a runtime leaves it until its warm-up ends. */
export async function testApp(name: BackendName, overrides: Partial<Config> = {}, clock?: () => Date, opts: { log?: Logger; cache?: Cache; ready?: boolean } = {}): Promise<TestApp> {
  const b = await backend(name)
  // Tests send bad credentials and use one admin for thousands of requests on purpose; the limits
  // that stop that are tested with their defaults (server/test/bad-input.test.ts) by overriding these.
  // A model not in memory is waited for, not answered from the fallbacks after 50 ms: what a test asks of a model
  // must not depend on how fast a loaded machine loads it (models/model-memory.test.ts covers the cold path).
  const config = { ...loadConfig({ BCRYPT_COST: '4', LOG_LEVEL: 'silent', AUTH_FAILURE_LIMIT: '1000000', ADMIN_RATE_LIMIT: '1000000', MAX_TENANT_RATE_LIMIT: '10000000', MODEL_COLD_WAIT_MS: '30000' }), ...overrides }
  const mail: Mail[] = []
  const mailer: Mailer = { send: async (m) => { mail.push(m) } }
  const app = await createApp({
    config, database: b.database, cache: opts.cache ?? await b.makeCache(), log: opts.log ?? quietLog, mailer, clock, usageFlushMs: 0,
    secrets: TEST_SECRETS,
  })
  if (opts.ready !== false) app.markReady()

  const req = async (method: string, path: string, o: ReqOpts = {}): Promise<Res> => {
    const headers: Record<string, string> = { ...o.headers }
    if (o.body !== undefined || o.raw !== undefined) headers['content-type'] ??= 'application/json'
    if (o.token) headers.authorization = `Bearer ${o.token}`
    if (o.key) headers['x-api-key'] = o.key
    if (o.tenant) headers['x-tenant-id'] = o.tenant
    const res = await app.handle(new Request(`http://localhost${path}`, {
      method, headers, body: o.raw ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
    }))
    const text = await res.text()
    let body: any = text
    try { body = text ? JSON.parse(text) : null } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, body, text }
  }

  const admin = async (nm = 'Ada') => {
    const email = uniqueEmail()
    const r = await req('POST', '/api/v1/auth/signup', { body: { email, password: 'correct horse battery', name: nm } })
    if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`)
    return { token: r.body.data.accessToken, refreshToken: r.body.data.refreshToken, email, userId: r.body.data.user.id }
  }

  const tenantWithKeys = async (config?: object) => {
    const { token } = await admin()
    const t = await req('POST', '/api/v1/tenants', { token, body: { name: `Shop ${++seq}`, ...(config ? { config } : {}) } })
    if (t.status !== 201) throw new Error(`tenant failed: ${t.status} ${t.text}`)
    const tenantId = t.body.data.id
    const mk = async (permissions: string) => (await req('POST', `/api/v1/tenants/${tenantId}/api-keys`, { token, body: { name: permissions, permissions } })).body.data.key
    return { token, tenantId, readKey: await mk('read'), writeKey: await mk('write') }
  }

  return { app, mail, req, admin, tenantWithKeys }
}

/** Asserts the RFC 7807 shape and returns the problem. */
export function expectProblem(r: Res, status: number) {
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${r.text}`)
  const ct = r.headers.get('content-type') ?? ''
  if (!ct.startsWith('application/problem+json')) throw new Error(`expected problem+json, got ${ct}`)
  for (const k of ['type', 'title', 'status', 'detail', 'instance']) if (!(k in r.body)) throw new Error(`problem lacks ${k}: ${r.text}`)
  if (r.body.status !== status) throw new Error(`problem.status ${r.body.status} != ${status}`)
  return r.body as { type: string; title: string; status: number; detail: string; instance: string; errors?: { field: string; message: string }[] }
}
