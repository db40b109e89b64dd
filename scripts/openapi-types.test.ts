// The generated API types (typed client and console) match the OpenAPI document the app serves.
import { expect, test } from 'bun:test'
import { isCurrent } from './openapi-types.ts'

test('clients/typescript/src/api-types.ts is current (npm run openapi:types)', async () => {
  expect(await isCurrent()).toBe(true)
}, 30_000)
