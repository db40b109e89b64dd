// A stored model's load on a thread of its own (a web Worker, in Bun and in Deno): base64
// → gunzip → JSON.parse → the pair lists and content matrix as typed arrays. With many
// tenants arriving, these steps on the API's thread held every request back (BENCHMARKS.md,
// "Many tenants"). The typed arrays are handed over without a copy; the model's triples and
// vectors, its largest part, are let go here, so only the rest is cloned back.
import type { ServingParts } from '../engine/strategies/model-index.ts'
import type { TenantModel } from '../engine/types.ts'
import { decodeParts, partsTransferables } from './model-decode.ts'

export interface LoadRequest { id: number; model64: string }
export type LoadReply = { id: number; model: TenantModel; parts: ServingParts } | { id: number; error: string }

declare const self: { onmessage: ((e: MessageEvent<LoadRequest>) => void) | null; postMessage(message: LoadReply, transfer?: Transferable[]): void }

self.onmessage = (e) => {
  const { id, model64 } = e.data
  try {
    const { model, parts } = decodeParts(model64)
    self.postMessage({ id, model, parts }, partsTransferables(parts))
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  }
}
