// An example value for a JSON schema, so every operation in the OpenAPI
// document shows a request and an answer without an example written by hand
// per route: a schema's own `examples`/`default`/`const` first, then a value
// its type, format and bounds allow, named after the field where that says
// more (a productId looks like a SKU, a currency like ISO 4217).
type Json = Record<string, any>

/** Values for fields whose name says what they hold, used when they fit the schema. */
const BY_NAME: Record<string, unknown> = {
  productId: 'sku-1042', userId: 'shopper-42', sessionId: 'sess-9f2c', email: 'ada@example.com', password: 'correct horse battery',
  currentPassword: 'correct horse battery', name: 'Acme Outdoor', category: 'footwear', currency: 'USD', url: 'https://shop.example.com/p/sku-1042',
  imageUrl: 'https://shop.example.com/img/sku-1042.jpg', description: 'Waterproof trail running shoe', placement: 'product_page',
  campaign: 'spring-newsletter', eventType: 'product_viewed', price: 89.9, primaryColor: '#1d4ed8', textColor: '#111827', background: '#ffffff',
  strategy: 'collaborative', eventId: 'evt-7f3a9c01', orderId: 'order-1001', fontFamily: 'system-ui, sans-serif', title: 'Recommended for you', ctaText: 'View', token: 'eyJhbGciOiJIUzI1NiJ9.example',
}

const FORMATS: Record<string, string> = {
  uuid: '3f9a2c1e-7b4d-4e8a-9c2f-1a2b3c4d5e6f', 'date-time': '2026-03-01T12:00:00.000Z', date: '2026-03-01', email: 'ada@example.com',
  uri: 'https://shop.example.com/', url: 'https://shop.example.com/',
}

function fits(schema: Json, v: unknown): boolean {
  if (Array.isArray(schema.enum)) return schema.enum.includes(v)
  const type = Array.isArray(schema.type) ? schema.type.find((x: string) => x !== 'null') : schema.type
  switch (type) {
    case 'string':
      return typeof v === 'string' && v.length >= (schema.minLength ?? 0) && v.length <= (schema.maxLength ?? Infinity)
        && (!schema.pattern || new RegExp(schema.pattern, 'u').test(v)) && (!schema.format || schema.format !== 'uuid' || /^[0-9a-f-]{36}$/.test(v))
    case 'number': case 'integer':
      return typeof v === 'number' && (type === 'number' || Number.isInteger(v)) && v >= (schema.minimum ?? -Infinity) && v <= (schema.maximum ?? Infinity)
    default: return false
  }
}

/** An example for `schema`; `name` is the property it sits under. `refs` resolves #/components/schemas/… */
export function exampleOf(schema: unknown, name = '', refs: Json = {}, depth = 0): unknown {
  if (!schema || typeof schema !== 'object' || depth > 10) return undefined
  let s = schema as Json
  if (s.$ref) s = refs[String(s.$ref).split('/').pop()!] ?? {}
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0]
  if ('example' in s) return s.example
  if ('const' in s) return s.const
  if (name in BY_NAME && fits(s, BY_NAME[name])) return BY_NAME[name]
  if ('default' in s) return s.default
  if (Array.isArray(s.enum)) return s.enum[0]
  const alt = s.anyOf ?? s.oneOf
  if (Array.isArray(alt)) {
    for (const b of alt) if ((b as Json)?.type !== 'null') { const v = exampleOf(b, name, refs, depth + 1); if (v !== undefined) return v }
    return null
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...s.allOf.map((b: unknown) => exampleOf(b, name, refs, depth + 1)))
  const type = Array.isArray(s.type) ? s.type.find((x: string) => x !== 'null') : s.type
  switch (type) {
    case 'object': {
      const out: Json = {}
      const required = new Set<string>(s.required ?? [])
      for (const [k, ps] of Object.entries((s.properties ?? {}) as Json)) {
        // Optional fields deeper than the top level are left out: an example shows the shape, not every knob.
        if (!required.has(k) && depth > 1) continue
        const v = exampleOf(ps, k, refs, depth + 1)
        if (v !== undefined) out[k] = v
      }
      if (!s.properties && s.additionalProperties && typeof s.additionalProperties === 'object') out.key = exampleOf(s.additionalProperties, 'value', refs, depth + 1)
      if (!s.properties && s.patternProperties) out.key = exampleOf(Object.values(s.patternProperties)[0], 'value', refs, depth + 1)
      return out
    }
    case 'array': {
      if (Array.isArray(s.items)) return s.items.map((i: unknown) => exampleOf(i, name, refs, depth + 1))
      const item = exampleOf(s.items ?? s.prefixItems?.[0], name.replace(/s$/, ''), refs, depth + 1)
      return item === undefined ? [] : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => item)
    }
    case 'string': {
      if (s.format && FORMATS[s.format]) return FORMATS[s.format]
      const candidates = ['example', 'a'.repeat(Math.max(1, s.minLength ?? 1)), 'sku-1042', '#1d4ed8', 'product_page', 'a']
      return candidates.find((c) => fits({ ...s, type: 'string' }, c)) ?? 'example'
    }
    case 'integer': return Math.min(Math.max(s.minimum ?? 1, s.exclusiveMinimum !== undefined ? Number(s.exclusiveMinimum) + 1 : 1), s.maximum ?? Infinity)
    case 'number': return Math.min(Math.max(s.minimum ?? 1, s.exclusiveMinimum !== undefined ? Number(s.exclusiveMinimum) + 0.5 : 1), s.maximum ?? Infinity)
    case 'boolean': return true
    case 'null': return null
  }
  return undefined
}
