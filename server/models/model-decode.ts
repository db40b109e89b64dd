// A stored model's decoding, as the load thread (load-thread.ts) runs it, or the serving
// thread where no thread can be started. Kept apart from the thread's module, whose import
// would install its message handler.
import { Buffer } from 'node:buffer'
import { gunzipSync } from 'node:zlib'
import { type ServingParts, servingBuffers, servingParts } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'

/** A stored model (base64 of gzipped JSON) made ready to serve: the model without its triples and vectors, and their typed arrays. */
export function decodeParts(model64: string): { model: TenantModel; parts: ServingParts } {
  const model = JSON.parse(gunzipSync(Buffer.from(model64, 'base64')).toString('utf8')) as TenantModel
  const parts = servingParts(model)
  model.itemNeighbors = []
  model.fbt = []
  model.content.vectors = []
  return { model, parts }
}

export const partsTransferables = (p: ServingParts): ArrayBuffer[] => servingBuffers(p)

