// The OpenAPI documents: both versions valid by an OpenAPI validator, the
// 3.0.3 one free of 3.1-only schema keywords, optional parameters optional,
// an example on every operation, and each kind of route's failures declared
// as problem+json. The conversion itself is pinned case by case.
import SwaggerParser from '@apidevtools/swagger-parser'
import { describe, expect, test } from 'bun:test'
import { testApp } from '../test/harness.ts'
import { documentTo30, schemaTo30 } from './openapi-30.ts'
import { exampleOf } from './openapi-examples.ts'
import { routeKind, standardProblems } from './openapi-document.ts'

type Json = Record<string, any>
const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const operationsOf = (doc: Json) => Object.entries(doc.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op: op as Json })))

describe('OpenAPI 3.1 → 3.0.3', () => {
  test('type arrays and null unions become nullable', () => {
    expect(schemaTo30({ type: ['string', 'null'] })).toEqual({ type: 'string', nullable: true })
    expect(schemaTo30({ anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }], description: 'd' })).toEqual({ type: 'integer', minimum: 1, nullable: true, description: 'd' })
    expect(schemaTo30({ anyOf: [{ $ref: '#/components/schemas/A' }, { type: 'null' }] })).toEqual({ nullable: true, allOf: [{ $ref: '#/components/schemas/A' }] })
    expect(schemaTo30({ anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }], nullable: true })
    expect(schemaTo30({ type: ['string', 'integer'] })).toEqual({ anyOf: [{ type: 'string' }, { type: 'integer' }] })
    expect(schemaTo30({ type: 'null' })).toEqual({ nullable: true, enum: [null] })
  })
  test('const, examples, exclusive bounds, records, tuples, unknown keywords', () => {
    expect(schemaTo30({ const: 'ok' })).toEqual({ enum: ['ok'], type: 'string' })
    expect(schemaTo30({ type: 'string', examples: ['a', 'b'] })).toEqual({ type: 'string', example: 'a' })
    expect(schemaTo30({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toEqual({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true })
    expect(schemaTo30({ type: 'object', patternProperties: { '^(.*)$': { type: 'number' } } })).toEqual({ type: 'object', additionalProperties: { type: 'number' } })
    expect(schemaTo30({ type: 'array', items: [{ type: 'number' }, { type: 'string' }], additionalItems: false })).toEqual({ type: 'array', items: { anyOf: [{ type: 'number' }, { type: 'string' }] }, minItems: 2, maxItems: 2 })
    expect(schemaTo30({ type: 'string', errorMessage: 'x', $id: 'y', 'x-kept': 1 })).toEqual({ type: 'string', 'x-kept': 1 })
    expect(schemaTo30({ type: 'object', required: [], properties: { a: { const: 1 } } })).toEqual({ type: 'object', properties: { a: { enum: [1], type: 'integer' } } })
  })
  test('a document: version, info, every schema place', () => {
    const doc = documentTo30({
      openapi: '3.1.0', info: { title: 't', version: '1', summary: 's', license: { name: 'MIT', identifier: 'MIT' } }, jsonSchemaDialect: 'x',
      paths: { '/a': { post: {
        parameters: [{ name: 'q', in: 'query', schema: { type: ['integer', 'null'] } }],
        requestBody: { content: { 'application/json': { schema: { const: 1 } } } },
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: { examples: [1], type: 'integer' } } } } },
      } } },
      components: { schemas: { S: { type: ['string', 'null'] } } },
    })
    expect(doc.openapi).toBe('3.0.3')
    expect(doc.info).toEqual({ title: 't', version: '1', license: { name: 'MIT' } })
    expect(doc.jsonSchemaDialect).toBeUndefined()
    const op = doc.paths['/a'].post
    expect(op.parameters[0].schema).toEqual({ type: 'integer', nullable: true })
    expect(op.requestBody.content['application/json'].schema).toEqual({ enum: [1], type: 'integer' })
    expect(op.responses[200].content['application/json'].schema).toEqual({ type: 'integer', example: 1 })
    expect(doc.components.schemas.S).toEqual({ type: 'string', nullable: true })
  })
})

describe('examples and standard failures', () => {
  test('an example fits its schema: names, formats, bounds, enums, nulls', () => {
    expect(exampleOf({ type: 'object', required: ['productId', 'n'], properties: { productId: { type: 'string' }, n: { type: 'integer', minimum: 5 }, at: { type: 'string', format: 'date-time' } } }))
      .toEqual({ productId: 'sku-1042', n: 5, at: '2026-03-01T12:00:00.000Z' })
    expect(exampleOf({ anyOf: [{ type: 'null' }, { type: 'string', enum: ['x'] }] })).toBe('x')
    expect(exampleOf({ type: 'object', properties: { currency: { type: ['string', 'null'] }, price: { type: ['number', 'null'] } } })).toEqual({ currency: 'USD', price: 89.9 })
    expect(exampleOf({ type: 'string', pattern: '^#[0-9a-f]{6}$' })).toBe('#1d4ed8')
    expect(exampleOf({ type: 'array', items: { type: 'integer' }, minItems: 2 })).toEqual([1, 1])
    expect(exampleOf({ $ref: '#/components/schemas/P' }, '', { P: { type: 'boolean' } })).toBe(true)
  })
  test('the failures of a route follow from its kind', () => {
    expect(routeKind({ security: [{ apiKey: [] }, { bearer: [] }] })).toBe('tenant')
    expect(routeKind({ security: [{ bearer: [] }] })).toBe('admin')
    expect(routeKind({})).toBe('public')
    expect(standardProblems('public', { params: false, query: false, body: false })).toEqual([])
    expect(standardProblems('public', { params: false, query: false, body: true }).sort()).toEqual([400, 413])
    expect(standardProblems('admin', { params: true, query: false, body: false }).sort()).toEqual([400, 401, 404, 429])
    expect(standardProblems('tenant', { params: false, query: true, body: false }).sort()).toEqual([400, 401, 403, 404, 429])
  })
})

