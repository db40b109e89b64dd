// Builds the Qwik City console: the client bundle (console/dist) and then the
// SSR bundle for Bun (console/server/entry.bun.js), client first: the SSR step
// embeds the client manifest (console/vite.config.ts). Skipped when nothing it
// reads changed since the last build; concurrent callers wait for one build.
//
//   bun scripts/build-console.ts [--force]
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../console/', import.meta.url))
const stampFile = join(root, 'server', '.build-stamp')
const entry = join(root, 'server', 'entry.bun.js')

async function* files(dir: string): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) yield* files(p)
    else yield p
  }
}

/** A hash of everything the build reads: sources, public files, configs, the server files it bundles
 *  and the toolchain versions. */
async function sourceHash(): Promise<string> {
  const h = createHash('sha256')
  const inputs = [join(root, 'vite.config.ts'), join(root, 'tsconfig.json'), fileURLToPath(new URL('../package-lock.json', import.meta.url)), fileURLToPath(new URL('../docs/experiments.md', import.meta.url)), fileURLToPath(import.meta.url)]
  // Outside console/ but bundled into it: the console's lists of event types, strategies and contexts.
  inputs.push(fileURLToPath(new URL('../server/vocabulary.ts', import.meta.url)))
  for (const dir of ['src', 'public']) if (existsSync(join(root, dir))) for await (const f of files(join(root, dir))) inputs.push(f)
  for (const f of inputs.sort()) { h.update(relative(root, f)); h.update('\0'); h.update(await readFile(f)); h.update('\0') }
  return h.digest('hex')
}

const LOCK = join(root, '.build-lock')
const STALE_LOCK_MS = 5 * 60_000
const OLD_CHUNK_MS = 24 * 3600_000

/** Several processes (test files, people) may build at once: one builds, the others wait for it. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try { await mkdir(LOCK); break } catch {
      const age = Date.now() - (await stat(LOCK).then((s) => s.mtimeMs, () => Date.now()))
      if (age > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true })
      else await new Promise((r) => setTimeout(r, 250))
    }
  }
  try { return await fn() } finally { await rm(LOCK, { recursive: true, force: true }) }
}

/** Hashed chunks of builds older than a day: no running console still serves them. */
async function pruneOldChunks() {
  for (const dir of [join(root, 'dist', 'build'), join(root, 'dist', 'assets'), join(root, 'server')]) {
    if (!existsSync(dir)) continue
    for (const name of await readdir(dir)) {
      if (!/^q-|\.(js|css)$/.test(name) || name === 'entry.bun.js' || name === 'entry.ssr.js') continue
      const p = join(dir, name)
      if (Date.now() - (await stat(p)).mtimeMs > OLD_CHUNK_MS) await rm(p, { force: true })
    }
  }
}

const isCurrent = async (hash: string) =>
  existsSync(entry) && existsSync(join(root, 'dist')) && existsSync(stampFile) && (await readFile(stampFile, 'utf8')) === hash

export async function buildConsole(opts: { force?: boolean } = {}): Promise<'built' | 'unchanged'> {
  const hash = await sourceHash()
  if (!opts.force && await isCurrent(hash)) return 'unchanged'
  return withLock(async () => {
    if (!opts.force && await isCurrent(hash)) return 'unchanged' // built by whoever held the lock
    await pruneOldChunks()
    // In a child process with NODE_ENV=production: under `bun test` (NODE_ENV=test) Vite would
    // make a development bundle, and the test process would keep Vite loaded.
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--vite'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
    if (child.status !== 0) throw new Error(`console build failed (exit ${child.status})`)
    await writeFile(stampFile, hash)
    return 'built'
  })
}

/** The two Vite builds, client first (the SSR build embeds the client manifest). */
async function viteBuild() {
  const { build } = await import('vite')
  const configFile = join(root, 'vite.config.ts')
  await build({ configFile, root, mode: 'production' })
  await build({ configFile, root, mode: 'production', build: { ssr: true } })
}

if (import.meta.main && process.argv.includes('--vite')) await viteBuild()
else if (import.meta.main) {
  const t0 = performance.now()
  const outcome = await buildConsole({ force: process.argv.includes('--force') })
  console.log(`console ${outcome} in ${Math.round(performance.now() - t0)} ms`)
}
