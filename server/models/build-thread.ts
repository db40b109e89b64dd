// The model build on a thread of its own (a web Worker, in Bun and in Deno): a
// retail-size build is seconds of CPU, which on the API's own thread would hold
// every request back for as long. It gets the build's input, builds, serialises
// and compresses the model, and posts back the JSON and the gzipped bytes.
import { Buffer } from 'node:buffer'
import { gzipSync } from 'node:zlib'
import { jsKernels, type Kernels, loadKernels } from '../kernels/load.ts'
import type { BuildOptions } from '../engine/build.ts'
import { type AutoBuildOptions, buildWith, type ModelEvaluation } from '../engine/tune.ts'
import { type PackedInteractions, unpackInteractions } from './packed-interactions.ts'
import type { BuildInput } from '../engine/types.ts'

/** `tuning`: the build chooses its "auto" settings first (engine/tune.ts), and `evaluation` is its grade. */
export interface BuildRequest { id: number; input: Omit<BuildInput, 'interactions'>; interactions: PackedInteractions; options: Partial<BuildOptions>; tuning?: AutoBuildOptions; backend: 'wasm' | 'js' | 'none' }
export type BuildReply = { id: number; json: string; gzipped: Uint8Array; evaluation: ModelEvaluation | null } | { id: number; error: string }

declare const self: { onmessage: ((e: MessageEvent<BuildRequest>) => void) | null; postMessage(message: BuildReply, transfer?: Transferable[]): void }

let wasm: Promise<Kernels> | undefined
const kernelsFor = async (backend: BuildRequest['backend']): Promise<Kernels | undefined> =>
  backend === 'wasm' ? (wasm ??= loadKernels()) : backend === 'js' ? jsKernels() : undefined

self.onmessage = async (e) => {
  const { id, input, interactions, options, tuning, backend } = e.data
  try {
    const { model, evaluation } = buildWith({ ...input, interactions: unpackInteractions(interactions) }, options, tuning, await kernelsFor(backend))
    const json = JSON.stringify(model)
    const gzipped = new Uint8Array(gzipSync(Buffer.from(json)))
    self.postMessage({ id, json, gzipped, evaluation }, [gzipped.buffer])
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  }
}

