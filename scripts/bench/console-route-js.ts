// The client JavaScript one console route can make the browser load, from a built console's
// q-manifest.json: the route's own bundles (its module and segments), then everything they import
// statically, less Qwik and Qwik City themselves (every page loads those anyway). Sizes raw and gzip -9. Several
// dist directories side by side compare builds (copy console/dist away before rebuilding). Asserts nothing.
//
//   bun scripts/bench/console-route-js.ts [--route src/routes/docs/experiments/index.tsx] [distDir...]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

type Bundle = { size: number, imports?: string[], dynamicImports?: string[], origins?: string[] }
type Manifest = { core: string, bundles: Record<string, Bundle> }

const argv = process.argv.slice(2)
const routeAt = argv.indexOf('--route')
const route = routeAt >= 0 ? argv.splice(routeAt, 2)[1] : 'src/routes/docs/experiments/index.tsx'
const dists = argv.length ? argv : [new URL('../../console/dist', import.meta.url).pathname]

function measure(dist: string) {
  const m = JSON.parse(readFileSync(join(dist, 'q-manifest.json'), 'utf8')) as Manifest
  const own = Object.keys(m.bundles).filter((b) => m.bundles[b].origins?.some((o) => o === route || o.startsWith(route + '_')))
  const reach = new Set<string>()
  const visit = (b: string) => {
    if (reach.has(b) || m.bundles[b].origins?.every((o) => o.includes('node_modules/@builder.io/'))) return
    reach.add(b)
    for (const d of m.bundles[b].imports ?? []) visit(d)
  }
  own.forEach(visit)
  const size = (names: Iterable<string>) => {
    let raw = 0, gz = 0
    for (const n of names) { const code = readFileSync(join(dist, 'build', n)); raw += code.length; gz += gzipSync(code, { level: 9 }).length }
    return { raw, gz }
  }
  return { own: size(own), reach: size(reach), bundles: [...reach].sort() }
}

console.log(`route ${route}`)
console.log('| dist | route bundles raw | gzip | with imports (no Qwik) raw | gzip | bundles |')
console.log('|---|---|---|---|---|---|')
for (const d of dists) {
  const r = measure(d)
  console.log(`| ${d} | ${r.own.raw} | ${r.own.gz} | ${r.reach.raw} | ${r.reach.gz} | ${r.bundles.join(' ')} |`)
}
