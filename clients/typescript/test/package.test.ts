// The package as npm would ship it: `npm run build` (tsc) writes ESM and
// declarations that a Node project (NodeNext resolution, no TypeScript
// loader) imports and type-checks against, README example included.
import { expect, test } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PKG = fileURLToPath(new URL('..', import.meta.url))
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const tsc = join(ROOT, 'node_modules/.bin/tsc')

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`)
  return r.stdout
}

test('builds to ESM + .d.ts that a Node project imports and type-checks', () => {
  const project = mkdtempSync(join(tmpdir(), 'recomengine-client-'))
  try {
    const installed = join(project, 'node_modules/@recomengine/client')
    run(tsc, ['-p', 'tsconfig.build.json', '--outDir', join(installed, 'dist')], PKG)
    cpSync(join(PKG, 'package.json'), join(installed, 'package.json'))
    for (const dep of ['openapi-fetch', 'openapi-typescript-helpers']) symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep))
    writeFileSync(join(project, 'package.json'), '{ "type": "module" }')

    // The README's example, type-checked as a Node user's code.
    writeFileSync(join(project, 'app.ts'), `import { createClient, verifyWebhook, type EventInput } from '@recomengine/client'
const re = createClient({ baseUrl: 'http://localhost:5008', apiKey: process.env.RECOMENGINE_WRITE_KEY })
export async function main(): Promise<string[]> {
  const e: EventInput = { eventType: 'purchase', userId: 'u-42', productId: 'sku-1', metadata: { price: 89.9 } }
  await re.events.send(e)
  const { data } = await re.GET('/api/v1/recommendations', { params: { query: { userId: 'u-42', limit: 4 } } })
  await verifyWebhook('{}', {}, 'whsec_x').catch(() => undefined)
  return data?.data.map((r) => r.productId) ?? []
}
declare const process: { env: Record<string, string | undefined> }
`)
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', noEmit: true, lib: ['ES2022', 'DOM'], types: [] }, files: ['app.ts'] }))
    run(tsc, ['-p', '.'], project)

    // And it runs on Node, with no TypeScript in sight.
    const out = run('node', ['--input-type=module', '-e', `
      import { createClient, EVENTS_PER_BATCH } from '@recomengine/client'
      const fetch = async (req) => new Response(JSON.stringify({ data: { tenantId: 't-1', path: new URL(req.url).pathname, key: req.headers.get('x-api-key') } }), { headers: { 'content-type': 'application/json' } })
      const { data } = await createClient({ baseUrl: 'http://api.test', apiKey: 'rk_live_k', fetch }).GET('/api/v1/me')
      console.log(JSON.stringify({ ...data.data, EVENTS_PER_BATCH }))
    `], project)
    expect(JSON.parse(out)).toEqual({ tenantId: 't-1', path: '/api/v1/me', key: 'rk_live_k', EVENTS_PER_BATCH: 100 })
  } finally { rmSync(project, { recursive: true, force: true }) }
}, 180_000)
