// OpenAPI 3.1 → 3.0.3, for the tools the PRD names (FR-062: OpenAPI 3.0) and
// the many generators that still read only 3.0. The route schemas are JSON
// Schema 2020-12 (TypeBox); 3.0 speaks an older subset of it, so each schema
// is rewritten: type arrays and null unions become `nullable`, `const` an
// enum, `examples` one `example`, numeric exclusive bounds the boolean form,
// tuples and pattern-keyed records their closest 3.0 shape, and keywords 3.0
// does not know are dropped (its Schema Object allows no others).
type Json = Record<string, any>

/** The keywords of a 3.0.3 Schema Object (besides x- extensions). */
const SCHEMA_30_KEYS = new Set([
  '$ref', 'title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'not',
  'allOf', 'oneOf', 'anyOf', 'items', 'properties', 'additionalProperties', 'description', 'format', 'default', 'nullable',
  'discriminator', 'readOnly', 'writeOnly', 'xml', 'externalDocs', 'example', 'deprecated',
])

const isNullSchema = (s: unknown) => !!s && typeof s === 'object' && (s as Json).type === 'null' && Object.keys(s as Json).every((k) => k === 'type' || k === 'description')
const typeOfValue = (v: unknown) => (v === null ? undefined : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v === 'object' ? 'object' : typeof v)

/** One JSON Schema 2020-12 schema as a 3.0.3 Schema Object. */
export function schemaTo30(input: unknown): Json {
  if (input === true || input === undefined) return {}
  if (input === false) return { not: {} }
  if (typeof input !== 'object' || input === null) return {}
  const s: Json = { ...(input as Json) }
  if (s.$ref) return { $ref: s.$ref } // 3.0 ignores a $ref's siblings

  // Keyword rewrites before anything recursive.
  if ('const' in s) {
    s.enum = [s.const]
    s.type ??= typeOfValue(s.const)
    delete s.const
  }
  if (Array.isArray(s.examples)) {
    if (s.examples.length && !('example' in s)) s.example = s.examples[0]
    delete s.examples
  }
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof s[exclusive] === 'number') { s[bound] = s[exclusive]; s[exclusive] = true }
  }
  if (s.type === 'null') {
    delete s.type
    return finish({ ...s, nullable: true, enum: [null] })
  }
  if (Array.isArray(s.type)) {
    const types = (s.type as string[]).filter((x) => x !== 'null')
    if (types.length < s.type.length) s.nullable = true
    if (types.length <= 1) s.type = types[0]
    else {
      delete s.type
      s.anyOf = types.map((type) => ({ type }))
    }
    if (s.type === undefined) delete s.type
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[key])) continue
    const branches = (s[key] as unknown[]).filter((b) => !isNullSchema(b))
    if (branches.length === s[key].length) continue
    s.nullable = true
    if (branches.length === 1) {
      delete s[key]
      const only = schemaTo30(branches[0])
      // A $ref cannot carry `nullable` beside it in 3.0: wrap it.
      if (only.$ref) return finish({ ...s, allOf: [only] })
      return finish({ ...only, ...s, nullable: true })
    }
    s[key] = branches
  }
  if (s.patternProperties && typeof s.patternProperties === 'object') {
    const values = Object.values(s.patternProperties as Json)
    if (s.additionalProperties === undefined || s.additionalProperties === false) s.additionalProperties = values.length === 1 ? values[0] : values.length ? { anyOf: values } : true
    delete s.patternProperties
  }
  if (Array.isArray(s.prefixItems) || Array.isArray(s.items)) {
    // A tuple: 3.0 has no positional items; any of the positions' schemas, with the length pinned.
    const positions = (Array.isArray(s.prefixItems) ? s.prefixItems : s.items) as unknown[]
    s.items = positions.length === 1 ? positions[0] : { anyOf: positions }
    s.minItems ??= positions.length
    if (s.additionalItems === false || s.items === false) s.maxItems ??= positions.length
    delete s.prefixItems
  }
  return finish(s)
}

function finish(s: Json): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries(s)) {
    if (!SCHEMA_30_KEYS.has(k) && !k.startsWith('x-')) continue
    switch (k) {
      case 'properties': out[k] = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, schemaTo30(ps)])); break
      case 'items': case 'not': out[k] = schemaTo30(v); break
      case 'additionalProperties': out[k] = typeof v === 'boolean' ? v : schemaTo30(v); break
      case 'allOf': case 'anyOf': case 'oneOf': out[k] = (v as unknown[]).map(schemaTo30); break
      case 'required': if (Array.isArray(v) && v.length) out[k] = [...new Set(v)]; break
      case 'enum': if (Array.isArray(v) && v.length) out[k] = v; break
      default: out[k] = v
    }
  }
  if (out.type === 'array' && !out.items) out.items = {}
  return out
}

const mapValues = <V>(o: Record<string, V> | undefined, f: (v: V) => V) => (o ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) : o)

const mediaTo30 = (m: Json): Json => {
  const out: Json = { ...m }
  if (m.schema !== undefined) out.schema = schemaTo30(m.schema)
  return out
}
const contentTo30 = (c: Json | undefined) => mapValues(c, mediaTo30)
const parameterTo30 = (p: Json): Json => (p.$ref ? p : { ...p, ...(p.schema ? { schema: schemaTo30(p.schema) } : {}), ...(p.content ? { content: contentTo30(p.content) } : {}) })
const responseTo30 = (r: Json): Json => (r.$ref ? r : {
  ...r,
  ...(r.content ? { content: contentTo30(r.content) } : {}),
  ...(r.headers ? { headers: mapValues(r.headers as Json, parameterTo30) } : {}),
})

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** A whole 3.1 document as 3.0.3. The input is left as it is. */
export function documentTo30(doc: Json): Json {
  const { jsonSchemaDialect: _dialect, webhooks: _webhooks, ...rest } = doc
  const info = { ...doc.info }
  delete info.summary
  if (info.license) { info.license = { ...info.license }; delete info.license.identifier }
  const paths: Json = {}
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Json)) {
    const out: Json = { ...item }
    if (item.parameters) out.parameters = item.parameters.map(parameterTo30)
    for (const m of METHODS) {
      const op = item[m]
      if (!op) continue
      out[m] = {
        ...op,
        ...(op.parameters ? { parameters: op.parameters.map(parameterTo30) } : {}),
        ...(op.requestBody ? { requestBody: op.requestBody.$ref ? op.requestBody : { ...op.requestBody, content: contentTo30(op.requestBody.content) } } : {}),
        ...(op.responses ? { responses: mapValues(op.responses as Json, responseTo30) } : {}),
      }
    }
    paths[path] = out
  }
  const c = doc.components ?? {}
  return {
    ...rest,
    openapi: '3.0.3',
    info,
    paths,
    components: {
      ...c,
      ...(c.schemas ? { schemas: mapValues(c.schemas as Json, schemaTo30) } : {}),
      ...(c.parameters ? { parameters: mapValues(c.parameters as Json, parameterTo30) } : {}),
      ...(c.responses ? { responses: mapValues(c.responses as Json, responseTo30) } : {}),
      ...(c.headers ? { headers: mapValues(c.headers as Json, parameterTo30) } : {}),
    },
  }
}
