import { describe, expect, test } from 'bun:test'
import { TooManyRequests } from '../../errors.ts'
import { searchGate, type GateClock } from './search-gate.ts'

/** A search the test finishes by hand. */
function held() {
  let finish!: () => void
  const done = new Promise<void>((resolve) => { finish = resolve })
  return { done, finish }
}

/** A clock the test moves; `after` callbacks run when it passes their time. */
function manualClock() {
  let t = 0
  const timers: { at: number; fn: () => void }[] = []
  const clock: GateClock = { now: () => t, after: (ms, fn) => { timers.push({ at: t + ms, fn }) } }
  return {
    clock,
    advance(ms: number) {
      t += ms
      for (const due of timers.filter((x) => x.at <= t)) { timers.splice(timers.indexOf(due), 1); due.fn() }
    },
    pending: () => timers.length,
  }
}
const settle = () => new Promise((resolve) => setImmediate(resolve))

describe('catalog search gate', () => {
  test('one search runs per tenant, four wait, the sixth is refused with Retry-After 1', async () => {
    const gate = searchGate({ running: 1, waiting: 4, busyShare: 1 })
    const searches = Array.from({ length: 5 }, held)
    const started: number[] = []
    const runs = searches.map((s, i) => gate.run('a', async () => { started.push(i); await s.done; return i }))
    await Promise.resolve()
    expect(started).toEqual([0])
    expect(gate.load('a')).toEqual({ running: 1, waiting: 4 })
    const refused = await gate.run('a', async () => 99).catch((e) => e)
    expect(refused).toBeInstanceOf(TooManyRequests)
    expect(refused.status).toBe(429)
    expect(refused.headers).toEqual({ 'Retry-After': '1' })
    // Another tenant is not behind tenant a.
    expect(await gate.run('b', async () => 'b')).toBe('b')
    for (const [i, s] of searches.entries()) {
      s.finish()
      expect(await runs[i]).toBe(i)
    }
    expect(started).toEqual([0, 1, 2, 3, 4])
    expect(gate.load('a')).toEqual({ running: 0, waiting: 0 })
  })

  test('a failing search frees its slot', async () => {
    const gate = searchGate({ running: 1, waiting: 0, busyShare: 1 })
    await expect(gate.run('a', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await gate.run('a', async () => 1)).toBe(1)
    expect(gate.load('a')).toEqual({ running: 0, waiting: 0 })
  })

  test('after a search the lane rests as long again (busyShare 0.5) before the next one starts', async () => {
    const m = manualClock()
    const gate = searchGate({ running: 1, waiting: 4, busyShare: 0.5 }, m.clock)
    const first = held()
    const started: string[] = []
    const one = gate.run('a', async () => { started.push('one'); await first.done })
    const two = gate.run('a', async () => { started.push('two') })
    await settle()
    m.advance(80) // the first search runs 80 ms
    first.finish()
    await one
    await settle()
    expect(started).toEqual(['one'])
    expect(gate.load('a')).toEqual({ running: 1, waiting: 1 })
    m.advance(79)
    await settle()
    expect(started).toEqual(['one'])
    m.advance(1) // 80 ms of rest: the second starts
    await two
    expect(started).toEqual(['one', 'two'])
    expect(m.pending()).toBe(0) // it took no time, so no rest
    expect(gate.load('a')).toEqual({ running: 0, waiting: 0 })
  })
})
