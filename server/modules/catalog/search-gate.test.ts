import { describe, expect, test } from 'bun:test'
import { TooManyRequests } from '../../errors.ts'
import { searchGate } from './search-gate.ts'

/** A search the test finishes by hand. */
function held() {
  let finish!: () => void
  const done = new Promise<void>((resolve) => { finish = resolve })
  return { done, finish }
}

describe('catalog search gate', () => {
  test('one search runs per tenant, four wait, the sixth is refused with Retry-After 1', async () => {
    const gate = searchGate({ running: 1, waiting: 4 })
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
    const gate = searchGate({ running: 1, waiting: 0 })
    await expect(gate.run('a', async () => { throw new Error('boom') })).rejects.toThrow('boom')
    expect(await gate.run('a', async () => 1)).toBe(1)
    expect(gate.load('a')).toEqual({ running: 0, waiting: 0 })
  })
})