describe('the served documents', async () => {
  const t = await testApp('pglite')
  const v30 = (await t.req('GET', '/api/v1/openapi.json')).body as Json
  const v31 = (await t.req('GET', '/api/v1/openapi-3.1.json')).body as Json

  test('3.0.3 at /api/v1/openapi.json and 3.1 at /api/v1/openapi-3.1.json, both valid (swagger-parser)', async () => {
    expect(v30.openapi).toBe('3.0.3')
    expect(v31.openapi).toBe('3.1.0')
    expect(v30.info.description).toContain('OpenAPI 3.0.3; the same in OpenAPI 3.1 is at /api/v1/openapi-3.1.json')
    expect(v31.info.description).toContain('OpenAPI 3.1; the same in OpenAPI 3.0.3 is at /api/v1/openapi.json')
    // validate() dereferences in place: give it copies.
    await SwaggerParser.validate(structuredClone(v30) as never)
    await SwaggerParser.validate(structuredClone(v31) as never)
    expect(Object.keys(v30.paths)).toEqual(Object.keys(v31.paths))
    expect(operationsOf(v30).length).toBeGreaterThan(50)
  })

  test('the 3.0.3 document has no 3.1-only schema keyword anywhere', () => {
    const found: string[] = []
    const walk = (v: unknown, at: string) => {
      if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${at}/${i}`))
      if (!v || typeof v !== 'object') return
      const o = v as Json
      if (at.includes('/schema')) {
        if ('const' in o || 'examples' in o && !at.endsWith('/content') || 'patternProperties' in o || 'prefixItems' in o || '$defs' in o) found.push(at)
        if (Array.isArray(o.type) || o.type === 'null' || typeof o.exclusiveMinimum === 'number' || typeof o.exclusiveMaximum === 'number') found.push(at)
      }
      for (const [k, x] of Object.entries(o)) if (k !== 'example') walk(x, `${at}/${k}`)
    }
    walk(v30.paths, '#/paths')
    walk(v30.components.schemas, '#/components/schemas')
    expect(found).toEqual([])
  })

  test('query parameters with a default are optional: limit and offset on every list', () => {
    const lists = operationsOf(v30).filter(({ op }) => (op.parameters ?? []).some((p: Json) => p.name === 'limit' && p.in === 'query'))
    expect(lists.map((l) => l.path)).toEqual(expect.arrayContaining(['/api/v1/tenants', '/api/v1/catalog', '/api/v1/events', '/api/v1/experiments', '/api/v1/imports', '/api/v1/tenants/{id}/api-keys']))
    for (const doc of [v30, v31]) {
      for (const { path, op } of operationsOf(doc)) {
        for (const p of (op.parameters ?? []) as Json[]) {
          if (p.in === 'query' && p.schema.default !== undefined) expect({ path, name: p.name, required: p.required }).toEqual({ path, name: p.name, required: false })
          // Query numbers are documented as numbers, not as Elysia's string-or-number coercion.
          if (p.in === 'query' && ['limit', 'offset'].includes(p.name)) expect(p.schema.type).toBe('integer')
        }
      }
    }
  })

  test('every operation has examples: its body, each response with content, its required parameters', () => {
    for (const { path, method, op } of operationsOf(v30)) {
      const where = `${method.toUpperCase()} ${path}`
      for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Json)) expect({ where, type, has: media.example !== undefined }).toEqual({ where, type, has: true })
      const responses = Object.entries(op.responses as Json)
      expect({ where, responses: responses.length > 0 }).toEqual({ where, responses: true })
      for (const [status, res] of responses) {
        for (const [type, media] of Object.entries((res.content ?? {}) as Json)) expect({ where, status, type, has: media.example !== undefined }).toEqual({ where, status, type, has: true })
      }
      for (const p of (op.parameters ?? []) as Json[]) if (p.required) expect({ where, p: p.name, has: p.example !== undefined }).toEqual({ where, p: p.name, has: true })
    }
  })

  test('failures are problem+json, and each kind of route declares its standard ones', () => {
    for (const { path, method, op } of operationsOf(v30)) {
      const where = `${method.toUpperCase()} ${path}`
      const statuses = Object.keys(op.responses)
      const kind = routeKind(op)
      const expected = kind === 'tenant' ? ['400', '401', '403', '404', '429'] : kind === 'admin' ? ['401', '429'] : []
      if (op.requestBody) expected.push('400', '413')
      if ((op.parameters ?? []).some((p: Json) => p.in === 'path')) expected.push('404')
      expect({ where, statuses }).toEqual({ where, statuses: expect.arrayContaining(expected) })
      for (const s of statuses.filter((x) => /^4/.test(x))) {
        expect({ where, s, content: Object.keys(op.responses[s].content ?? {}) }).toEqual({ where, s, content: ['application/problem+json'] })
        expect(op.responses[s].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' })
      }
    }
  })

  test('JSON request bodies are declared as application/json with the route schema', () => {
    const signup = v30.paths['/api/v1/auth/signup'].post
    expect(Object.keys(signup.requestBody.content)).toEqual(['application/json'])
    expect(signup.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['email', 'password']))
  })
})
