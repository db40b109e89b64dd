// Tests: PGlite's thread (pglite-worker.ts) that dies, as a WASM abort would, when it is sent the statement
// `crash the thread`.
import './pglite-worker.ts'
import type { PgliteRequest } from './pglite-client.ts'

declare const self: { onmessage: ((e: MessageEvent<PgliteRequest>) => void) | null }

const real = self.onmessage!
self.onmessage = (e) => {
  if (e.data.op === 'query' && e.data.text === 'crash the thread') setTimeout(() => { throw new Error('abort(): the thread dies') }, 0)
  else real(e)
}
