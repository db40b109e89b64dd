// Building blocks for fault and load scripts that run the real thing: API
// instances and model workers as separate `bun` processes on a throw-away
// PostgreSQL database, a private Redis the script may kill, and a TCP proxy
// in front of PostgreSQL the script may cut. Nothing here touches the shared
// PostgreSQL cluster or Redis beyond creating and dropping its own database.
import postgres from 'postgres'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Socket, TCPSocketListener } from 'bun'

export const ROOT = join(import.meta.dir, '../..')
export const PG_ADMIN = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** The same on every instance, as production requires: keys are HMACs under the pepper, tokens signed with the secret. */
export const SHARED_SECRETS = { JWT_SECRET: 'fault-jwt-secret-0123456789-0123456789-0123456789', API_KEY_PEPPER: 'fault-pepper-0123456789-0123456789-0123456789-01' }

export const sleep = (ms: number) => Bun.sleep(ms)
export const freePort = () => 20000 + Math.floor(Math.random() * 20000)

/** A fresh database on the shared cluster; drop() removes it. */
export async function throwawayDatabase(tag: string) {
  const name = `recomengine_${tag}_${Date.now()}_${process.pid}`
  const admin = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = PG_ADMIN.replace(/\/[^/]*$/, `/${name}`)
  return {
    name, url,
    /** A direct connection (not through any proxy), for checks. */
    connect: () => postgres(url, { max: 2, onnotice: () => {} }),
    async drop() {
      const a = postgres(PG_ADMIN, { max: 1, onnotice: () => {} })
      await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {})
      await a.end()
    },
  }
}

export interface Proc { name: string; base: string; port: number; proc: ReturnType<typeof Bun.spawn>; kill: (sig?: 'SIGTERM' | 'SIGKILL') => Promise<number>; log: () => string }

/**
 * Starts `bun <script>` with the given environment; for the API, waits for
 * /health. Output is captured (LOG_LEVEL=warn by default) so a script can show
 * what an instance said about a fault.
 */
export async function startProcess(name: string, script: 'server/main.ts' | 'server/worker.ts', env: Record<string, string>): Promise<Proc> {
  // env.PORT: the same address again (a restarted instance behind a proxy).
  const port = script === 'server/main.ts' ? Number(env.PORT ?? freePort()) : 0
  const dataDir = mkdtempSync(join(tmpdir(), `fault-${name}-`))
  const proc = Bun.spawn([process.execPath, script], {
    cwd: ROOT, stdout: 'pipe', stderr: 'pipe',
    // Fault and load scripts give tenants limits above the operator's default ceiling; an explicit MAX_TENANT_RATE_LIMIT wins.
    env: { ...process.env as Record<string, string>, LOG_LEVEL: 'warn', CONSOLE_PORT: '0', MAX_TENANT_RATE_LIMIT: process.env.MAX_TENANT_RATE_LIMIT ?? '10000000', ...SHARED_SECRETS, DATA_DIR: dataDir, PORT: String(port), ...env },
  })
  let out = ''
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const reader = s.getReader(), d = new TextDecoder()
    for (let c = await reader.read(); !c.done; c = await reader.read()) out += d.decode(c.value, { stream: true })
  }
  void drain(proc.stdout as ReadableStream<Uint8Array>)
  void drain(proc.stderr as ReadableStream<Uint8Array>)
  const base = `http://127.0.0.1:${port}`
  const p: Proc = {
    name, base, port, proc, log: () => out,
    async kill(sig = 'SIGTERM') { proc.kill(sig); const c = await proc.exited; rmSync(dataDir, { recursive: true, force: true }); return c },
  }
  if (script === 'server/main.ts') {
    for (let i = 0; ; i++) {
      try { if ((await fetch(`${base}/health`)).ok) break } catch { /* starting */ }
      if (proc.exitCode !== null || i > 600) throw new Error(`${name} did not start:\n${out}`)
      await sleep(100)
    }
  }
  return p
}

/**
 * The tenant's stored events, counted in the database: GET /events counts at
 * most 10,001 rows (more than a load test sends), so it cannot check "stored == acknowledged".
 */
export async function storedEvents(db: { connect(): ReturnType<typeof postgres> }, tenantId: string): Promise<number> {
  const sql = db.connect()
  try { return Number((await sql`select count(*)::int as n from events where tenant_id = ${tenantId}`)[0]!.n) } finally { await sql.end() }
}

/** Signs up an admin, creates a tenant with the given config and a read and a write key. */
export async function setupTenant(base: string, config: object = {}) {
  const send = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const json = await res.json() as any
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
    return json.data
  }
  const token = (await send('/api/v1/auth/signup', { email: `fault-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`, password: 'fault script password', name: 'Fault' })).accessToken as string
  const admin = { authorization: `Bearer ${token}` }
  const tenantId = (await send('/api/v1/tenants', { name: 'Fault shop', config }, admin)).id as string
  const key = async (permissions: string) => (await send(`/api/v1/tenants/${tenantId}/api-keys`, { name: permissions, permissions }, admin)).key as string
  return { token, tenantId, readKey: await key('read'), writeKey: await key('write') }
}

