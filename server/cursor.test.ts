import { describe, expect, test } from 'bun:test'
import { decodeCursor, encodeCursor } from './cursor.ts'
import { ValidationFailed } from './errors.ts'

describe('cursor', () => {
  test('round-trips a sort key', () => {
    const c = encodeCursor([1733390000123, 'b2c6a6a4-0000-4000-8000-000000000000'])
    expect(decodeCursor(c, ['number', 'string'])).toEqual([1733390000123, 'b2c6a6a4-0000-4000-8000-000000000000'])
  })
  test('a forged or mismatched cursor is a 400 naming cursor', () => {
    for (const bad of ['%%%', encodeCursor(['x', 'y']), encodeCursor([1]), Buffer.from('{"a":1}').toString('base64url'), encodeCursor([Number.MAX_VALUE * 0, 'x'.repeat(300)])]) {
      let e: unknown
      try { decodeCursor(bad, ['number', 'string']) } catch (x) { e = x }
      expect(e).toBeInstanceOf(ValidationFailed)
      expect((e as ValidationFailed).errors?.[0].field).toBe('cursor')
    }
  })
})
