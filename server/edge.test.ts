// The edge of a real process, on Bun and on Deno (issue 17, items 10-12): what
// the runtime's HTTP layer would answer by itself (a body over the limit,
// huge headers or path, a wrong Content-Type) comes from the app as a problem
// document; an unreachable REDIS_URL at start-up starts degraded instead of
// dying; a second instance on a taken port exits 1 saying why.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './test/wait-for.ts'

const root = join(import.meta.dir, '..')
const DENO_FLAGS = ['--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-sys', '--allow-ffi']
const COMMANDS = {
  bun: [process.execPath, 'server/main.ts'],
  deno: [join(root, 'node_modules/.bin/deno'), 'run', ...DENO_FLAGS, 'server/main.deno.ts'],
}
const freePort = () => 20000 + Math.floor(Math.random() * 20000)

function start(runtime: keyof typeof COMMANDS, port: number, env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), `re-edge-${runtime}-`))
  const proc = Bun.spawn(COMMANDS[runtime], {
    cwd: root, stdout: 'pipe', stderr: 'pipe',
    env: { ...process.env, PORT: String(port), CONSOLE_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', BCRYPT_COST: '4', ...env },
  })
  return { proc, stop: async () => { proc.kill('SIGTERM'); await proc.exited; rmSync(dataDir, { recursive: true, force: true }) } }
}

function health(base: string, proc: { exitCode: number | null }) {
  return waitFor('the server to become healthy', async () => {
    if (proc.exitCode !== null) throw new Error(`server exited early with ${proc.exitCode}`)
    try { const r = await fetch(`${base}/health`); return r.ok && await r.json() } catch { return false /* not listening yet */ }
  }, { timeoutMs: 90_000, everyMs: 100 })
}

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect((await res.json()).status).toBe(status)
}

for (const runtime of ['bun', 'deno'] as const) {
  describe(`the HTTP edge [${runtime}]`, () => {
    test('413, 431 and 415 are problem documents; Redis down at start-up: degraded, still serving; a taken port: exit 1', async () => {
      const port = freePort()
      // A port nothing listens on: Redis "down" for the whole test.
      const server = start(runtime, port, { REDIS_URL: `redis://127.0.0.1:${freePort()}` })
      try {
        const base = `http://127.0.0.1:${port}`
        expect(await health(base, server.proc)).toEqual({ status: 'ok', db: 'pglite', cache: 'degraded' })
        const signup = await fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `edge-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Edge' }) })
        expect(signup.status).toBe(201) // served on the in-process fallbacks
        const post = (body: BodyInit, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
          fetch(`${base}/api/v1/auth/signup`, { method: 'POST', headers, body })
        await expectProblem(await post('x'.repeat(6 << 20)), 413)
        await expectProblem(await post(new Blob(['x'.repeat(6 << 20)]).stream()), 413)
        await expectProblem(await fetch(`${base}/api/v1/catalog`, { headers: { 'x-junk': 'x'.repeat(32 << 10) } }), 431)
        await expectProblem(await fetch(`${base}/api/v1/${'p'.repeat(20 << 10)}`), 431)
        await expectProblem(await post('<x/>', { 'content-type': 'application/xml' }), 415)

        const second = start(runtime, port, {})
        try {
          expect(await second.proc.exited).toBe(1)
          expect(await new Response(second.proc.stderr).text() + await new Response(second.proc.stdout).text())
            .toContain(`port ${port} is already in use; set REUSE_PORT=true to share it on purpose`)
        } finally { await second.stop() }
        expect((await fetch(`${base}/health`)).ok).toBe(true)
      } finally { await server.stop() }
    }, 150_000)
  })
}
