// README "First API calls", run as written (bash, curl, jq) against the app on a
// real port: only the API line's host and port change. Run twice: the second
// signup finds the email taken and the block stops loudly instead of going on
// with an error JSON as its token.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BACKENDS } from '../server/test/backends.ts'
import { testApp, type TestApp } from '../server/test/harness.ts'

const README = readFileSync(join(import.meta.dir, '../README.md'), 'utf8')

/** The first sh block under a heading. */
export function shBlock(markdown: string, heading: string): string {
  const section = markdown.slice(markdown.indexOf(`\n${heading}\n`))
  const m = section.match(/```sh\n([\s\S]*?)```/)
  if (!m) throw new Error(`no sh block under ${heading}`)
  return m[1]!
}

for (const b of BACKENDS) describe(`README quickstart (${b})`, () => {
  let t: TestApp
  let server: ReturnType<typeof Bun.serve>
  beforeAll(async () => {
    t = await testApp(b)
    server = Bun.serve({ port: 0, fetch: (req) => t.app.handle(req) })
  }, 60_000)
  afterAll(async () => { await server?.stop(true) })

  const run = async (script: string) => {
    const p = Bun.spawn(['bash', '-c', script], { stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } })
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
    return { out, err, code }
  }

  test('steps 1–6 as written: a key, its introspection, the catalog item, then 202 and a 200 duplicate', async () => {
    const block = shBlock(README, '## First API calls')
    expect(block).toContain('API=http://localhost:5008/api/v1\n')
    const script = block.replace('API=http://localhost:5008/api/v1', `API=http://127.0.0.1:${server.port}/api/v1`)
      // One email per backend run: the block signs up a fixed address.
      .replace('elena@shop.example', `elena-${b}-${Date.now()}@shop.example`)
    const first = await run(script)
    expect(first.err).toBe('')
    expect(first.code).toBe(0)
    expect(first.out).toContain('"name":"Backend","permissions":"write"')
    expect(first.out).toContain('"productId":"trail-runner-x"')
    expect(first.out).toMatch(/\{"data":\{"status":"accepted","id":"[0-9a-f-]{36}"\}\}  HTTP 202\n\{"data":\{"status":"duplicate"\}\}  HTTP 200\n$/)

    // Again: the email is taken. Signup's reason is printed and the block stops before any keyed call.
    const again = await run(script)
    expect(again.code).not.toBe(0)
    expect(again.err).toContain('signup failed:')
    expect(again.err).toContain('TOKEN: not set: see step 1')
    expect(again.out).not.toContain('202')
    expect(again.out).not.toContain('Unauthorized')
  }, 60_000)
})
