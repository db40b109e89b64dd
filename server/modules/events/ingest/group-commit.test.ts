// The group committer on its own: how groups form (per tick, at the size
// limit, behind writes in flight), what each waiter is told, and how a failed
// write is contained. The rows go to the shared PGlite through a writer the
// test can hold, fail and count; the group cut is stepped by hand.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../../db/client.ts'
import { waitFor } from '../../../test/wait-for.ts'
import { GroupCommitter, type CommitTiming, type Outcome, type Submitted } from './group-commit.ts'
import { at, event, ingestDatabase } from './test-fixtures.ts'

/** The group cut, stepped by the test instead of the next macrotask, and a clock it moves. */
function steppedTiming() {
  const t = {
    now: 0,
    due: undefined as (() => void) | undefined,
    /** Cuts the group that is due, as the macrotask would. */
    cut() {
      const c = t.due
      if (!c) throw new Error('no group is due')
      t.due = undefined
      c()
    },
  }
  const timing: CommitTiming = {
    defer: (cut) => { t.due = cut; return () => { if (t.due === cut) t.due = undefined } },
    now: () => t.now,
  }
  return Object.assign(t, { timing })
}

/** The real database behind a writer that counts, can be held, and can fail. */
function watchedWriter(raw: RawSql) {
  const w = {
    transactions: 0,
    monthChecks: 0,
    /** While set, every transaction waits for it. */
    hold: undefined as Promise<void> | undefined,
    /** Thrown by the next transaction, once. */
    failNext: undefined as unknown,
    /** Any statement carrying this user id throws an error without a SQLSTATE. */
    poisonUser: undefined as string | undefined,
    raw: undefined as unknown as RawSql,
  }
  const watch = (r: RawSql): RawSql => ({
    query: async <T,>(text: string, params?: unknown[]) => {
      if (text.includes('ensure_event_months')) w.monthChecks++
      if (w.poisonUser && params?.some((p) => typeof p === 'string' && p.includes(`"u":"${w.poisonUser}"`))) throw new Error('poisoned row')
      return r.query<T>(text, params)
    },
    transaction: async (fn) => {
      w.transactions++
      if (w.hold) await w.hold
      if (w.failNext !== undefined) { const e = w.failNext; w.failNext = undefined; throw e }
      return r.transaction((tx) => fn(watch(tx)))
    },
  })
  w.raw = watch(raw)
  return w
}

const pgError = (code: string) => Object.assign(new Error(`error ${code}`), { code })
const statuses = (os: Outcome[]) => os.map((o) => o.status)

