// From a file's records to the objects the API validates: which source column
// (or JSON key) is which of our fields, and CSV text turned into the types a
// field takes. Pure; validation itself is the events' and catalog's own.

export const EVENT_FIELDS = ['eventType', 'userId', 'productId', 'timestamp', 'eventId', 'sessionId', 'metadata', 'placement', 'strategy'] as const
export const CATALOG_FIELDS = ['productId', 'name', 'description', 'category', 'price', 'currency', 'imageUrl', 'url', 'attributes', 'available'] as const
export type ImportType = 'events' | 'catalog'

/** The nested object a dotted target may write into ("metadata.price", "attributes.color"). */
const NESTED: Record<ImportType, string> = { events: 'metadata', catalog: 'attributes' }
const fieldsOf = (type: ImportType): readonly string[] => (type === 'events' ? EVENT_FIELDS : CATALOG_FIELDS)

/** A name without case or separators: user_id, User ID, userId and USERID are one. */
const loose = (s: string) => s.trim().replace(/[_\s-]+/g, '').toLowerCase()
const LOOSE: Record<ImportType, Map<string, string>> = {
  events: new Map(EVENT_FIELDS.map((f) => [loose(f), f])), catalog: new Map(CATALOG_FIELDS.map((f) => [loose(f), f])),
}

/** Whether `target` names one of our fields (or a key inside metadata / attributes). */
export function isTarget(type: ImportType, target: string): boolean {
  if (fieldsOf(type).includes(target)) return true
  const [head, ...rest] = target.split('.')
  return head === NESTED[type] && rest.length === 1 && rest[0].length > 0 && rest[0].length <= 100
}

/** Why a mapping is not usable, or null. */
export function mappingProblem(type: ImportType, mapping: unknown): string | null {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) return 'must be a JSON object of source column → field'
  const entries = Object.entries(mapping)
  if (entries.length > 200) return 'must map at most 200 columns'
  for (const [from, to] of entries) {
    if (typeof to !== 'string' || !isTarget(type, to)) {
      return `maps "${from}" to ${JSON.stringify(to)}, which is not a field of ${type} (one of ${fieldsOf(type).join(', ')}, or ${NESTED[type]}.<key>)`
    }
  }
  return null
}

/** The field a source column or key fills, or undefined: the mapping's say, else our name in any case, snake_case or spaced. */
export function targetOf(type: ImportType, source: string, mapping: Record<string, string>): string | undefined {
  if (Object.hasOwn(mapping, source)) return mapping[source]
  if (isTarget(type, source)) return source
  return LOOSE[type].get(loose(source))
}

/** A CSV header resolved once: each column's target (undefined = ignored). */
export function columnTargets(type: ImportType, header: string[], mapping: Record<string, string>): (string | undefined)[] {
  return header.map((h, i) => targetOf(type, i === 0 ? h.replace(/^\ufeff/, '') : h, mapping))
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const SPACE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/
const EPOCH = /^\d{10}(\d{3})?$/
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/**
 * A timestamp in the forms exports use, as ISO 8601: already ISO; "YYYY-MM-DD HH:MM[:SS]" or a date
 * alone (UTC when no offset is given); epoch seconds or milliseconds. Anything else is left for validation to refuse.
 */
export function normalizeTimestamp(v: unknown): unknown {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v < 1e11 ? v * 1000 : v).toISOString()
  if (typeof v !== 'string') return v
  if (ISO_UTC.test(v)) return v // what the forms below would give back unchanged, found at once
  const s = v.trim()
  if (EPOCH.test(s)) return new Date(s.length === 10 ? Number(s) * 1000 : Number(s)).toISOString()
  if (DATE_ONLY.test(s)) return `${s}T00:00:00Z`
  const m = SPACE_TIME.exec(s)
  if (m) return `${m[1]}T${m[2].length === 5 ? `${m[2]}:00` : m[2]}${m[5] ?? 'Z'}`
  return s
}

/** A CSV cell as the field it fills takes it. Left as text when it does not convert, for validation to name. */
function cellValue(type: ImportType, target: string, cell: string): unknown {
  if (target === 'timestamp') return normalizeTimestamp(cell)
  if (target === 'price') return NUMBER.test(cell.trim()) ? Number(cell) : cell
  if (target === 'available') {
    const b = cell.trim().toLowerCase()
    return ['true', '1', 'yes', 'y'].includes(b) ? true : ['false', '0', 'no', 'n'].includes(b) ? false : cell
  }
  if (target === NESTED[type]) { // a whole metadata / attributes object, as JSON
    try { return JSON.parse(cell) } catch { return cell }
  }
  if (target.includes('.')) return NUMBER.test(cell.trim()) ? Number(cell) : cell // e.g. metadata.quantity
  return cell
}

export interface Built { value: Record<string, unknown>; columnOf: (field: string) => string }

/** One CSV record as an object of our fields; empty cells are left out (an absent optional field). */
export function fromCsv(type: ImportType, header: string[], targets: (string | undefined)[], fields: string[], defaults: Record<string, unknown>): Built {
  const value: Record<string, unknown> = {}
  const nested = NESTED[type]
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i]
    const cell = fields[i]
    if (!target || cell === undefined || cell === '') continue
    const v = cellValue(type, target, cell)
    const dot = target.indexOf('.')
    if (dot < 0) value[target] = v
    else {
      const inner = (value[nested] ??= {}) as Record<string, unknown>
      if (typeof inner === 'object' && inner !== null) inner[target.slice(dot + 1)] = v
    }
  }
  for (const k in defaults) if (value[k] === undefined) value[k] = defaults[k]
  return { value, columnOf: (field) => columnOfField(field, header, targets) }
}

function columnOfField(field: string, header: string[], targets: (string | undefined)[]): string {
  for (const f of [field, field.split(/[.[]/)[0]]) {
    const i = targets.indexOf(f)
    if (i >= 0) return header[i]
  }
  return field
}

/** One JSON record with its keys renamed by the mapping (and snake_case recognised); unknown keys stay, for validation to refuse. */
export function fromJson(type: ImportType, record: unknown, mapping: Record<string, string>, defaults: Record<string, unknown>): Built {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { value: record as never, columnOf: (f) => f }
  }
  const value: Record<string, unknown> = {}
  const sourceOf = new Map<string, string>()
  const nested = NESTED[type]
  for (const [k, v] of Object.entries(record)) {
    const target = targetOf(type, k, mapping) ?? k
    sourceOf.set(target, k)
    const dot = target.indexOf('.')
    if (dot >= 0 && target.startsWith(`${nested}.`)) {
      const inner = (value[nested] ??= {}) as Record<string, unknown>
      if (typeof inner === 'object' && inner !== null) inner[target.slice(dot + 1)] = v
    } else {
      // As an own property even when it is "__proto__": an unknown key must stay visible, for validation to refuse it.
      Object.defineProperty(value, target, { value: target === 'timestamp' ? normalizeTimestamp(v) : v, enumerable: true, writable: true, configurable: true })
    }
  }
  for (const [k, v] of Object.entries(defaults)) if (value[k] === undefined) value[k] = v
  return { value, columnOf: (field) => sourceOf.get(field) ?? sourceOf.get(field.split(/[.[]/)[0]) ?? field }
}
