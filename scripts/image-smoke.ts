// Proves the Docker image's contents without Docker (no registry here): reads
// the Dockerfile itself — its stages, WORKDIR, ENV, COPY lines (with
// --from=<stage>), RUN commands and CMD — and reproduces them in a temporary
// directory, then starts the CMD from the final stage's directory alone (cwd
// there, a fresh DATA_DIR) and checks /health, /sdk/v1.js, a console page with
// one of its assets, and a recommendation from signup → tenant → keys →
// catalog → events → model. A file the image lacks fails a check.
//
//   bun scripts/image-smoke.ts [--keep]
//
// What is not Docker: `npm ci` is the repository's own node_modules (installed
// from the same package-lock.json), linked into the build stage; `npm prune
// --omit=dev` copies (hard links) into the stage only the packages the
// lockfile does not mark `dev`, which is what npm keeps; a RUN that only
// prepares the data volume (mkdir/chown of an absolute path) is skipped, and
// any other RUN this script does not know fails it, so a new build step is
// either reproduced here or noticed. The base images' runtimes are this
// machine's Bun (the final stage's `bun`).
import { cpSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix, relative } from 'node:path'

export const ROOT = join(import.meta.dir, '..')

export interface Instruction { op: string; args: string; line: number }
export interface Stage { name: string; from: string; instructions: Instruction[] }

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1
    let line = lines[i]!
    if (/^\s*(#|$)/.test(line)) continue
    while (/\\\s*$/.test(line) && i + 1 < lines.length) line = line.replace(/\\\s*$/, ' ') + lines[++i]!.trim()
    const m = line.trim().match(/^(\w+)\s+(.*)$/)
    if (!m) throw new Error(`Dockerfile line ${start}: cannot read "${line}"`)
    const op = m[1]!.toUpperCase(), args = m[2]!.trim()
    if (op === 'FROM') {
      const f = args.match(/^(\S+)(?:\s+AS\s+(\S+))?$/i)
      if (!f) throw new Error(`Dockerfile line ${start}: FROM ${args}`)
      stages.push({ from: f[1]!, name: f[2] ?? String(stages.length), instructions: [] })
      continue
    }
    if (!stages.length) throw new Error(`Dockerfile line ${start}: ${op} before FROM`)
    stages.at(-1)!.instructions.push({ op, args, line: start })
  }
  return stages
}

/** A .dockerignore matcher: patterns anchored at the context root, `*`/`?`/`**`, `!` re-includes; a matched directory excludes its subtree. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const negate = l.startsWith('!')
    const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/+$/, '')
    const re = new RegExp('^' + pattern.split('/').map((part) => part === '**' ? '.*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/').replace(/\.\*\//g, '(?:.*/)?') + '(?:/.*)?$')
    return { negate, re }
  })
  return (path: string) => {
    let ignored = false
    for (const r of rules) if (r.re.test(path)) ignored = !r.negate
    return ignored
  }
}

/** Copies a tree, hard-linking files (same file system: instant, nothing of the repo is written through them) and keeping symlinks. */
function copyTree(from: string, to: string, skip: (rel: string) => boolean = () => false, rel = '') {
  const st = lstatSync(from)
  if (st.isSymbolicLink()) { mkdirSync(dirname(to), { recursive: true }); rmSync(to, { force: true }); symlinkSync(readlinkSync(from), to); return }
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true })
    for (const name of readdirSync(from)) {
      const r = rel ? `${rel}/${name}` : name
      if (!skip(r)) copyTree(join(from, name), join(to, name), skip, r)
    }
    return
  }
  mkdirSync(dirname(to), { recursive: true })
  // A later COPY replaces what an earlier one put there, as Docker's layers do.
  rmSync(to, { force: true })
  try { linkSync(from, to) } catch { cpSync(from, to) }
}

/** Resolves a source the real `COPY` would read: a path that must exist (Docker fails the build otherwise). */
function source(base: string, src: string, line: number): string {
  const p = join(base, src)
  if (!existsSync(p)) throw new Error(`Dockerfile line ${line}: COPY source ${src} does not exist in ${base === ROOT ? 'the build context' : 'that stage'}`)
  return p
}

