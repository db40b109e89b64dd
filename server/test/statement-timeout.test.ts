// Every request-path statement is bounded (issue 17, item 3): past STATEMENT_TIMEOUT_MS PostgreSQL
// cancels it (SQLSTATE 57014), and the request gets a logged 503 problem with Retry-After, while
// background work (builds, folds, retention) runs on a pool without the limit. PostgreSQL only:
// PGlite does not enforce statement_timeout.
import { afterAll, describe, expect, test } from 'bun:test'
import { isStatementTimeout, type DatabaseHandle } from '../../db/client.ts'
import { createApp } from '../app.ts'
import { MemoryCache } from '../infra/cache/memory.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'
import { backend, REAL_BACKENDS, withStatementTimeout } from './backends.ts'
import { expectProblem, TEST_SECRETS, uniqueEmail } from './harness.ts'

describe.skipIf(!REAL_BACKENDS)('statement timeout [postgres]', async () => {
  // bun runs a skipped describe's body to collect its tests: without PostgreSQL there is nothing to open.
  if (!REAL_BACKENDS) return
  const database: DatabaseHandle = await withStatementTimeout(200)
  afterAll(() => database.close())
  const lines: string[] = []
  const app = await createApp({
    config: loadConfig({ BCRYPT_COST: '4' }), database, cache: new MemoryCache(), log: createLogger('warn', (l) => lines.push(l)),
    mailer: { send: async () => {} }, secrets: TEST_SECRETS, usageFlushMs: 0,
  })
  const req = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const res = await app.handle(new Request(`http://localhost${path}`, {
      method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    }))
    const text = await res.text()
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text }
  }

  test('the request pool cancels a statement past the limit; the background pool does not', async () => {
    const error = await database.raw.query('select pg_sleep(1)').catch((e) => e)
    expect(isStatementTimeout(error)).toBe(true)
    expect(await database.background.raw.query('select 1 as slept from pg_sleep(0.3)')).toEqual([{ slept: 1 }])
  })

  test('a request whose query runs past the limit is a 503 problem with Retry-After 2, logged; the next one is served', async () => {
    const signup = await req('POST', '/api/v1/auth/signup', {}, { email: uniqueEmail(), password: 'correct horse battery', name: 'T' })
    const auth = { authorization: `Bearer ${signup.body.data.accessToken}` }
    const tenantId = (await req('POST', '/api/v1/tenants', auth, { name: 'Slow shop' })).body.data.id
    const key = (await req('POST', `/api/v1/tenants/${tenantId}/api-keys`, auth, { name: 'r', permissions: 'read' })).body.data.key
    // Another session holds the catalog table, so the listing waits on its lock until the timeout cancels it.
    const other = (await backend('postgres')).database.background.raw
    const slow = await other.transaction(async (tx) => {
      await tx.query('lock table catalog_items in access exclusive mode')
      return req('GET', '/api/v1/catalog', { 'x-api-key': key })
    })
    expect(expectProblem(slow, 503).detail).toContain('took too long')
    expect(slow.headers.get('retry-after')).toBe('2')
    expect(lines.some((l) => l.includes('statement timeout') && l.includes('/api/v1/catalog'))).toBe(true)
    expect((await req('GET', '/api/v1/catalog', { 'x-api-key': key })).status).toBe(200)
  })
})
