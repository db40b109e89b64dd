// What a loaded model costs in memory, estimated from its structure: the model cache
// (model-cache.ts) evicts by these bytes, so an instance's memory stays bounded whatever
// the number of tenants. A walk over the values, not a count of fields by name, so a
// field added to TenantModel is counted without anyone remembering to. Checked against the
// heap growth of real models in model-bytes.test.ts.
import { usesAnn } from '../engine/strategies/ann.ts'
import type { ModelIndex } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'

// JavaScriptCore's sizes, rounded up: a cell header, a property slot, a string's header.
const CELL = 16
const SLOT = 8
const STRING = 24
const MAP_ENTRY = 48
const TYPED_ARRAY = 64
/**
 * JSON.parse makes one string of equal short values within a parse (measured: an item's
 * terms, repeated across a catalog, took a third of their bytes counted one by one), so a
 * short string is counted once per walk.
 */
const ATOMIZED = 32

/** Past this many elements, an array of objects is estimated from an even sample of them (the walk runs on the serving thread at each load). */
const SAMPLE = 256

/**
 * Bytes held by a value and everything it reaches (objects once each, however often
 * referenced). Arrays of numbers count 8 bytes an element (a JSValue or a double); strings
 * one byte a character (Latin-1, as JSON.parse makes them) plus a header, short ones once. A long array of
 * objects (items, their terms) counts an even sample, scaled.
 */
export function deepBytes(value: unknown, seen: Set<unknown> = new Set()): number {
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return 0
  if (typeof value === 'string') {
    if (value.length > ATOMIZED) return STRING + value.length
    if (seen.has(value)) return 0
    seen.add(value)
    return STRING + value.length
  }
  if (typeof value !== 'object' || seen.has(value)) return 0 // functions: closures are counted by their owners
  seen.add(value)
  if (ArrayBuffer.isView(value)) {
    if (seen.has(value.buffer)) return TYPED_ARRAY
    seen.add(value.buffer)
    return TYPED_ARRAY + value.buffer.byteLength
  }
  if (Array.isArray(value)) {
    let bytes = CELL + SLOT * value.length
    // A numeric array is its slots alone: no walk over millions of numbers.
    if (typeof value[0] === 'number') return bytes
    if (value.length <= 2 * SAMPLE) {
      for (const v of value) bytes += deepBytes(v, seen)
      return bytes
    }
    const step = value.length / SAMPLE
    let sampled = 0
    for (let k = 0; k < SAMPLE; k++) sampled += deepBytes(value[Math.floor(k * step)], seen)
    return bytes + Math.round((sampled * value.length) / SAMPLE)
  }
  if (value instanceof Map) {
    let bytes = CELL * 4 + MAP_ENTRY * value.size
    for (const [k, v] of value) bytes += deepBytes(k, seen) + deepBytes(v, seen)
    return bytes
  }
  if (value instanceof Set) {
    let bytes = CELL * 4 + MAP_ENTRY * value.size
    for (const v of value) bytes += deepBytes(v, seen)
    return bytes
  }
  let bytes = CELL * 2
  for (const key in value) bytes += SLOT + deepBytes((value as Record<string, unknown>)[key], seen)
  return bytes
}

/**
 * A model as the store serves it: the model itself, its serving index (the content's sparse
 * rows among it), its availability bytes, and on a catalog searched approximately, the
 * approximate index's dense rows (ann.ts), built at its first content-based request.
 */
export function loadedModelBytes(model: TenantModel, index: ModelIndex): number {
  const seen = new Set<unknown>()
  const n = model.items.length
  const annRows = usesAnn(n) ? n * model.content.dim * 4 : 0
  return deepBytes(model, seen) + deepBytes(index, seen) + annRows + n
}
