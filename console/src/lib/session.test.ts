import { describe, expect, test } from 'bun:test'
import { safeNext } from './session'

describe('safeNext (where sign-in returns to)', () => {
  test('local paths are kept, with their query', () => {
    expect(safeNext('/dashboard/settings')).toBe('/dashboard/settings')
    expect(safeNext('/dashboard/tenants/x/analytics?range=7d')).toBe('/dashboard/tenants/x/analytics?range=7d')
  })
  test('anything that could leave the site falls back to the dashboard', () => {
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '', null, undefined]) {
      expect(safeNext(bad)).toBe('/dashboard')
    }
  })
})
