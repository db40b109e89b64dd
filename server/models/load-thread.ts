// A stored model's load on a thread of its own (a web Worker, in Bun and in Deno): on
// PostgreSQL it reads the model itself, over a connection of its own, as bytea (the driver's
// assembly of 2 MB of text was 12–18 ms of the serving thread's CPU per 10k-item load); from
// PGlite, which runs in this process, it is handed the base64 text. Then gunzip → JSON
// → the pair lists and content rows as typed arrays (handed over without a copy), the ranked
// orders and the bytes estimate; the items and terms go back as JSON text in slices
// (model-decode.ts). With many tenants arriving, these steps on the API's thread held every
// request back (BENCHMARKS.md, "Many tenants").
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import postgres from 'postgres'
import { loadModelStored } from '../../db/queries/models.ts'
import { servingBuffers } from '../engine/strategies/model-index.ts'
import { prepareLoad, type ThreadLoaded } from './model-decode.ts'

/** `read`: the thread reads the tenant's stored model from this database; `model64`: the stored model, read already. */
export type LoadSource = { model64: string } | { read: { databaseUrl: string; tenantId: string } }
export type LoadRequest = { id: number } & LoadSource
/** `loaded` null: the tenant has no stored model (any more). */
export type LoadReply = { id: number; loaded: ThreadLoaded | null } | { id: number; error: string }

// This thread runs niced (Linux: a thread's own priority, found by its id): where cores are short the
// serving thread comes first, so hot tenants' requests do not wait on cold tenants' loads (BENCHMARKS.md).
// Elsewhere, or not allowed, it runs as it is.
try { setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10) } catch { /* not Linux */ }

declare const self: { onmessage: ((e: MessageEvent<LoadRequest>) => void) | null; postMessage(message: LoadReply, transfer?: Transferable[]): void }

// One connection per database, closed by the driver after 20 s unused (before the runner lets an idle thread go).
const connections = new Map<string, ReturnType<typeof postgres>>()
const connection = (url: string) => {
  let sql = connections.get(url)
  if (!sql) connections.set(url, (sql = postgres(url, { max: 1, idle_timeout: 20, connect_timeout: 5, onnotice: () => {} })))
  return { query: <T>(text: string, params?: unknown[]) => sql!.unsafe(text, params as never[]) as unknown as Promise<T[]> }
}

self.onmessage = async (e) => {
  const { id } = e.data
  try {
    let stored: Uint8Array | string
    if ('read' in e.data) {
      const row = await loadModelStored(connection(e.data.read.databaseUrl), e.data.read.tenantId)
      if (!row) { self.postMessage({ id, loaded: null }); return }
      stored = row.model
    } else stored = e.data.model64
    const loaded = prepareLoad(stored)
    self.postMessage({ id, loaded }, servingBuffers(loaded.parts))
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) })
  }
}
