// PGlite in its worker thread (pglite-client.ts, pglite-worker.ts), on the run's shared PGlite: a long statement
// leaves the API's thread free, errors keep their PostgreSQL fields, transactions commit, roll back and hold back the
// statements from outside them, and values cross the thread as they came from PGlite in one thread.
import { describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { customType, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { backend } from '../server/test/backends.ts'
import { testApp } from '../server/test/harness.ts'
import { isUniqueViolation } from './queries/tenants.ts'
import { isUnreachable } from './client.ts'
import { openPgliteThread } from './pglite-client.ts'

const bytea = customType<{ data: Uint8Array }>({ dataType: () => 'bytea' })
const probe = pgTable('pglite_thread_probe', { k: text('k').primaryKey(), v: bytea('v'), at: timestamp('at', { withTimezone: true }) })
const key = (tag: string) => `${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

describe('PGlite in a worker thread', async () => {
  const { database } = await backend('pglite')
  const { db, raw } = database
  await raw.query('create table if not exists pglite_thread_probe (k text primary key, v bytea, at timestamptz)')
  const count = async (k: string) => Number((await raw.query<{ n: string }>('select count(*) as n from pglite_thread_probe where k = $1', [k]))[0].n)

  test('/health is answered while a long statement runs', async () => {
    const t = await testApp('pglite')
    const order: string[] = []
    const statement = raw.query('select pg_sleep(1)').then(() => order.push('statement'))
    // A turn of the event loop: on the API's thread, PGlite would have run the whole statement before it came.
    await new Promise((resolve) => setTimeout(resolve, 0))
    const health = await t.req('GET', '/health')
    order.push('health')
    await statement
    expect(health.status).toBe(200)
    expect(order).toEqual(['health', 'statement'])
  })

  test('a unique violation surfaces as 23505 through raw and drizzle, with its constraint', async () => {
    const k = key('dup')
    await raw.query('insert into pglite_thread_probe (k) values ($1)', [k])
    const viaRaw = await raw.query('insert into pglite_thread_probe (k) values ($1)', [k]).catch((e) => e)
    expect(viaRaw).toMatchObject({ code: '23505', constraint: 'pglite_thread_probe_pkey' })
    expect(viaRaw.message).toContain('duplicate key')
    expect(viaRaw.detail).toContain(k)
    const viaDrizzle = await db.insert(probe).values({ k }).catch((e) => e)
    expect(isUniqueViolation(viaDrizzle)).toBe(true)
    expect(isUnreachable(viaDrizzle)).toBe(false)
  })

  test('a transaction that throws is rolled back; one that resolves is committed', async () => {
    const [kept, dropped] = [key('kept'), key('dropped')]
    const failure = await raw.transaction(async (tx) => {
      await tx.query('insert into pglite_thread_probe (k) values ($1)', [dropped])
      throw new Error('changed my mind')
    }).catch((e) => e)
    expect(failure.message).toBe('changed my mind')
    await raw.transaction((tx) => tx.query('insert into pglite_thread_probe (k) values ($1)', [kept]))
    expect([await count(dropped), await count(kept)]).toEqual([0, 1])
  })

  test("drizzle's nested transaction (a savepoint) rolls back alone, inside the same transaction", async () => {
    const [outer, inner] = [key('outer'), key('inner')]
    await db.transaction(async (tx) => {
      await tx.insert(probe).values({ k: outer })
      await tx.transaction(async (sp) => {
        await sp.insert(probe).values({ k: inner })
        throw new Error('inner only')
      }).catch(() => {})
      // The failed statement's savepoint is gone; the outer transaction still works.
      expect((await tx.select().from(probe).where(sql`k = ${outer}`)).length).toBe(1)
    })
    expect([await count(outer), await count(inner)]).toEqual([1, 0])
  })

  test('a statement from outside an open transaction waits for it to end, then sees what it committed', async () => {
    const k = key('serial')
    const order: string[] = []
    let outside: Promise<number> | undefined
    await raw.transaction(async (tx) => {
      await tx.query('insert into pglite_thread_probe (k) values ($1)', [k])
      outside = count(k).then((n) => { order.push('outside'); return n })
      await new Promise((resolve) => setTimeout(resolve, 0))
      await tx.query('select pg_sleep(0.05)') // the transaction's own statements still go ahead of it
      order.push('transaction')
    })
    expect(await outside!).toBe(1)
    expect(order).toEqual(['transaction', 'outside'])
  })

  test('a failed statement inside a transaction fails the commit when its error was swallowed', async () => {
    const k = key('aborted')
    const failure = await raw.transaction(async (tx) => {
      await tx.query('insert into pglite_thread_probe (k) values ($1)', [k])
      await tx.query('select 1/0').catch(() => {})
    }).catch((e) => e)
    expect(failure).toBeInstanceOf(Error)
    expect(await count(k)).toBe(0)
  })

  test('a parameter that cannot cross the thread fails its statement alone', async () => {
    const failure = await raw.query('select $1::text as x', [() => 'a function']).catch((e) => e)
    expect(failure).toBeInstanceOf(Error)
    expect(await raw.query('select $1::text as x', ['still open'])).toEqual([{ x: 'still open' }])
  })

  test('values cross the thread: bytea, timestamps (as drizzle maps them), bigint, json, nulls', async () => {
    const k = key('values')
    const at = new Date('2026-12-07T04:05:06.789Z')
    await db.insert(probe).values({ k, v: new Uint8Array([0, 1, 254, 255]), at })
    const [row] = await db.select().from(probe).where(sql`k = ${k}`)
    expect(row.v).toBeInstanceOf(Uint8Array)
    expect([...row.v!]).toEqual([0, 1, 254, 255])
    expect(row.at).toEqual(at)
    const [r] = await raw.query<Record<string, unknown>>('select $1::int8 as big, $2::jsonb as j, null::text as nothing, $3::timestamptz as t',
      [2n ** 40n, JSON.stringify({ a: [1, 'two'] }), at])
    expect(r).toEqual({ big: 2 ** 40, j: { a: [1, 'two'] }, nothing: null, t: at })
  })

  test('a thread that dies fails the statements waiting and every later one as unreachable, and says so once', async () => {
    const deaths: Error[] = []
    const thread = await openPgliteThread('memory://', { onDeath: (e) => deaths.push(e), workerUrl: new URL('./pglite-crash-worker.fixture.ts', import.meta.url) })
    expect((await thread.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }])
    const waiting = thread.query('crash the thread').then(() => 'answered', (e) => e)
    expect(isUnreachable(await waiting)).toBe(true)
    expect(deaths).toHaveLength(1)
    expect(deaths[0]!.message).toContain("PGlite's thread failed")
    expect(isUnreachable(await thread.query('select 1').then(() => 'answered', (e) => e))).toBe(true)
    expect(deaths).toHaveLength(1)
  }, 60_000)
})
