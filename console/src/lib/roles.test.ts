import { describe, expect, test } from 'bun:test'
import { can } from './roles'

describe('console roles', () => {
  test('each role reaches its own level and those below, never above', () => {
    expect(can('owner', 'owner')).toBe(true)
    expect(can('admin', 'owner')).toBe(false)
    expect(can('admin', 'admin')).toBe(true)
    expect(can('analyst', 'admin')).toBe(false)
    expect(can('analyst', 'analyst')).toBe(true)
    expect(can('viewer', 'analyst')).toBe(false)
    expect(can('viewer', 'viewer')).toBe(true)
    expect(can(undefined, 'viewer')).toBe(false)
  })
})
