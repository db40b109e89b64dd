// A stored model's decoding, in two halves: what a load thread (load-thread.ts) does — gunzip,
// parse, the typed arrays, the ranked orders, the bytes estimate — and what the serving thread
// then does with its reply: parse the items and their terms, handed over as JSON text in slices
// so that no slice holds requests back more than a millisecond or two, and make the product-id
// map. Kept apart from the thread's module, whose import would install its message handler.
import { Buffer } from 'node:buffer'
import { gunzipSync } from 'node:zlib'
import { compactForServing, indexFromOrders, type ModelIndex, servingOrders, type ServingOrders, type ServingParts, servingParts } from '../engine/strategies/model-index.ts'
import type { Item, TenantModel } from '../engine/types.ts'
import { loadedModelBytes } from './model-bytes.ts'

/** Items per slice of JSON text: ~1 ms of JSON.parse each for a retail catalog's items. */
export const SLICE_ITEMS = 1000

/**
 * A model as a load thread hands it over: `rest` is the model without its items and terms
 * (and its triples and vectors let go, as compactForServing leaves it), whose items and terms
 * come as JSON text in slices of SLICE_ITEMS; `bytes` is the estimate loadedModelBytes makes of
 * the model served (worked out here, on the whole model and its index).
 */
export interface ThreadLoaded { rest: TenantModel; items: string[]; terms: string[]; parts: ServingParts; orders: ServingOrders; bytes: number }

/** The stored form (gzipped JSON), as PostgreSQL hands it over (bytea) or as base64 text. */
export const gunzipModel = (stored: Uint8Array | string): TenantModel =>
  JSON.parse(gunzipSync(typeof stored === 'string' ? Buffer.from(stored, 'base64') : stored).toString('utf8')) as TenantModel

/** The load thread's half. */
export function prepareLoad(stored: Uint8Array | string, sliceItems = SLICE_ITEMS): ThreadLoaded {
  const model = gunzipModel(stored)
  const parts = servingParts(model)
  const index = compactForServing(model, parts)
  const bytes = loadedModelBytes(model, index)
  const items: string[] = [], terms: string[] = []
  for (let i = 0; i < model.items.length; i += sliceItems) {
    items.push(JSON.stringify(model.items.slice(i, i + sliceItems)))
    terms.push(JSON.stringify(model.content.terms.slice(i, i + sliceItems)))
  }
  const rest = { ...model, items: [], content: { ...model.content, terms: [] } }
  return { rest, items, terms, parts, orders: servingOrders(index), bytes }
}

/** A parsed model made ready to serve on this thread: its pair lists and content rows compacted into its index, and its bytes. */
export function readyToServe(model: TenantModel): { model: TenantModel; index: ModelIndex; bytes: number } {
  const index = compactForServing(model)
  return { model, index, bytes: loadedModelBytes(model, index) }
}

/**
 * The serving thread's half: the model and its index from a load thread's reply, a slice of
 * items at a time with `pause()` awaited between slices (the event loop serves requests
 * there). `servingMs`: the time spent on this thread, pauses left out; `longestMs`: its longest
 * stretch without a pause (what a request arriving meanwhile waits at most, besides the reply's receipt).
 */
export async function assembleLoad(loaded: ThreadLoaded, pause: () => Promise<void>): Promise<{ model: TenantModel; index: ModelIndex; bytes: number; servingMs: number; longestMs: number }> {
  const items: Item[] = [], terms: string[][] = []
  let servingMs = 0, longestMs = 0
  const timed = <T>(f: () => T): T => {
    const t0 = performance.now()
    const out = f()
    const ms = performance.now() - t0
    servingMs += ms
    longestMs = Math.max(longestMs, ms)
    return out
  }
  for (let k = 0; k < loaded.items.length; k++) {
    if (k > 0) await pause()
    timed(() => {
      for (const item of JSON.parse(loaded.items[k]!) as Item[]) items.push(item)
      for (const t of JSON.parse(loaded.terms[k]!) as string[][]) terms.push(t)
    })
  }
  if (loaded.items.length > 0) await pause()
  const { model, index } = timed(() => {
    const model: TenantModel = { ...loaded.rest, items, content: { ...loaded.rest.content, terms } }
    return { model, index: indexFromOrders(model, loaded.parts, loaded.orders) }
  })
  return { model, index, bytes: loaded.bytes, servingMs, longestMs }
}
