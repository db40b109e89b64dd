import { expect, test } from 'bun:test'
import { BoundedMap } from './bounded-map.ts'

const values = (m: BoundedMap<string, number>, keys: string[]) => keys.map((k) => m.get(k))

test('keeps at most max entries; with none read, the oldest goes first', () => {
  const m = new BoundedMap<string, number>(3)
  for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) m.set(k, i)
  expect(m.size).toBe(3)
  expect(m.get('a')).toBeUndefined()
  expect(values(m, ['b', 'c', 'd'])).toEqual([1, 2, 3])
})

test('an entry read since the hand last passed gets a second chance; one-off entries go first', () => {
  const m = new BoundedMap<string, number>(3)
  m.set('hot', 1); m.set('x', 2); m.set('y', 3)
  m.get('hot')
  m.set('z', 4) // hot is spared (and loses its mark), x goes
  expect(m.get('x')).toBeUndefined()
  m.get('hot')
  m.set('w', 5) // y goes
  expect(m.get('y')).toBeUndefined()
  expect(values(m, ['hot', 'z', 'w'])).toEqual([1, 4, 5])
  m.set('hot', 9) // an update keeps its slot
  expect(m.get('hot')).toBe(9)
  expect(m.size).toBe(3)
})

test('when every entry was read, a full turn clears the marks and the hand evicts where it started', () => {
  const m = new BoundedMap<string, number>(2)
  m.set('a', 1); m.set('b', 2)
  m.get('a'); m.get('b')
  m.set('c', 3)
  expect(m.size).toBe(2)
  expect(m.get('a')).toBeUndefined()
  expect(values(m, ['b', 'c'])).toEqual([2, 3])
})

test('a key deleted and set again is not evicted early by its old slot; clear starts afresh', () => {
  const m = new BoundedMap<string, number>(3)
  m.set('a', 1); m.set('b', 2); m.set('c', 3)
  expect(m.delete('a')).toBe(true)
  m.set('x', 4) // takes a's old slot: nothing to evict
  m.set('a', 5) // the newest now: b (oldest, unread) makes room
  expect(m.get('b')).toBeUndefined()
  expect(values(m, ['c', 'x', 'a'])).toEqual([3, 4, 5])
  m.clear()
  expect(m.size).toBe(0)
  m.set('p', 1)
  expect(m.get('p')).toBe(1)
})
