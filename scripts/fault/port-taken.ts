// Fault: a port already taken (issue 17, item 11). A first instance serves on a
// port; a second one started on the same port, on Bun and on Deno, must exit
// non-zero with a clear message instead of silently sharing it (SO_REUSEPORT,
// which would split the first one's traffic). Two instances that both set
// REUSE_PORT=true share a port on purpose.
//
//   bun scripts/fault/port-taken.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkList, freePort, ROOT, SHARED_SECRETS, sleep } from '../lib/cluster.ts'

const DENO = join(ROOT, 'node_modules/.bin/deno')
const DENO_FLAGS = ['--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-sys', '--allow-ffi']
const { check, finish } = checkList()

interface Started { proc: ReturnType<typeof Bun.spawn>; out: () => string; stop: () => Promise<void> }
const running: Started[] = []

/** An API instance (embedded PGlite in its own data directory) on `port`; output captured. */
function start(runtime: 'bun' | 'deno', port: number, env: Record<string, string> = {}): Started {
  const dataDir = mkdtempSync(join(tmpdir(), 'fault-port-'))
  const cmd = runtime === 'bun' ? [process.execPath, 'server/main.ts'] : [DENO, 'run', ...DENO_FLAGS, 'server/main.deno.ts']
  const proc = Bun.spawn(cmd, {
    cwd: ROOT, stdout: 'pipe', stderr: 'pipe',
    env: { ...process.env as Record<string, string>, ...SHARED_SECRETS, LOG_LEVEL: 'warn', CONSOLE_PORT: '0', DATA_DIR: dataDir, PORT: String(port), ...env },
  })
  let out = ''
  for (const s of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) void (async () => {
    const reader = s.getReader(), d = new TextDecoder()
    for (let c = await reader.read(); !c.done; c = await reader.read()) out += d.decode(c.value, { stream: true })
  })()
  const s: Started = { proc, out: () => out, async stop() { proc.kill('SIGTERM'); await proc.exited; rmSync(dataDir, { recursive: true, force: true }) } }
  running.push(s)
  return s
}

async function healthy(port: number, s: Started) {
  for (let i = 0; i < 900; i++) {
    if (s.proc.exitCode !== null) return false
    try { if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return true } catch { /* starting */ }
    await sleep(100)
  }
  return false
}

/** The exit code, or null if still running after `ms`. */
async function exitWithin(s: Started, ms: number) {
  return Promise.race([s.proc.exited, sleep(ms).then(() => null)])
}

try {
  const port = freePort()
  const first = start('bun', port)
  check('the first instance serves', await healthy(port, first), `port ${port}`)

  for (const runtime of ['bun', 'deno'] as const) {
    const second = start(runtime, port)
    const code = await exitWithin(second, 90_000)
    const said = second.out()
    check(`a second ${runtime} instance on the taken port exits non-zero`, code !== null && code !== 0, `exit ${code}`)
    check(`... saying why (${runtime})`, said.includes(`port ${port} is already in use; set REUSE_PORT=true to share it on purpose`), said.trim().split('\n').slice(-1)[0] ?? '')
    if (code === null) await second.stop()
  }
  let served = 0
  for (let i = 0; i < 20; i++) if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) served++
  check('the first instance still gets every request', served === 20, `${served}/20`)
  await first.stop()

  const shared = freePort()
  const a = start('bun', shared, { REUSE_PORT: 'true' })
  const aUp = await healthy(shared, a)
  const b = start('bun', shared, { REUSE_PORT: 'true', LOG_LEVEL: 'info' })
  let bUp = false
  for (let i = 0; i < 900 && !bUp && b.proc.exitCode === null; i++) { bUp = b.out().includes('API listening'); if (!bUp) await sleep(100) }
  check('REUSE_PORT=true on both shares the port on purpose', aUp && bUp, `first ${aUp ? 'up' : 'down'}, second ${bUp ? 'running' : `exited ${b.proc.exitCode}`}`)
} catch (error) {
  check('the script ran to the end', false, String(error))
} finally {
  for (const s of running) if (s.proc.exitCode === null) await s.stop()
}
finish()
