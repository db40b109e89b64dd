// docs/operating.md's environment table lists every variable server/config.ts
// reads, and nothing it does not (a renamed variable would leave a stale row).
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '..')

test('docs/operating.md documents every environment variable server/config.ts reads', () => {
  const config = readFileSync(join(root, 'server/config.ts'), 'utf8')
  const read = new Set([...config.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!))
  expect(read.size).toBeGreaterThan(20)
  const doc = readFileSync(join(root, 'docs/operating.md'), 'utf8')
  const table = doc.slice(doc.indexOf('## Environment'))
  const rows = table.split('\n').filter((l) => l.startsWith('| `'))
  const documented = new Set(rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)))
  expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([])
  expect([...documented].filter((v) => !read.has(v)).sort()).toEqual([])
})

test('the README links the operating doc and the compose topology', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  expect(readme).toContain('(docs/operating.md)')
  expect(readme).toContain('deploy/compose.yaml')
})