describe('group commit', async () => {
  const { raw, tenant } = await ingestDatabase()
  const stored = async (tenantId: string) =>
    (await raw.query<{ id: string; user_id: string }>('select id, user_id from events where tenant_id = $1 order by user_id', [tenantId]))

  /** A committer on a watched writer and a stepped cut, recording its groups and what it reported stored. */
  function committer(o: { maxInFlight?: number; maxGroup?: number; onStored?: (rows: Submitted[]) => void } = {}) {
    const writer = watchedWriter(raw)
    const clock = steppedTiming()
    const groups: { size: number; waitMs: number }[] = []
    const storedRows: Submitted[] = []
    const c = new GroupCommitter(writer.raw, o.maxInFlight ?? 4, o.maxGroup ?? 1000,
      o.onStored ?? ((rows) => storedRows.push(...rows)), (size, waitMs) => groups.push({ size, waitMs }), clock.timing)
    return { c, writer, clock, groups, storedRows }
  }

  test('events submitted before the cut, by any tenant, are written as one group in one transaction', async () => {
    const [a, b] = [await tenant(), await tenant()]
    const { c, writer, clock, groups } = committer()
    const first = c.submit([event(a, 'product_viewed', 'u1', 'p1', at(1000)), event(a, 'product_viewed', 'u2', 'p1', at(1000))])
    const second = c.submit([event(b, 'add_to_cart', 'u3', 'p2', at(2000))])
    expect(c.backlog).toBe(3)
    expect(writer.transactions).toBe(0) // nothing is written before the cut
    clock.cut()
    const [x, y] = await Promise.all([first, second])
    expect(groups.map((g) => g.size)).toEqual([3])
    expect(writer.transactions).toBe(1)
    expect(c.backlog).toBe(0)
    // Each waiter gets its own row's id.
    const ids = [...x, ...y].map((o) => (o.status === 'accepted' ? o.id : o.status))
    expect(ids).toEqual([...(await stored(a)).map((r) => r.id), ...(await stored(b)).map((r) => r.id)])
  })

  test('a group closes at its size limit; the rest form the next groups', async () => {
    const a = await tenant()
    const { c, writer, clock, groups } = committer({ maxGroup: 3 })
    const all = c.submit(Array.from({ length: 7 }, (_, i) => event(a, 'product_viewed', `u${i}`, 'p1', at(i))))
    clock.cut(); clock.cut(); clock.cut()
    expect(clock.due).toBeUndefined() // nothing left to cut
    expect(statuses(await all)).toEqual(Array(7).fill('accepted'))
    expect(groups.map((g) => g.size)).toEqual([3, 3, 1])
    expect(writer.transactions).toBe(3)
    expect((await stored(a)).length).toBe(7)
  })

  test('while maxInFlight groups are being written, new events wait and become the next group, timed from the first of them', async () => {
    const a = await tenant()
    const { c, writer, clock, groups } = committer({ maxInFlight: 1 })
    let release!: () => void
    writer.hold = new Promise((r) => { release = r })
    clock.now = 100
    const first = c.submit([event(a, 'product_viewed', 'u0', 'p1', at(0))])
    clock.now = 104
    clock.cut()
    clock.now = 110
    const later = [c.submit([event(a, 'product_viewed', 'u1', 'p1', at(1))])]
    clock.now = 118
    later.push(c.submit([event(a, 'product_viewed', 'u2', 'p1', at(2)), event(a, 'product_viewed', 'u3', 'p1', at(3))]))
    expect(clock.due).toBeUndefined() // the pipeline is full: no cut is even scheduled
    expect(c.backlog).toBe(3)
    clock.now = 125
    writer.hold = undefined
    release()
    expect(statuses(await first)).toEqual(['accepted'])
    await waitFor('the next group to be due once the write finished', () => clock.due)
    clock.cut()
    expect((await Promise.all(later)).flat().map((o) => o.status)).toEqual(['accepted', 'accepted', 'accepted'])
    expect(groups).toEqual([{ size: 1, waitMs: 4 }, { size: 3, waitMs: 15 }])
  })

  test('no event is lost or doubled: duplicates in a group and of stored rows are told so, each new row accepted exactly once', async () => {
    const a = await tenant()
    const { c, storedRows } = committer({ maxGroup: 4, maxInFlight: 2 })
    const old = event(a, 'purchase', 'u0', 'p0', at(0))
    const first = c.submit([old])
    await c.drain()
    expect(statuses(await first)).toEqual(['accepted'])
    const rows = [
      event(a, 'product_viewed', 'u1', 'p1', at(10)),
      event(a, 'product_viewed', 'u1', 'p1', at(10)), // the same event again, in the same group
      { ...old }, // stored before
      ...Array.from({ length: 6 }, (_, i) => event(a, 'add_to_cart', `v${i}`, 'p2', at(20 + i))),
      event(a, 'add_to_cart', 'v0', 'p2', at(20)), // again, in a later group (groups of 4)
    ]
    const pending = Promise.all(rows.map((r) => c.submit([r])))
    await c.drain()
    const outcomes = (await pending).flat()
    expect(statuses(outcomes)).toEqual(['accepted', 'duplicate', 'duplicate', ...Array(6).fill('accepted'), 'duplicate'])
    const accepted = outcomes.flatMap((o) => (o.status === 'accepted' ? [o.id] : []))
    const inDb = await stored(a)
    expect(inDb.length).toBe(8) // old + u1 + six v
    expect(new Set(accepted).size).toBe(accepted.length)
    expect(accepted.every((id) => inDb.some((r) => r.id === id))).toBe(true)
    // The listener hears each stored row once, duplicates never.
    expect(storedRows.map((r) => r.userId).sort()).toEqual(['u0', 'u1', 'v0', 'v1', 'v2', 'v3', 'v4', 'v5'])
  })

  test('of two events with one eventId in a group, the first submitted is stored, whatever their timestamps', async () => {
    const a = await tenant()
    const { c, clock } = committer()
    const later = event(a, 'product_viewed', 'u1', 'p1', at(5000), { idempotencyKey: 'k1', eventId: 'k1' })
    const earlier = event(a, 'product_viewed', 'u1', 'p1', at(1000), { idempotencyKey: 'k1', eventId: 'k1' })
    const outcomes = c.submit([later, earlier])
    clock.cut()
    expect(statuses(await outcomes)).toEqual(['accepted', 'duplicate'])
    const rows = await raw.query<{ ms: number }>('select (extract(epoch from ts) * 1000)::float8 as ms from events where tenant_id = $1', [a])
    expect(rows.map((r) => r.ms)).toEqual([at(5000).getTime()])
  })

  test('the stored rows are told to the listener before any waiter is answered; a listener that throws unacknowledges nothing', async () => {
    const a = await tenant()
    let answered = false
    let answeredWhenTold: boolean | undefined
    const { c, clock } = committer({ onStored: () => { answeredWhenTold = answered; throw new Error('listener broke') } })
    const p = c.submit([event(a, 'product_viewed', 'u1', 'p1', at(0))]).then((o) => { answered = true; return o })
    clock.cut()
    expect(statuses(await p)).toEqual(['accepted'])
    expect(answeredWhenTold).toBe(false)
    expect((await stored(a)).length).toBe(1)
  })

  test('an unreachable or busy database fails every waiter of the group, unsplit; the next group is written (and its months checked again)', async () => {
    const [a, b] = [await tenant(), await tenant()]
    const { c, writer, clock } = committer()
    const rows = [event(a, 'product_viewed', 'u1', 'p1', at(0)), event(b, 'product_viewed', 'u2', 'p1', at(0)), event(a, 'add_to_cart', 'u1', 'p1', at(1))]

    writer.failNext = pgError('ECONNREFUSED')
    let p = c.submit(rows)
    clock.cut()
    expect((await p).map((o) => (o.status === 'failed' ? o.failure.kind : o.status))).toEqual(['unreachable', 'unreachable', 'unreachable'])
    expect(writer.transactions).toBe(1)

    writer.failNext = pgError('40001') // serialization failure
    p = c.submit(rows)
    clock.cut()
    expect((await p).map((o) => (o.status === 'failed' ? o.failure.kind : o.status))).toEqual(['busy', 'busy', 'busy'])
    expect(writer.transactions).toBe(2)
    expect((await stored(a)).length + (await stored(b)).length).toBe(0)

    p = c.submit(rows)
    clock.cut()
    expect(statuses(await p)).toEqual(['accepted', 'accepted', 'accepted'])
    expect(writer.monthChecks).toBe(3) // a failed group forgets which months it had checked
    p = c.submit([event(a, 'product_viewed', 'u9', 'p1', at(2))])
    clock.cut()
    expect(statuses(await p)).toEqual(['accepted'])
    expect(writer.monthChecks).toBe(3) // a month seen by a committed group is not checked again
  })

  test('a row the database refuses fails alone: the group is split until it is isolated, other tenants\' rows are stored', async () => {
    const [a, b] = [await tenant(), await tenant()]
    const gone = crypto.randomUUID() // a tenant that does not exist: the foreign key refuses its row
    const { c, writer, clock } = committer()
    const p = c.submit([
      event(a, 'product_viewed', 'u1', 'p1', at(0)), event(b, 'product_viewed', 'u2', 'p1', at(0)),
      event(gone, 'product_viewed', 'u3', 'p1', at(0)),
      event(a, 'product_viewed', 'u4', 'p1', at(0)), event(b, 'product_viewed', 'u5', 'p1', at(0)),
    ])
    clock.cut()
    const out = await p
    expect(statuses(out)).toEqual(['accepted', 'accepted', 'failed', 'accepted', 'accepted'])
    expect(out[2]).toMatchObject({ status: 'failed', failure: { kind: 'refused', sqlstate: '23503' } })
    expect(writer.transactions).toBeGreaterThan(1)
    expect((await stored(a)).map((r) => r.user_id)).toEqual(['u1', 'u4'])
    expect((await stored(b)).map((r) => r.user_id)).toEqual(['u2', 'u5'])
  })

  test('an error without a SQLSTATE is split the same way and fails only its row, as unknown', async () => {
    const a = await tenant()
    const { c, writer, clock } = committer()
    writer.poisonUser = 'bad'
    const p = c.submit(['u1', 'u2', 'bad', 'u4'].map((u) => event(a, 'product_viewed', u, 'p1', at(0))))
    clock.cut()
    const out = await p
    expect(statuses(out)).toEqual(['accepted', 'accepted', 'failed', 'accepted'])
    expect(out[2]).toMatchObject({ status: 'failed', failure: { kind: 'unknown' } })
    expect((await stored(a)).map((r) => r.user_id)).toEqual(['u1', 'u2', 'u4'])
  })

  test('drain writes what is queued without waiting for the cut, and cancels it', async () => {
    const a = await tenant()
    const { c, clock } = committer()
    const p = c.submit([event(a, 'product_viewed', 'u1', 'p1', at(0))])
    expect(clock.due).toBeDefined()
    await c.drain()
    expect(clock.due).toBeUndefined()
    expect(statuses(await p)).toEqual(['accepted'])
  })
})