export interface Answer { status: number; headers: Headers; body: any; ms: number }

/** One request; a refused or reset connection comes back as status 0. */
export async function call(base: string, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  const t0 = performance.now()
  try {
    const res = await fetch(base + path, {
      method, headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    let json: any = text
    try { json = JSON.parse(text) } catch { /* not JSON */ }
    return { status: res.status, headers: res.headers, body: json, ms: performance.now() - t0 }
  } catch {
    return { status: 0, headers: new Headers(), body: null, ms: performance.now() - t0 }
  }
}

/** Polls GET /models (every 100 ms, at most `polls` times) until the tenant's model is ready; it needs a write key. */
export async function waitForModel(base: string, writeKey: string, polls = 200) {
  for (let i = 0; (await call(base, 'GET', '/api/v1/models', writeKey)).body?.data?.status !== 'ready'; i++) {
    if (i > polls) throw new Error('model not built')
    await sleep(100)
  }
}

/** Loads smallStore() into a tenant, asks for a build and waits for the model. */
export async function seedSmallStore(base: string, tenant: { readKey: string; writeKey: string }) {
  const store = smallStore()
  await call(base, 'POST', '/api/v1/catalog/batch', tenant.writeKey, { items: store.items })
  // At most 100 events a batch (240 in one were refused whole: every shopper was left without a history).
  for (let i = 0; i < store.events.length; i += 100) {
    const r = await call(base, 'POST', '/api/v1/events/batch', tenant.writeKey, { events: store.events.slice(i, i + 100) })
    if (r.status !== 202) throw new Error(`seeding events failed: ${r.status} ${JSON.stringify(r.body)}`)
  }
  await call(base, 'POST', '/api/v1/models/rebuild', tenant.writeKey)
  await waitForModel(base, tenant.writeKey)
}

/** A fault script's checks: each printed as it is made; finish() prints the verdict and exits 1 on any failure. */
export function checkList() {
  const checks: { what: string; ok: boolean; detail: string }[] = []
  return {
    check(what: string, ok: boolean, detail: string) { checks.push({ what, ok, detail }); console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${detail}`) },
    finish(): never {
      const failed = checks.filter((c) => !c.ok)
      console.log(failed.length ? `${failed.length} check(s) failed` : 'all checks passed')
      process.exit(failed.length ? 1 : 0)
    },
  }
}

/** A small catalog and purchase history, enough for every strategy to have a model. */
export function smallStore(n = 60, users = 40) {
  const items = Array.from({ length: n }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, description: `A ${['red', 'green', 'blue'][i % 3]} thing number ${i}`, category: ['red', 'green', 'blue'][i % 3], price: 10 + i }))
  const now = Date.now()
  const events = Array.from({ length: users * 6 }, (_, i) => ({
    eventType: i % 3 === 0 ? 'purchase' : 'product_viewed', userId: `u${i % users}`, productId: `p${(i * 7 + (i % users)) % n}`,
    timestamp: new Date(now - 3600_000 + i * 100).toISOString(),
  }))
  return { items, events }
}

/** A private redis-server on its own port (no persistence), that the script may stop and start again. */
export function privateRedis(port: number) {
  let proc: ReturnType<typeof Bun.spawn> | undefined
  return {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // Someone else's server on the port would answer for ours (and must never be the one killed).
      const taken = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } }).then((s) => { s.end(); return true }, () => false)
      if (taken) throw new Error(`port ${port} is in use: pass another with --redis-port`)
      proc = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdout: 'ignore', stderr: 'ignore' })
      for (let i = 0; i < 100; i++) {
        try {
          const s = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } })
          s.end()
          return
        } catch { await sleep(50) }
      }
      throw new Error(`redis-server on ${port} did not start`)
    },
    async stop() { if (proc) { proc.kill('SIGKILL'); await proc.exited; proc = undefined } },
  }
}

/**
 * A TCP proxy in front of PostgreSQL: cut() resets every connection and stops
 * listening, so new connections are refused (as when the database host is
 * down); restore() listens on the same port again.
 */
export function tcpProxy(target: { host: string; port: number }) {
  // Socket.write may take only part of a chunk; the rest waits for drain.
  class Writer {
    sock: Socket<any> | undefined
    queue: Uint8Array[] = []
    write(chunk: Uint8Array) {
      if (!this.sock || this.queue.length) { this.queue.push(new Uint8Array(chunk)); return }
      const n = this.sock.write(chunk)
      if (n < chunk.byteLength) this.queue.push(new Uint8Array(chunk.subarray(Math.max(0, n))))
    }
    flush() {
      while (this.sock && this.queue.length) {
        const c = this.queue[0]!
        const n = this.sock.write(c)
        if (n < c.byteLength) { this.queue[0] = c.subarray(Math.max(0, n)); return }
        this.queue.shift()
      }
    }
  }
  interface Pair { client: Socket<Pair>; toClient: Writer; toUpstream: Writer; upstream?: Socket<unknown> }
  const pairs = new Set<Pair>()
  const drop = (p: Pair) => { p.client.terminate(); p.upstream?.terminate(); pairs.delete(p) }
  const listen = (port: number): TCPSocketListener<Pair> => Bun.listen<Pair>({
    hostname: '127.0.0.1', port,
    socket: {
      open(client) {
        const pair: Pair = { client, toClient: new Writer(), toUpstream: new Writer() }
        pair.toClient.sock = client
        client.data = pair
        pairs.add(pair)
        Bun.connect({
          hostname: target.host, port: target.port,
          socket: {
            open(up) { pair.upstream = up; pair.toUpstream.sock = up; pair.toUpstream.flush() },
            data(_up, chunk) { pair.toClient.write(chunk) },
            drain() { pair.toUpstream.flush() },
            close() { drop(pair) },
            error() { drop(pair) },
          },
        }).catch(() => drop(pair))
      },
      data(client, chunk) { client.data.toUpstream.write(chunk) },
      drain(client) { client.data.toClient.flush() },
      close(client) { if (client.data) drop(client.data) },
      error(client) { if (client.data) drop(client.data) },
    },
  })
  let listener: TCPSocketListener<Pair> | undefined = listen(0)
  const port = listener.port
  return {
    port,
    get connections() { return pairs.size },
    /** Resets every connection and stops listening: new connections are refused, as by a dead database host. */
    cut() { listener?.stop(true); listener = undefined; for (const p of [...pairs]) drop(p) },
    /** Listens again on the same port. */
    restore() { listener ??= listen(port) },
    close() { listener?.stop(true); listener = undefined; for (const p of [...pairs]) drop(p) },
  }
}

export const pct = (a: number[], p: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0 }
export const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0)

/**
 * A tiny round-robin HTTP proxy on loopback, standing in for Caddy in
 * deploy/compose.yaml: each request goes to the next upstream; a refused
 * connection (an instance restarting) is retried on the next one, since the
 * request never reached it, and that upstream is skipped for a second.
 */
export function roundRobinProxy(upstreams: string[]) {
  let next = 0
  const downUntil = new Map<string, number>()
  const served: Record<string, number> = Object.fromEntries(upstreams.map((u) => [u, 0]))
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1', idleTimeout: 60,
    async fetch(req, srv) {
      const url = new URL(req.url)
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer()
      const headers = new Headers(req.headers)
      headers.delete('host')
      // fetch would decompress the answer but keep its Content-Encoding: ask the upstream for identity.
      headers.delete('accept-encoding')
      headers.set('x-forwarded-for', srv.requestIP(req)?.address ?? '127.0.0.1')
      for (let tries = 0; tries < upstreams.length * 2; tries++) {
        const up = upstreams[next++ % upstreams.length]!
        if ((downUntil.get(up) ?? 0) > performance.now() && tries < upstreams.length) continue
        try {
          const res = await fetch(up + url.pathname + url.search, { method: req.method, headers, body, redirect: 'manual' })
          served[up]!++
          return res
        } catch {
          downUntil.set(up, performance.now() + 1000)
        }
      }
      return new Response('no upstream answered', { status: 502 })
    },
  })
  return { base: `http://127.0.0.1:${server.port}`, port: server.port!, served, stop: () => server.stop(true) }
}

export interface Cluster {
  /** The proxy's address: what clients use. */
  base: string
  apis: Proc[]
  worker: Proc
  proxy: ReturnType<typeof roundRobinProxy>
  /** SIGTERM one API instance, wait for it to drain and exit, start it again on the same port. */
  restartApi(i: number): Promise<void>
  stop(): Promise<void>
}

/**
 * The production topology of deploy/compose.yaml as processes: `apis` API
 * instances (MODEL_WORKER=off) and one `bun server/worker.ts`, on the given
 * PostgreSQL database and Redis, behind a round-robin proxy on loopback.
 */
export async function startCluster(opts: { databaseUrl: string; redisUrl: string; apis?: number; env?: Record<string, string> }): Promise<Cluster> {
  const env = { DATABASE_URL: opts.databaseUrl, REDIS_URL: opts.redisUrl, MODEL_WORKER: 'off', ...opts.env }
  // Started one after another: the first applies the migrations (the others would wait on its advisory lock anyway).
  const apis: Proc[] = []
  for (let i = 0; i < (opts.apis ?? 2); i++) apis.push(await startProcess(`api-${i + 1}`, 'server/main.ts', env))
  const worker = await startProcess('worker', 'server/worker.ts', env)
  const proxy = roundRobinProxy(apis.map((a) => a.base))
  return {
    base: proxy.base, apis, worker, proxy,
    async restartApi(i) {
      const old = apis[i]!
      await old.kill('SIGTERM')
      apis[i] = await startProcess(old.name, 'server/main.ts', { ...env, PORT: String(old.port) })
    },
    async stop() {
      proxy.stop()
      await Promise.all([...apis.map((a) => a.kill()), worker.kill()])
    },
  }
}
