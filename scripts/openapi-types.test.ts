// The console's generated API types match the OpenAPI document the app serves.
import { expect, test } from 'bun:test'
import { isCurrent } from './openapi-types.ts'

test('console/src/lib/api-types.ts is current (npm run openapi:types)', async () => {
  expect(await isCurrent()).toBe(true)
}, 30_000)
