// A/B bucketing in the browser: the server's MurmurHash3 kernel (assembly/bucket.ts,
// inlined as base64 by scripts/build-sdk.ts) when the page lets WebAssembly compile,
// otherwise its TypeScript twin. assembly/cases.json pins both to the same answers, so a
// CSP without 'wasm-unsafe-eval' changes nothing a shopper sees.
import { bucketOf } from '../../server/kernels/murmur3.ts'

export { armOf, weightedArmOf } from '../../server/kernels/murmur3.ts'

export type Bucketer = (experimentId: string, userId: string) => number

interface BucketExports { memory: WebAssembly.Memory; bucket(ptr: number, len: number): number }

export async function loadBucketer(wasmBase64: string | undefined): Promise<Bucketer> {
  try {
    const bytes = Uint8Array.from(atob(wasmBase64!), (c) => c.charCodeAt(0))
    const { memory, bucket } = (await WebAssembly.instantiate(bytes, {})).instance.exports as unknown as BucketExports
    const encoder = new TextEncoder()
    return (experimentId, userId) => {
      const s = `${experimentId}:${userId}`
      // The kernel reads its input at offset 0; at most 3 UTF-8 bytes per UTF-16 unit.
      const short = s.length * 3 - memory.buffer.byteLength
      if (short > 0) memory.grow(Math.ceil(short / 65536))
      return bucket(0, encoder.encodeInto(s, new Uint8Array(memory.buffer)).written) >>> 0
    }
  } catch {
    return bucketOf
  }
}
