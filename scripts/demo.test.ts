// `npm run demo` against a real server process: under another DATA_DIR it stops
// before seeding with a message saying which DATA_DIR to use (it once crashed
// with ENOENT .data/demo-admin.json); under the server's own it seeds the store
// and two experiments, one completed with results and one running.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from '../server/test/wait-for.ts'

const root = join(import.meta.dir, '..')
const serverDir = mkdtempSync(join(tmpdir(), 'demo-server-'))
const otherDir = join(mkdtempSync(join(tmpdir(), 'demo-other-')), 'not-yet-made')
const port = 20000 + Math.floor(Math.random() * 20000)
const base = `http://127.0.0.1:${port}`
let server: ReturnType<typeof Bun.spawn>

beforeAll(async () => {
  server = Bun.spawn([process.execPath, 'server/main.ts'], { cwd: root, env: { ...process.env, PORT: String(port), CONSOLE_PORT: '0', DATA_DIR: serverDir, LOG_LEVEL: 'warn', BCRYPT_COST: '4' }, stdout: 'ignore', stderr: 'ignore' })
  await waitFor('the server', async () => { try { return (await fetch(`${base}/health`)).ok } catch { return false } }, { timeoutMs: 60_000, everyMs: 100 })
}, 70_000)
afterAll(async () => {
  server?.kill()
  await server?.exited
  rmSync(serverDir, { recursive: true, force: true })
  rmSync(join(otherDir, '..'), { recursive: true, force: true })
})

async function demo(dataDir: string) {
  const p = Bun.spawn([process.execPath, 'scripts/demo.ts'], { cwd: root, env: { ...process.env, DATA_DIR: dataDir, DEMO_API_URL: base }, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { out, err, code }
}

describe('npm run demo', () => {
  test('under another DATA_DIR than the server: a message naming the fix, no stack trace, nothing seeded', async () => {
    const r = await demo(otherDir)
    expect(r.code).toBe(1)
    expect(r.err).toContain(`does not read its demo store from DATA_DIR=${otherDir}`)
    expect(r.err).toContain('DATA_DIR=<the server\'s DATA_DIR> npm run demo')
    expect(r.err).not.toMatch(/ENOENT|\n\s+at /)
    expect(r.out).not.toContain('catalog:')
    expect(existsSync(join(otherDir, 'demo-admin.json'))).toBe(true)
  }, 30_000)

  test("under the server's DATA_DIR: the store, and a finished and a running experiment with results", async () => {
    const r = await demo(serverDir)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toContain('Demo store ready')
    const { tenantId, readKey } = JSON.parse(await Bun.file(join(serverDir, 'demo.json')).text()) as { tenantId: string; readKey: string }
    expect(await (await fetch(`${base}/demo`)).text()).toContain(readKey)
    const admin = JSON.parse(await Bun.file(join(serverDir, 'demo-admin.json')).text()) as { email: string; password: string }
    const login = await (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: admin.email, password: admin.password }) })).json() as { data: { accessToken: string } }
    const headers = { authorization: `Bearer ${login.data.accessToken}`, 'x-tenant-id': tenantId }
    const list = (await (await fetch(`${base}/api/v1/experiments?limit=10`, { headers })).json() as { data: { id: string; status: string }[] }).data
    expect(list.map((e) => e.status).sort()).toEqual(['completed', 'running'])
    for (const e of list) {
      const res = (await (await fetch(`${base}/api/v1/experiments/${e.id}/results`, { headers })).json() as { data: { sampleSize: { control: number; variant: number }; controlMetric: number | null; variantMetric: number | null } }).data
      expect(res.sampleSize.control).toBeGreaterThan(0)
      expect(res.sampleSize.variant).toBeGreaterThan(0)
      expect(res.controlMetric).not.toBeNull()
      expect(res.variantMetric).not.toBeNull()
    }
  }, 180_000)
})
