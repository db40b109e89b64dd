import { describe, expect, test } from 'bun:test'
import { ServingCache } from './serving-cache.ts'

/** A load whose calls are counted and answered when the test says. */
function loader() {
  const calls: { key: string; resolve: (v: string) => void; reject: (e: Error) => void }[] = []
  const load = (key: string) => new Promise<string>((resolve, reject) => { calls.push({ key, resolve, reject }) })
  return { calls, load }
}
const turn = () => new Promise((r) => setTimeout(r, 0))

describe('ServingCache', () => {
  test('fresh: the value without a promise and without a read; unknown: one read however many ask', async () => {
    let now = 0
    const l = loader()
    const c = new ServingCache(l.load, 1000, 10_000, () => now)
    const a = c.get('t1'), b = c.get('t1')
    expect(a).toBeInstanceOf(Promise)
    expect(l.calls).toHaveLength(1)
    l.calls[0]!.resolve('v1')
    expect(await a).toBe('v1')
    expect(await b).toBe('v1')
    now = 999
    expect(c.get('t1')).toBe('v1')
    expect(l.calls).toHaveLength(1)
  })

  test('stale within the grace: served at once while one read runs behind it; the read\'s value is served next', async () => {
    let now = 0
    const l = loader()
    const c = new ServingCache(l.load, 1000, 10_000, () => now)
    const first = c.get('t1'); l.calls[0]!.resolve('v1'); await first
    now = 5000
    expect(c.get('t1')).toBe('v1')
    expect(c.get('t1')).toBe('v1')
    expect(l.calls).toHaveLength(2) // one read behind both
    l.calls[1]!.resolve('v2'); await turn()
    expect(c.get('t1')).toBe('v2')
  })

  test('a failed read behind a stale entry keeps the entry until the grace ends; then a request waits and sees the error', async () => {
    let now = 0
    const l = loader()
    const c = new ServingCache(l.load, 1000, 10_000, () => now)
    const first = c.get('t1'); l.calls[0]!.resolve('v1'); await first
    now = 2000
    expect(c.get('t1')).toBe('v1')
    l.calls[1]!.reject(new Error('database down')); await turn()
    expect(c.get('t1')).toBe('v1') // tried again, still served
    expect(l.calls).toHaveLength(3)
    l.calls[2]!.reject(new Error('database down')); await turn()
    now = 11_001
    const late = c.get('t1')
    expect(late).toBeInstanceOf(Promise)
    l.calls[3]!.reject(new Error('database down'))
    await expect(late).rejects.toThrow('database down')
  })

  test('forget: the next request reads again, and a read begun before the change does not store what it found', async () => {
    let now = 0
    const l = loader()
    const c = new ServingCache(l.load, 1000, 10_000, () => now)
    const first = c.get('t1'); l.calls[0]!.resolve('v1'); await first
    now = 2000
    c.get('t1') // a read behind the stale entry starts
    c.forget('t1')
    const after = c.get('t1')
    expect(after).toBeInstanceOf(Promise)
    l.calls[1]!.resolve('before the change'); await turn()
    l.calls[2]!.resolve('after the change')
    expect(await after).toBe('after the change')
    expect(c.get('t1')).toBe('after the change')
  })

  test('tenants are apart', async () => {
    const l = loader()
    const c = new ServingCache(l.load, 1000, 10_000, () => 0)
    const a = c.get('t1'), b = c.get('t2')
    expect(l.calls.map((x) => x.key)).toEqual(['t1', 't2'])
    l.calls[0]!.resolve('one'); l.calls[1]!.resolve('two')
    expect([await a, await b]).toEqual(['one', 'two'])
  })
})