/** `npm prune --omit=dev` on a stage whose node_modules is the repository's: keeps what package-lock.json does not mark dev. */
function pruneDev(stageDir: string) {
  const lock = JSON.parse(readFileSync(join(stageDir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> }
  const linked = join(stageDir, 'node_modules')
  const from = readlinkSync(linked)
  rmSync(linked)
  for (const [key, pkg] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || pkg.dev) continue
    const src = join(from, key.slice('node_modules/'.length))
    // Optional packages for other platforms are in the lockfile but were never installed.
    if (!existsSync(src)) continue
    // A nested node_modules/<a>/node_modules/<b> is its own lockfile entry: copy only this package's files here.
    copyTree(src, join(stageDir, key), (rel) => rel === 'node_modules' || rel.startsWith('node_modules/'))
  }
}

export interface Image { dir: string; env: Record<string, string>; cmd: string[]; workdir: string }

/**
 * Reproduces every stage under `out/<stage>`; returns the final one. `reuse`
 * takes stage directories already built (by name), so a test can assemble a
 * variant of the final stage without building again.
 */
export async function reproduce(dockerfile: string, out: string, opts: { reuse?: Record<string, string>; log?: (s: string) => void } = {}): Promise<Image & { stages: Record<string, string> }> {
  const log = opts.log ?? (() => {})
  const stages = parseDockerfile(dockerfile)
  const ignored = dockerignore(existsSync(join(ROOT, '.dockerignore')) ? readFileSync(join(ROOT, '.dockerignore'), 'utf8') : '')
  const dirs: Record<string, string> = { ...opts.reuse }
  let image: Image | undefined
  for (const stage of stages) {
    if (dirs[stage.name]) { log(`stage ${stage.name}: reused`); continue }
    const root = join(out, stage.name)
    mkdirSync(root, { recursive: true })
    let workdir = '/'
    const env: Record<string, string> = {}
    let cmd: string[] = []
    const at = (p: string) => join(root, p.startsWith('/') ? p : posix.join(workdir, p))
    for (const ins of stage.instructions) {
      switch (ins.op) {
        case 'WORKDIR': workdir = posix.resolve(workdir, ins.args); mkdirSync(at('.'), { recursive: true }); break
        case 'ENV': for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, ''); break
        case 'COPY': {
          const words = ins.args.split(/\s+/)
          const fromFlag = words.find((w) => w.startsWith('--from='))?.slice('--from='.length)
          const unknownFlag = words.find((w) => w.startsWith('--') && !w.startsWith('--from='))
          if (unknownFlag) throw new Error(`Dockerfile line ${ins.line}: COPY ${unknownFlag} is not reproduced here`)
          const paths = words.filter((w) => !w.startsWith('--'))
          const dest = paths.pop()!
          const base = fromFlag === undefined ? ROOT : dirs[fromFlag]
          if (!base) throw new Error(`Dockerfile line ${ins.line}: no stage ${fromFlag}`)
          for (const src of paths) {
            const from = source(base, src, ins.line)
            // COPY . . copies the context's contents; a file into a directory ending in / keeps its name.
            const target = src === '.' || lstatSync(from).isDirectory() ? at(dest) : dest.endsWith('/') ? join(at(dest), posix.basename(src)) : at(dest)
            const skip = fromFlag === undefined ? (rel: string) => ignored(posix.join(src === '.' ? '' : src, rel).replace(/^\.\//, '')) : undefined
            if (fromFlag === undefined && src !== '.' && ignored(src)) throw new Error(`Dockerfile line ${ins.line}: ${src} is in .dockerignore`)
            copyTree(from, target, skip)
          }
          log(`stage ${stage.name}: COPY ${ins.args}`)
          break
        }
        case 'RUN': {
          for (const part of ins.args.split(/\s*&&\s*/)) {
            const dir = at('.')
            if (/^npm ci\b/.test(part)) {
              // The repository's node_modules was installed from this same lockfile: link it instead of downloading.
              symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
            } else if (/^npm prune\b.*--omit=dev\b/.test(part) || /^npm ci\b.*--omit=dev\b/.test(part)) {
              pruneDev(dir)
            } else if (/^mkdir -p \/\S+$/.test(part) || /^chown \S+ \/\S+$/.test(part)) {
              // Prepares the data volume outside the app; the smoke gives the process a fresh DATA_DIR instead.
            } else if (/^(\.\/node_modules\/\.bin\/)?bun scripts\/[\w-]+\.ts$/.test(part)) {
              const [exe, ...args] = part.split(/\s+/)
              const p = Bun.spawn([exe === 'bun' ? process.execPath : join(dir, exe!), ...args], { cwd: dir, env: { ...process.env as Record<string, string>, ...env }, stdout: 'pipe', stderr: 'pipe' })
              const [o, e, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
              if (code !== 0) throw new Error(`Dockerfile line ${ins.line}: ${part} exited ${code}\n${o}${e}`)
            } else {
              throw new Error(`Dockerfile line ${ins.line}: RUN ${part} is not reproduced by scripts/image-smoke.ts: teach it`)
            }
            log(`stage ${stage.name}: RUN ${part}`)
          }
          break
        }
        case 'CMD': cmd = JSON.parse(ins.args) as string[]; break
        // Image metadata that does not change the file tree.
        case 'USER': case 'VOLUME': case 'EXPOSE': case 'HEALTHCHECK': case 'LABEL': case 'ARG': break
        default: throw new Error(`Dockerfile line ${ins.line}: ${ins.op} is not reproduced by scripts/image-smoke.ts`)
      }
    }
    dirs[stage.name] = root
    image = { dir: at('.'), env, cmd, workdir }
  }
  if (!image) throw new Error('the Dockerfile has no stage to build')
  return { ...image, stages: dirs }
}

/** How many checks a passing smoke makes. */
export const CHECKS = 7

export interface Check { what: string; ok: boolean; detail: string }

const freePort = () => 20000 + Math.floor(Math.random() * 20000)

/**
 * Starts the image's CMD from its directory alone and runs the checks in
 * order, stopping at the first failure (a later check would only fail with it).
 */
export async function smoke(image: Image, opts: { log?: (c: Check) => void } = {}): Promise<Check[]> {
  const checks: Check[] = []
  const record = (what: string, ok: boolean, detail: string) => { const c = { what, ok, detail }; checks.push(c); opts.log?.(c); return ok }
  if (image.cmd[0] !== 'bun') throw new Error(`CMD ${JSON.stringify(image.cmd)}: the smoke runs a bun CMD`)
  const dataDir = mkdtempSync(join(tmpdir(), 'image-smoke-data-'))
  const port = freePort(), consolePort = freePort()
  // Only the image's own environment plus what `docker run` would pass; nothing of this shell's (no DATABASE_URL, no repo paths).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dataDir, ...image.env, DATA_DIR: dataDir, PORT: String(port), CONSOLE_PORT: String(consolePort), LOG_LEVEL: 'warn', BCRYPT_COST: '4' }
  const proc = Bun.spawn([process.execPath, ...image.cmd.slice(1)], { cwd: image.dir, env, stdout: 'pipe', stderr: 'pipe' })
  let out = ''
  for (const s of [proc.stdout, proc.stderr] as ReadableStream<Uint8Array>[]) {
    void (async () => {
      const reader = s.getReader(), d = new TextDecoder()
      for (let c = await reader.read(); !c.done; c = await reader.read()) out += d.decode(c.value, { stream: true })
    })()
  }
  const api = `http://127.0.0.1:${port}`, consoleBase = `http://127.0.0.1:${consolePort}`
  try {
    let health: unknown
    for (let i = 0; i < 600 && proc.exitCode === null; i++) {
      try { const r = await fetch(`${api}/health`); if (r.ok) { health = await r.json(); break } } catch { /* starting */ }
      await Bun.sleep(100)
    }
    if (!record('GET /health', (health as { status?: string })?.status === 'ok', health ? JSON.stringify(health) : `no answer; exit ${proc.exitCode}\n${out.slice(-3000)}`)) return checks

    const sdk = await fetch(`${api}/sdk/v1.js`)
    const sdkText = await sdk.text()
    if (!record('GET /sdk/v1.js', sdk.status === 200 && sdkText.length > 1000, `${sdk.status}, ${sdkText.length} bytes`)) return checks

    // The console listens just after the API does.
    let page: Response | undefined
    for (let i = 0; i < 300 && !page && proc.exitCode === null; i++) page = await fetch(`${consoleBase}/pricing`).catch(() => Bun.sleep(100).then(() => undefined))
    if (!record('console listening', !!page, page ? `:${consolePort}` : `no answer\n${out.slice(-3000)}`) || !page) return checks
    const html = await page.text()
    const asset = html.match(/(?:src|href)="(\/build\/[^"]+\.(?:js|css))"/)?.[1] ?? html.match(/(?:src|href)="(\/[^"]+\.(?:js|css))"/)?.[1]
    const assetRes = asset ? await fetch(consoleBase + asset) : undefined
    if (!record('console GET /pricing', page.status === 200 && /<html/i.test(html), `${page.status}, ${html.length} bytes`)) return checks
    if (!record('console asset', assetRes?.status === 200, asset ? `${asset}: ${assetRes!.status}` : 'no script or stylesheet referenced')) return checks

    // The API reference page and whatever it loads from this origin (its viewer is bundled, not fetched from a CDN).
    const docs = await fetch(`${api}/api/docs`)
    const docsHtml = await docs.text()
    const local = [...docsHtml.matchAll(/(?:src|href)="(\/[^"/][^"]*)"/g)].map((m) => m[1]!)
    const missing: string[] = []
    for (const path of local) if ((await fetch(api + path)).status !== 200) missing.push(path)
    if (!record('GET /api/docs and its assets', docs.status === 200 && !missing.length, `${docs.status}; ${local.length} local assets${missing.length ? `, missing: ${missing.join(', ')}` : ''}`)) return checks

    const rec = await recommendation(api)
    record('a recommendation from a built model', rec.ok, rec.detail)
    return checks
  } catch (e) {
    record('the image answers', false, `${(e as Error).message}\n${out.slice(-3000)}`)
    return checks
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** signup → tenant → write and read keys → catalog → purchases → a model → a recommendation. */
async function recommendation(api: string): Promise<{ ok: boolean; detail: string }> {
  const post = async (path: string, body: unknown, headers: Record<string, string>) => {
    const r = await fetch(api + '/api/v1' + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const json = await r.json() as { data: any }
    if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(json)}`)
    return json.data
  }
  const token = (await post('/auth/signup', { email: `smoke-${Date.now()}@example.com`, password: 'image smoke password', name: 'Smoke' }, {})).accessToken as string
  const admin = { authorization: `Bearer ${token}` }
  const tenant = (await post('/tenants', { name: 'Smoke shop' }, admin)).id as string
  const write = { 'x-api-key': (await post(`/tenants/${tenant}/api-keys`, { name: 'backend', permissions: 'write' }, admin)).key as string }
  const read = { 'x-api-key': (await post(`/tenants/${tenant}/api-keys`, { name: 'sdk', permissions: 'read' }, admin)).key as string }
  await post('/catalog/batch', { items: Array.from({ length: 6 }, (_, i) => ({ productId: `p${i}`, name: `Product ${i}`, category: 'c', price: 10 + i })) }, write)
  const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString()
  await post('/events/batch', { events: Array.from({ length: 4 }, (_, u) => [0, 1, 2].map((i) => ({ eventType: 'purchase', userId: `u${u}`, productId: `p${(u + i) % 6}`, timestamp: at(10 + i), metadata: { orderId: `o${u}` } }))).flat() }, write)
  await post('/models/rebuild', {}, write)
  for (let i = 0; i < 300; i++) {
    const m = (await (await fetch(`${api}/api/v1/models`, { headers: write })).json() as { data: { status: string } }).data
    if (m.status === 'ready') break
    if (m.status === 'failed') return { ok: false, detail: `model build failed: ${JSON.stringify(m)}` }
    await Bun.sleep(100)
  }
  const r = await fetch(`${api}/api/v1/recommendations?userId=u0&productId=p0&strategy=frequently_bought_together&limit=3`, { headers: read })
  const body = await r.json() as { data: { productId: string }[]; meta: { modelVersion?: string | null } }
  return { ok: r.status === 200 && body.data.length > 0 && !!body.meta.modelVersion, detail: `${r.status}: ${body.data?.map((x) => x.productId).join(', ')} (model ${body.meta?.modelVersion})` }
}

if (import.meta.main) {
  const keep = process.argv.includes('--keep')
  const out = mkdtempSync(join(tmpdir(), 'image-smoke-'))
  const t0 = performance.now()
  let failed = true
  try {
    const image = await reproduce(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), out, { log: (s) => console.log(s) })
    console.log(`image in ${relative(tmpdir(), image.dir)} (${Math.round(performance.now() - t0)} ms); CMD ${image.cmd.join(' ')}`)
    const checks = await smoke(image, { log: (c) => console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`) })
    failed = checks.some((c) => !c.ok) || checks.length < CHECKS
    console.log(failed ? 'image smoke FAILED' : `image smoke passed in ${Math.round(performance.now() - t0)} ms`)
  } finally {
    if (keep) console.log(`kept ${out}`)
    else rmSync(out, { recursive: true, force: true })
  }
  process.exit(failed ? 1 : 0)
}
