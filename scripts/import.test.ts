// The import CLI end to end: `bun scripts/import.ts` against a test app served
// over HTTP, with a small file; what it prints (not a terminal: plain lines)
// and its exit code.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testApp, type TestApp } from '../server/test/harness.ts'
import { bar, jobLine, parseOptions, size, uploadLine } from './lib/import-progress.ts'

let t: TestApp
let server: ReturnType<typeof Bun.serve>
let api: string
let dir: string
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString()

beforeAll(async () => {
  t = await testApp('pglite')
  server = Bun.serve({ port: 0, fetch: (req) => t.app.handle(req) })
  api = `http://127.0.0.1:${server.port}`
  dir = mkdtempSync(join(tmpdir(), 'import-cli-'))
}, 60_000)
afterAll(async () => {
  server?.stop(true)
  await t?.app.shutdown()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function cli(args: string[]) {
  const p = Bun.spawn([process.execPath, 'scripts/import.ts', ...args], { cwd: join(import.meta.dir, '..'), stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited])
  return { out, err, code }
}
const file = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f }

describe('npm run import', () => {
  test('a CSV with a mapping and a default event type: progress lines, the counts, the error report naming the bad row; exit 0', async () => {
    const k = await t.tenantWithKeys()
    const csv = `InvoiceDate,CustomerID,StockCode,UnitPrice\n${ago(30)},c1,sku-1,2.5\nnot a date,c2,sku-2,1\n${ago(10)},c2,sku-1,2.5\n`
    const r = await cli(['--api', api, '--key', k.writeKey, '--type', 'events', '--file', file('orders.csv', csv), '--event-type', 'purchase',
      '--mapping', JSON.stringify({ InvoiceDate: 'timestamp', CustomerID: 'userId', StockCode: 'productId', UnitPrice: 'metadata.price' }), '--poll-ms', '50'])
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toMatch(/^uploading: /)
    expect(lines).toContain(`uploading: ${size(csv.length)} of ${size(csv.length)} (100%)`)
    const id = /^import ([0-9a-f-]{36}) queued$/m.exec(r.out)?.[1]
    expect(id).toBeDefined()
    expect(lines).toContain('completed: 3 rows read, 2 accepted, 0 duplicates, 1 rejected')
    const report = `${api}/api/v1/imports/${id}/errors.csv`
    expect(lines.at(-1)).toBe(`error report: ${report} (send the same X-API-Key)`)
    const errors = await (await fetch(report, { headers: { 'x-api-key': k.writeKey } })).text()
    expect(errors.split('\n')[1]).toStartWith('3,InvoiceDate,')
    const stored = await t.req('GET', '/api/v1/events?limit=10', { key: k.writeKey })
    expect(stored.body.data.map((e: { userId: string; eventType: string }) => `${e.userId}:${e.eventType}`).sort()).toEqual(['c1:purchase', 'c2:purchase'])
  }, 60_000)

  test('the same file again: every row a duplicate', async () => {
    const k = await t.tenantWithKeys()
    const nd = [1, 2].map((i) => JSON.stringify({ eventType: 'product_viewed', userId: `u${i}`, productId: 'p', timestamp: ago(i) })).join('\n')
    const f = file('views.ndjson', nd)
    const args = ['--api', api, '--key', k.writeKey, '--type', 'events', '--file', f, '--poll-ms', '50']
    expect((await cli(args)).out).toContain('completed: 2 rows read, 2 accepted, 0 duplicates, 0 rejected')
    const again = await cli(args)
    expect(again.code).toBe(0)
    expect(again.out).toContain('completed: 2 rows read, 0 accepted, 2 duplicates, 0 rejected')
    expect(again.out).toContain('(no rows refused)')
  }, 60_000)

  test('a job that fails exits 1 with its error; a refused upload exits 1 with the problem; bad flags exit 2', async () => {
    const k = await t.tenantWithKeys()
    const failed = await cli(['--api', api, '--key', k.writeKey, '--type', 'catalog', '--file', file('items.json', '{"productId":"x"}'), '--poll-ms', '50'])
    expect(failed.code).toBe(1)
    expect(failed.out).toContain('failed: 0 rows read')
    expect(failed.out).toContain('error: ')
    expect(failed.out).toContain('does not start with "["')
    const refused = await cli(['--api', api, '--key', k.writeKey, '--type', 'events', '--file', file('a.csv', 'x\n1\n'), '--mapping', '{"x":"nonsense"}'])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/^The import was refused: 400 /)
    const noKey = await cli(['--api', api, '--key', 'rk_wrong', '--type', 'events', '--file', file('b.csv', 'x\n1\n')])
    expect(noKey.code).toBe(1)
    expect(noKey.err).toMatch(/^The import was refused: 401 /)
    const bad = await cli(['--api', api, '--type', 'events', '--file', 'x.txt'])
    expect(bad.code).toBe(2)
    expect(bad.err).toStartWith('--key is required\nUsage: npm run import')
  }, 60_000)
})

describe('import progress lines', () => {
  test('a bar on a terminal, plain words otherwise; the format from the extension', () => {
    const job = { status: 'running', rowsRead: 12_345, accepted: 0, duplicates: 0, rejected: 0, bytesRead: 2_500_000, bytesTotal: 10_000_000 }
    expect(jobLine(job, true)).toBe(`running   ${bar(0.25, 30)} 25% 12,345 rows · 2.5 MB / 10.0 MB`)
    expect(jobLine(job, false)).toBe('running: 12,345 rows read, 2.5 MB / 10.0 MB (25%)')
    expect(bar(0.5, 4)).toBe('[##--]')
    expect(uploadLine(500, 1000, false)).toBe('uploading: 500 B of 1.0 KB (50%)')
    const o = parseOptions(['--api', 'http://x/', '--key', 'k', '--type', 'events', '--file', 'a.JSONL'])
    expect(o).toMatchObject({ api: 'http://x', format: 'ndjson', pollMs: 1000, replace: false })
    expect((parseOptions(['--api', 'a', '--key', 'k', '--type', 'events', '--file', 'a.txt']) as Error).message).toContain('--format must be')
    expect((parseOptions(['--api', 'a', '--key', 'k', '--type', 'events', '--file', 'a.csv', '--mapping', '[1]']) as Error).message).toContain('JSON object')
  })
})
