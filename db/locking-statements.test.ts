// Citus row-locks only in statements that name one tenant (citusdata/citus#4647): read from the source, every SQL
// text in db/queries and server/ that locks rows (FOR UPDATE / FOR SHARE …) constrains `tenant_id =` or touches
// only reference tables (db/distribution.ts); the exceptions are listed with their reason and must still be needed.
import { describe, expect, test } from 'bun:test'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { REFERENCE_TABLES } from './distribution.ts'

const ROOT = new URL('..', import.meta.url).pathname
const LOCKING = /\bfor\s+(?:no\s+key\s+update|update|key\s+share|share)\b/i
const NAMES_TENANT = /\btenant_id\s*=\s*(?:\$\d+|\$\{)/i

/** Locking statements allowed without a tenant, by file, with why (a test fails when one is no longer needed). */
const EXCEPTIONS: Record<string, string> = {}

/** The string and template literals of a TypeScript source, comments skipped (`${…}` kept in the text as written). */
function stringLiterals(src: string): string[] {
  const out: string[] = []
  let i = 0
  const readTemplate = (): string => { // at the character after the opening backtick
    let s = ''
    while (i < src.length && src[i] !== '`') {
      if (src[i] === '\\') { s += src.slice(i, i + 2); i += 2; continue }
      if (src[i] === '$' && src[i + 1] === '{') {
        s += '${'
        i += 2
        for (let depth = 1; i < src.length && depth;) {
          const ch = src[i]!
          if (ch === '`') { i++; const inner = readTemplate(); out.push(inner); s += `\`${inner}\``; continue }
          if (ch === '{') depth++
          else if (ch === '}') depth--
          i++
          s += ch
        }
        continue
      }
      s += src[i++]
    }
    i++
    return s
  }
  while (i < src.length) {
    const c = src[i]!
    if (c === '/' && src[i + 1] === '/') { i = src.indexOf('\n', i); if (i < 0) break; continue }
    if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2) + 2; if (i < 2) break; continue }
    if (c === '`') { i++; out.push(readTemplate()); continue }
    if (c === '\'' || c === '"') {
      let s = ''
      for (i++; i < src.length && src[i] !== c && src[i] !== '\n'; i++) s += src[i] === '\\' ? src[i] + src[++i] : src[i]
      i++
      out.push(s)
      continue
    }
    i++
  }
  return out
}

/** Tables a statement reads or writes (after FROM, JOIN, UPDATE, INTO; not the UPDATE of FOR UPDATE). */
const tablesOf = (sql: string) => [...sql.matchAll(/(?<!\bfor\s+(?:no\s+key\s+)?)\b(?:from|join|update|into)\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1]!.toLowerCase())

/** For each file, its locking statements that neither name a tenant nor touch only reference tables. */
function unroutedLocks(files: { path: string; text: string }[]): { path: string; sql: string }[] {
  const reference = new Set(REFERENCE_TABLES)
  return files.flatMap((f) => stringLiterals(f.text)
    .filter((s) => LOCKING.test(s) && !NAMES_TENANT.test(s) && !tablesOf(s).every((t) => reference.has(t)))
    .map((sql) => ({ path: f.path, sql: sql.replace(/\s+/g, ' ').trim() })))
}

async function sources(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = []
  for (const e of await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !/\.tsx?$/.test(e.name) || /\.test\.tsx?$/.test(e.name)) continue
    const path = join(e.parentPath, e.name)
    out.push({ path: relative(ROOT, path), text: await readFile(path, 'utf8') })
  }
  return out
}

describe('row locks name one tenant (Citus routes them to one node)', () => {
  test('every locking SQL text in db/queries and server/ constrains tenant_id = or touches only reference tables; exceptions listed and still needed', async () => {
    const files = [...await sources('db/queries'), ...await sources('server')]
    expect(files.length).toBeGreaterThan(50)
    // The scan sees the locking statements that are there (the reference-table ones too).
    const locking = files.flatMap((f) => stringLiterals(f.text).filter((s) => LOCKING.test(s)).map(() => f.path))
    expect(locking).toContain('db/queries/users.ts')
    expect(locking).toContain('db/queries/erasures.ts')
    const found = unroutedLocks(files)
    expect(found.filter((f) => !(f.path in EXCEPTIONS))).toEqual([])
    expect(Object.keys(EXCEPTIONS).filter((path) => !found.some((f) => f.path === path))).toEqual([]) // an exception no longer needed: remove it
  })

  test('a planted source: a cross-tenant lock is reported; one naming its tenant, one on reference tables, comments and prose are not', () => {
    const text = [
      '// claims rows with FOR UPDATE SKIP LOCKED (a comment)',
      '/* select id from jobs for update */',
      'const prose = "ready for updates"',
      "const a = await raw.query(`select id from import_jobs where status = 'running' order by updated_at limit $1 for update skip locked`, [n])",
      "const b = await raw.query(`update jobs set x = 1 where tenant_id = $1 and id in (select id from jobs where tenant_id = $1 for update skip locked)`)",
      "const c = await db.execute(sql`update users set y = ${now} where id in (select id from users limit ${n} for update skip locked)`)",
      "const d = 'select 1 from tenants where id = $1 for update'",
      'const e = `with c as (select id from t where k = ${`inner`} for share) select * from c`',
    ].join('\n')
    expect(unroutedLocks([{ path: 'planted.ts', text }]).map((f) => f.sql)).toEqual([
      "select id from import_jobs where status = 'running' order by updated_at limit $1 for update skip locked",
      'with c as (select id from t where k = ${`inner`} for share) select * from c',
    ])
  })
})
