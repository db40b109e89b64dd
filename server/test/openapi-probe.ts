// Helpers for tests that probe every endpoint the OpenAPI document lists, so
// endpoints added later are covered without touching those tests: the list
// of operations, the credential each one takes, and a minimal valid value
// for a JSON schema (to show that an otherwise valid body is still refused
// when one thing about it is wrong).
import type { TestApp } from './harness.ts'

export interface Operation {
  method: string
  /** OpenAPI template, e.g. /api/v1/tenants/{id}/api-keys/{keyId} */
  path: string
  security: string[]
  pathParams: string[]
  queryParams: { name: string; schema: JsonSchema }[]
  body?: JsonSchema
}
export type JsonSchema = Record<string, any>

export async function operations(t: TestApp): Promise<Operation[]> {
  // The 3.1 document: its schemas are the route schemas as they are (3.0.3 folds null unions into `nullable`).
  const doc = (await t.req('GET', '/api/v1/openapi-3.1.json')).body as { paths: Record<string, Record<string, any>> }
  const ops: Operation[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as { in: string; name: string; schema: JsonSchema }[]
      ops.push({
        method: method.toUpperCase(), path,
        security: ((op.security ?? []) as Record<string, unknown>[]).flatMap((s) => Object.keys(s)),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema,
      })
    }
  }
  return ops
}

/** Whether an operation acts on a tenant's data (an API key, or an admin token with X-Tenant-ID). */
export const tenantScoped = (op: Operation) => op.security.includes('apiKey')

/** Fills {param} placeholders: `values` by name, or by the collection the parameter follows. */
export function fillPath(path: string, value: (param: string, collection: string) => string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string, offset: number) => {
    const before = path.slice(0, offset).split('/').filter(Boolean)
    return encodeURIComponent(value(name, before.at(-1) ?? ''))
  })
}

/** A small value that satisfies the schema (required fields only), or undefined when unsure. */
export function minimalValid(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return undefined
  if ('const' in schema) return schema.const
  if (Array.isArray(schema.enum)) return schema.enum[0]
  const alt = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alt)) {
    for (const s of alt) { const v = minimalValid(s, depth + 1); if (v !== undefined) return v }
    return undefined
  }
  if ('default' in schema) return schema.default
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const k of (schema.required ?? []) as string[]) {
        const v = minimalValid(schema.properties?.[k], depth + 1)
        if (v === undefined) return undefined
        out[k] = v
      }
      return out
    }
    case 'array': {
      const item = minimalValid(schema.items, depth + 1)
      const n = schema.minItems ?? 0
      return n && item === undefined ? undefined : Array.from({ length: n }, () => item)
    }
    case 'string': {
      const f = schema.format
      if (f === 'email') return `probe-${Math.random().toString(36).slice(2)}@example.com`
      if (f === 'uuid') return '00000000-0000-4000-8000-000000000000'
      if (f === 'date-time') return new Date().toISOString()
      if (f === 'uri') return 'https://example.com/'
      const fits = (v: string) => v.length >= (schema.minLength ?? 0) && v.length <= (schema.maxLength ?? Infinity) && (!schema.pattern || new RegExp(schema.pattern, 'u').test(v))
      return ['probe', 'p'.repeat(Math.max(1, schema.minLength ?? 1)), 'probe-1', '#1d4ed8', 'a'].find(fits)
    }
    case 'integer': return Math.max(schema.minimum ?? 1, 1)
    case 'number': return Math.max(schema.minimum ?? 1, 1)
    case 'boolean': return true
    case 'null': return null
  }
  return undefined
}

/** Every property of an object schema (top level), with its schema. */
export function properties(schema: JsonSchema | undefined): [string, JsonSchema][] {
  if (!schema) return []
  const alt = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alt)) return alt.flatMap((s: JsonSchema) => properties(s))
  return Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)
}

export function typeOf(schema: JsonSchema): string | undefined {
  if (schema.type) return Array.isArray(schema.type) ? schema.type[0] : schema.type
  const alt = schema.anyOf ?? schema.oneOf
  if (Array.isArray(alt)) for (const s of alt) { const t = typeOf(s); if (t && t !== 'null') return t }
  return undefined
}
