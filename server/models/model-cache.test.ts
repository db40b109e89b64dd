// The byte-bounded cache of models: least recently used goes first, the bytes held never
// pass the budget (but for a single entry larger than it), and what was evicted comes back.
import { describe, expect, test } from 'bun:test'
import { ByteBoundedLru } from './model-cache.ts'

describe('model cache', () => {
  test('evicts least recently used first, by bytes, and never holds more than the budget', () => {
    const evicted: string[] = []
    const c = new ByteBoundedLru<string>(100, (k) => evicted.push(k))
    c.set('a', 'A', 40)
    c.set('b', 'B', 40)
    expect(c.get('a')).toBe('A') // a is now the most recently used
    c.set('c', 'C', 40) // 120 > 100: b goes, not a
    expect(evicted).toEqual(['b'])
    expect(c.keys()).toEqual(['a', 'c'])
    expect(c.stats()).toMatchObject({ bytes: 80, models: 2, loads: 3, evictions: 1 })
    c.set('d', 'D', 90) // needs both a and c gone
    expect(evicted).toEqual(['b', 'a', 'c'])
    expect(c.stats()).toMatchObject({ bytes: 90, models: 1, evictions: 3 })
    for (const [k, bytes] of [['e', 30], ['f', 50], ['d', 90], ['g', 10]] as const) {
      c.set(k, k.toUpperCase(), bytes)
      expect(c.stats().bytes).toBeLessThanOrEqual(100)
    }
  })

  test('peek does not count as a use', () => {
    const c = new ByteBoundedLru<string>(100)
    c.set('a', 'A', 50)
    c.set('b', 'B', 50)
    expect(c.peek('a')).toBe('A')
    c.set('c', 'C', 50)
    expect(c.has('a')).toBe(false)
    expect(c.has('b')).toBe(true)
  })

  test('a single model larger than the budget is held alone, and replaced by the next', () => {
    const c = new ByteBoundedLru<string>(100)
    c.set('small', 's', 10)
    c.set('huge', 'H', 500)
    expect(c.keys()).toEqual(['huge'])
    expect(c.get('huge')).toBe('H')
    c.set('next', 'n', 10)
    expect(c.keys()).toEqual(['next'])
    expect(c.stats()).toMatchObject({ bytes: 10, evictions: 2 })
  })

  test('replacing a held entry re-counts its bytes and is not a load; an evicted one set again is', () => {
    const c = new ByteBoundedLru<string>(100)
    c.set('a', 'A1', 30)
    c.set('a', 'A2', 60)
    expect(c.stats()).toMatchObject({ bytes: 60, models: 1, loads: 1 })
    c.set('b', 'B', 60) // a evicted
    c.set('a', 'A3', 30) // loaded again
    expect(c.get('a')).toBe('A3')
    expect(c.stats()).toMatchObject({ bytes: 90, models: 2, loads: 3, evictions: 1 })
    c.delete('b')
    expect(c.stats()).toMatchObject({ bytes: 30, models: 1 })
  })
})
