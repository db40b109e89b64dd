// A real Redis Cluster for tests and benchmarks: three masters (no replicas) on free
// loopback ports, each with its cluster bus on port + 10000, configuration files in a
// temporary directory. `kill(port)` SIGKILLs one master (a crashed shard); `stop()` ends
// them all and removes the directory.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:net'
import { waitFor } from './wait-for.ts'

export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  url: string
  ports: number[]
  /** SIGKILLs the master on this port and waits until it has exited. */
  kill(port: number): Promise<void>
  stop(): Promise<void>
}

/** Whether nothing answers on a loopback port (a listen probe is no proof here: Bun's listen shares ports). */
const free = (port: number) => new Promise<boolean>((resolve) => {
  const s = connect({ host: '127.0.0.1', port })
  s.once('connect', () => { s.destroy(); resolve(false) })
  s.once('error', () => resolve(true))
})

/** `n` ports whose cluster-bus twins (port + 10000) are free too. */
async function freePorts(n: number): Promise<number[]> {
  const out: number[] = []
  for (let tries = 0; out.length < n && tries < 500; tries++) {
    const p = 21000 + Math.floor(Math.random() * 20000)
    if (!out.includes(p) && await free(p) && await free(p + 10000)) out.push(p)
  }
  if (out.length < n) throw new Error('no free ports for a Redis Cluster')
  return out
}

async function run(cmd: string[]): Promise<string> {
  const p = Bun.spawn(cmd, { stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  if (code !== 0) throw new Error(`${cmd.join(' ')} failed (${code}): ${err || out}`)
  return out
}

/**
 * Starts the cluster and waits for `cluster_state:ok` on every node. `nodeTimeoutMs` is how long
 * a silent master takes to be marked failed; `cluster-require-full-coverage no` lets the other
 * masters keep serving their slots meanwhile and after (what README recommends for this cache).
 */
export async function startRedisCluster({ nodeTimeoutMs = 1000 } = {}): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'recomengine-redis-cluster-'))
  const ports = await freePorts(3)
  const procs = new Map(ports.map((port) => [port, Bun.spawn([
    'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
    '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-require-full-coverage', 'no',
  ], { stdout: 'ignore', stderr: 'ignore' })]))
  const stop = async () => {
    for (const p of procs.values()) p.kill('SIGKILL')
    await Promise.all([...procs.values()].map((p) => p.exited))
    procs.clear()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    for (const port of ports) await waitFor(`redis-server on ${port}`, () => run(['redis-cli', '-p', String(port), 'ping']).then((r) => r.includes('PONG'), () => false), { timeoutMs: 10_000, everyMs: 20 })
    await run(['redis-cli', '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'])
    for (const port of ports) {
      await waitFor(`cluster_state:ok on ${port}`, async () => (await run(['redis-cli', '-p', String(port), 'cluster', 'info'])).includes('cluster_state:ok'), { timeoutMs: 20_000, everyMs: 100 })
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    async kill(port) {
      const p = procs.get(port)
      if (!p) return
      p.kill('SIGKILL')
      await p.exited
      procs.delete(port)
    },
    stop,
  }
}
