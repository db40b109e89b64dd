// The fallback rules of lag-tolerant reads, on stand-in sides (the real replica is in
// server/test/read-replica.test.ts): which side answers, when the replica is skipped, how often it warns.
import { describe, expect, test } from 'bun:test'
import type { Db, RawSql } from './client.ts'
import { lagTolerantReads, primaryReads, type ReadSide } from './lag-tolerant.ts'

const failure = (code: string) => Object.assign(new Error(code), { code })

function side(name: string) {
  const s = {
    calls: 0,
    failWith: undefined as Error | undefined,
    side: {
      db: {} as Db,
      raw: {
        query: async <T>() => { s.calls++; if (s.failWith) throw s.failWith; return [{ from: name }] as T[] },
        transaction: async <T>(fn: (tx: RawSql) => Promise<T>) => fn(s.side.raw),
      } as RawSql,
    } as ReadSide,
  }
  return s
}

function setup() {
  const primary = side('primary')
  const replica = side('replica')
  const warnings: Record<string, unknown>[] = []
  const fallbacks: string[] = []
  let now = 1_000_000
  const reads = lagTolerantReads({
    primary: primary.side, replica: replica.side, now: () => now, retryAfterMs: 5_000, warnEveryMs: 60_000,
    log: { warn: (_m, f) => warnings.push(f ?? {}) }, onFallback: (r) => fallbacks.push(r),
  })
  const ask = async () => ((await reads.raw.query<{ from: string }>('select 1'))[0]!).from
  return { primary, replica, warnings, fallbacks, reads, ask, advance: (ms: number) => { now += ms } }
}

describe('lag-tolerant reads', () => {
  test('read from the replica while it answers', async () => {
    const t = setup()
    expect(await t.ask()).toBe('replica')
    expect(await t.reads.run(async (s) => s === t.replica.side)).toBe(true)
    expect(t.primary.calls).toBe(0)
    expect(t.reads.hasReplica).toBe(true)
  })

  test('an unreachable replica: the read is answered by the primary, the replica skipped for a while, then tried again', async () => {
    const t = setup()
    t.replica.failWith = failure('ECONNREFUSED')
    expect(await t.ask()).toBe('primary')
    expect(t.replica.calls).toBe(1)
    // Within the retry window the replica is not even tried.
    t.advance(4_999)
    expect(await t.ask()).toBe('primary')
    expect(t.replica.calls).toBe(1)
    t.replica.failWith = undefined
    t.advance(1)
    expect(await t.ask()).toBe('replica')
    expect(t.fallbacks).toEqual(['unreachable'])
  })

  test('warns at most once per period, counting the reads that fell back', async () => {
    const t = setup()
    t.replica.failWith = failure('57P01') // admin shutdown
    for (let i = 0; i < 5; i++) { expect(await t.ask()).toBe('primary'); t.advance(5_000) }
    expect(t.warnings.length).toBe(1)
    t.advance(60_000)
    expect(await t.ask()).toBe('primary')
    expect(t.warnings.length).toBe(2)
    expect(t.warnings[1]!.fallbacks).toBe(5)
  })

  test('a read the standby cancels (conflict with recovery) is answered by the primary without skipping the replica', async () => {
    const t = setup()
    t.replica.failWith = failure('40001')
    expect(await t.ask()).toBe('primary')
    t.replica.failWith = undefined
    expect(await t.ask()).toBe('replica')
    expect(t.fallbacks).toEqual(['recovery-conflict'])
  })

  test('any other error is the read\'s own: thrown, not retried on the primary', async () => {
    const t = setup()
    t.replica.failWith = failure('42P01') // undefined table
    await expect(t.ask()).rejects.toThrow('42P01')
    expect(t.primary.calls).toBe(0)
  })

  test('without a replica every read is on the primary', async () => {
    const primary = side('primary')
    const reads = primaryReads(primary.side)
    expect(reads.hasReplica).toBe(false)
    expect((await reads.raw.query<{ from: string }>('select 1'))[0]!.from).toBe('primary')
    expect(await reads.raw.transaction(async (tx) => (await tx.query<{ from: string }>('select 1'))[0]!.from)).toBe('primary')
  })
})
