import { describe, expect, test } from 'bun:test'
import { operations, typeText } from './openapi'

const spec = {
  components: { schemas: { Pet: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' }, tag: { type: 'string', description: 'free text', maxLength: 20 } } } } },
  paths: {
    '/pets/{id}': {
      get: {
        tags: ['Pets'], summary: 'Get a pet', security: [{ bearer: [] }],
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, default: 20 } }],
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { data: { $ref: '#/components/schemas/Pet' } } } } } }, 404: { description: 'nope', content: { 'application/json': { schema: {} } } } },
      },
      delete: { summary: 'Delete', responses: { 204: { description: 'gone' } } },
    },
    '/pets': { post: { summary: 'Create', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } }, responses: {} } },
  },
}

describe('openapi operations', () => {
  test('lists every path and method, sorted, with params, body and responses', () => {
    const ops = operations(spec)
    expect(ops.map((o) => `${o.method} ${o.path}`)).toEqual(['POST /pets', 'GET /pets/{id}', 'DELETE /pets/{id}'])
    const get = ops[1]
    expect(get).toMatchObject({ summary: 'Get a pet', tag: 'Pets', auth: ['bearer'] })
    expect(get.params).toEqual([
      { name: 'id', in: 'path', required: true, type: 'string; uuid', description: undefined },
      { name: 'limit', in: 'query', required: false, type: 'integer; ≥ 1, default 20', description: undefined },
    ])
    expect(get.responses[0].type).toContain('id: string  // uuid')
    expect(get.responses[1]).toMatchObject({ status: '404', mediaType: 'application/problem+json' })
    expect(ops[0].body?.type).toContain('tag?: string  // free text; length ≤ 20')
  })
  test('types: unions, enums, arrays, records', () => {
    expect(typeText({ anyOf: [{ type: 'string' }, { type: 'null' }] }, {})).toBe('string | null')
    expect(typeText({ type: 'string', enum: ['a', 'b'] }, {})).toBe('"a" | "b"')
    expect(typeText({ type: 'array', items: { type: 'integer' } }, {})).toBe('integer[]')
    expect(typeText({ type: 'object', additionalProperties: { type: 'number' } }, {})).toBe('Record<string, number>')
  })
})
