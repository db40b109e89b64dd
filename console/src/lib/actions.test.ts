import { describe, expect, test } from 'bun:test'
import { fieldError } from './actions'

describe('action errors', () => {
  test('zod$ field errors (string or list) and API problems (JSON pointer fields) both reach the field', () => {
    expect(fieldError({ failed: true, fieldErrors: { name: 'Enter your name' } }, 'name')).toBe('Enter your name')
    expect(fieldError({ failed: true, fieldErrors: { 'tags[]': ['bad', 'worse'] } }, 'tags[]')).toBe('bad worse')
    const problem = { status: 400, title: 'Invalid', errors: [{ field: '/config/attributionWindowHours', message: 'must be ≥ 1' }] }
    expect(fieldError({ failed: true, problem }, 'attributionWindowHours')).toBe('must be ≥ 1')
    expect(fieldError({ failed: true, problem }, 'name')).toBeUndefined()
    expect(fieldError({ saved: true }, 'name')).toBeUndefined()
    expect(fieldError(undefined, 'name')).toBeUndefined()
  })
})
