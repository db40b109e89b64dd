// The model build on a thread of its own (a web Worker, in Bun and in Deno): a
// retail-size build is seconds of CPU, which on the API's own thread would hold
// every request back for as long. It gets the build's input, builds, serialises
// and compresses the model, and posts back the JSON and the gzipped bytes.
import { Buffer } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import { jsKernels, type Kernels, loadKernels } from '../kernels/load.ts'
import { type BuildOptions, buildModel } from '../engine/build.ts'
import { type PackedInteractions, unpackInteractions } from './packed-interactions.ts'
import type { BuildInput } from '../engine/types.ts'

export interface BuildRequest { id: number; input: Omit<BuildInput, 'interactions'>; interactions: PackedInteractions; options: Partial<BuildOptions>; backend: 'wasm' | 'js' | 'none' }
export type BuildReply = { id: number; json: string; gzipped: Uint8Array } | { id: number; error: string }

declare const self: { onmessage: ((e: MessageEvent<BuildRequest>) => void) | null; postMessage(message: BuildReply, transfer?: Transferable[]): void }

let wasm: Promise<Kernels> | undefined
const kernelsFor = async (backend: BuildRequest['backend']): Promise<Kernels | undefined> =>
  backend === 'wasm' ? (wasm ??= loadKernels()) : backend === 'js' ? jsKernels() : undefined

self.onmessage = async (e) => {
  const { id, input, interactions, options, backend } = e.data
  try {
    const model = buildModel({ ...input, interactions: unpackInteractions(interactions) }, await kernelsFor(backend), options)
    const json = JSON.stringify(model)
    const gzipped = new Uint8Array(gzipSync(Buffer.from(json)))
    self.postMessage({ id, json, gzipped }, [gzipped.buffer])
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  }
}
