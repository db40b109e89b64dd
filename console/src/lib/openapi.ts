// Turns the API's OpenAPI 3 document into what /docs/api-reference lists:
// every path and method with its summary, parameters, request body and
// responses, schemas shown as readable TypeScript-like types. Pure.
type Schema = Record<string, any>
type Spec = { paths?: Record<string, Record<string, any>>; components?: { schemas?: Record<string, Schema> }; tags?: { name: string; description?: string }[] }

export interface Param { name: string; in: string; required: boolean; type: string; description?: string }
export interface ResponseDoc { status: string; description: string; mediaType?: string; type?: string }
export interface Operation {
  id: string; method: string; path: string; summary: string; description?: string; tag: string
  auth: string[]; params: Param[]; body?: { mediaType: string; type: string }; responses: ResponseDoc[]
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

function resolve(s: Schema | undefined, spec: Spec): Schema {
  let cur = s ?? {}
  for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++) cur = spec.components?.schemas?.[cur.$ref.split('/').pop()!] ?? {}
  return cur
}

function constraints(s: Schema): string {
  const c: string[] = []
  if (s.format) c.push(s.format)
  if (s.minimum !== undefined) c.push(`≥ ${s.minimum}`)
  if (s.maximum !== undefined) c.push(`≤ ${s.maximum}`)
  if (s.minLength !== undefined) c.push(`length ≥ ${s.minLength}`)
  if (s.maxLength !== undefined) c.push(`length ≤ ${s.maxLength}`)
  if (s.maxItems !== undefined) c.push(`≤ ${s.maxItems} items`)
  if (s.default !== undefined) c.push(`default ${JSON.stringify(s.default)}`)
  return c.join(', ')
}

/** A schema as a TypeScript-like type, objects spread over lines with `// description` comments. */
export function typeText(schema: Schema | undefined, spec: Spec, indent = 0, depth = 0): string {
  const s = resolve(schema, spec)
  if (depth > 8) return 'object'
  const pad = '  '.repeat(indent)
  if (s.const !== undefined) return JSON.stringify(s.const)
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' | ')
  const alts = s.anyOf ?? s.oneOf
  if (Array.isArray(alts)) return alts.map((a: Schema) => typeText(a, spec, indent, depth + 1)).join(' | ')
  if (Array.isArray(s.allOf)) return s.allOf.map((a: Schema) => typeText(a, spec, indent, depth + 1)).join(' & ')
  if (Array.isArray(s.type)) return s.type.join(' | ')
  if (s.type === 'array') {
    const inner = typeText(s.items, spec, indent, depth + 1)
    return /[|&]/.test(inner) && !inner.startsWith('{') ? `(${inner})[]` : `${inner}[]`
  }
  if (s.type === 'object' || s.properties) {
    const props = Object.entries((s.properties ?? {}) as Record<string, Schema>)
    if (!props.length) {
      const extra = s.additionalProperties || s.patternProperties
      if (extra && typeof extra === 'object') {
        const value = s.additionalProperties && typeof s.additionalProperties === 'object' ? s.additionalProperties : Object.values(s.patternProperties ?? {})[0]
        return `Record<string, ${typeText(value as Schema, spec, indent, depth + 1)}>`
      }
      return 'object'
    }
    const req = new Set<string>(s.required ?? [])
    const lines = props.map(([k, v]) => {
      const r = resolve(v, spec)
      const note = [r.description, constraints(r)].filter(Boolean).join('; ')
      return `${pad}  ${k}${req.has(k) ? '' : '?'}: ${typeText(v, spec, indent + 1, depth + 1)}${note ? `  // ${note.replace(/\s+/g, ' ')}` : ''}`
    })
    return `{\n${lines.join('\n')}\n${pad}}`
  }
  if (s.type === 'integer') return 'integer'
  return s.type ?? 'unknown'
}

/** Every operation of the document, in path order, methods in GET/POST/PUT/PATCH/DELETE order. */
export function operations(spec: Spec): Operation[] {
  const out: Operation[] = []
  for (const path of Object.keys(spec.paths ?? {}).sort()) {
    const item = spec.paths![path]
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const params: Param[] = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => {
        const r = resolve(p.schema, spec)
        return { name: p.name, in: p.in, required: !!p.required, type: [typeText(p.schema, spec), constraints(r)].filter(Boolean).join('; '), description: p.description ?? r.description }
      })
      const bodyContent = op.requestBody?.content as Record<string, { schema?: Schema }> | undefined
      const bodyType = bodyContent ? Object.keys(bodyContent)[0] : undefined
      const responses: ResponseDoc[] = Object.entries((op.responses ?? {}) as Record<string, any>).map(([status, r]) => {
        const content = r.content as Record<string, { schema?: Schema }> | undefined
        const mediaType = content ? Object.keys(content)[0] : undefined
        const isProblem = Number(status) >= 400
        return {
          status, description: isProblem ? 'Problem details (application/problem+json)' : (r.description ?? ''),
          mediaType: isProblem ? 'application/problem+json' : mediaType,
          type: !isProblem && mediaType ? typeText(content![mediaType].schema, spec) : undefined,
        }
      })
      out.push({
        id: `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-').replace(/-$/, ''),
        method: method.toUpperCase(), path, summary: op.summary ?? '', description: op.description, tag: op.tags?.[0] ?? 'Other',
        auth: (op.security ?? []).flatMap((s: Record<string, unknown>) => Object.keys(s)),
        params, body: bodyType ? { mediaType: bodyType, type: typeText(bodyContent![bodyType].schema, spec) } : undefined, responses,
      })
    }
  }
  return out
}
