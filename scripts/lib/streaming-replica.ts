// A throwaway PostgreSQL primary and a real streaming replica of it, on free loopback ports, for the
// DATABASE_READ_URL test and benchmark. A private primary (initdb) rather than the shared server: its
// pg_hba.conf allows no replication, and a test must not change the system cluster's configuration.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The newest installed PostgreSQL's bin directory holding initdb, pg_ctl and pg_basebackup, or undefined. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(root, v, 'bin')).find((bin) => ['initdb', 'pg_ctl', 'pg_basebackup'].every((x) => existsSync(join(bin, x))))
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface StreamingReplica {
  primaryUrl: string
  replicaUrl: string
  /** Stops the replica (fast shutdown: its connections are closed, new ones refused). */
  stopReplica(): Promise<void>
  /** Stops both servers and removes their data directories. */
  close(): Promise<void>
}

/** initdb → primary (wal_level=replica) → `pg_basebackup -R` → standby started with pg_ctl on another port. */
export async function startStreamingReplica(bin: string): Promise<StreamingReplica> {
  // PostgreSQL refuses to run as root: as root, its tools run as the postgres user, in a directory it owns.
  const asRoot = process.getuid?.() === 0
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args)
  const dir = await mkdtemp(join(tmpdir(), 'recomengine-replica-'))
  const primary = join(dir, 'primary')
  const replica = join(dir, 'replica')
  const running = new Set<string>()
  const start = async (data: string, port: number) => {
    await tool('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir}`, '-l', `${data}.log`, '-w', 'start'])
    running.add(data)
  }
  const stop = async (data: string, mode: 'fast' | 'immediate') => {
    if (!running.delete(data)) return
    await tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'])
  }
  const close = async () => {
    for (const data of [replica, primary]) await stop(data, 'immediate').catch(() => {})
    await rm(dir, { recursive: true, force: true })
  }
  try {
    if (asRoot) await run('chown', ['postgres', dir])
    const [primaryPort, replicaPort] = [await freePort(), await freePort()]
    // initdb's default pg_hba.conf trusts local replication connections; fsync off: a throwaway cluster.
    await tool('initdb', ['-D', primary, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
    await appendFile(join(primary, 'postgresql.conf'), "\nwal_level = replica\nmax_wal_senders = 4\nlisten_addresses = '127.0.0.1'\nfsync = off\n")
    await start(primary, primaryPort)
    await tool('pg_basebackup', ['-R', '-X', 'stream', '-D', replica, '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres'])
    await start(replica, replicaPort)
    const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`
    return { primaryUrl: url(primaryPort), replicaUrl: url(replicaPort), stopReplica: () => stop(replica, 'fast'), close }
  } catch (error) {
    await close()
    throw error
  }
}
