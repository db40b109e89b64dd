// The embedded database's own thread (a web Worker, in Bun and in Deno). PGlite is PostgreSQL compiled to WASM: it
// runs each statement synchronously, start to end, on the thread that holds it. On the API's thread a long statement
// (a big COMMIT, an inline checkpoint: PGlite has no background checkpointer) held every request back, /health
// included; here it holds back only the requests that wait for the database. db/pglite-client.ts is the other end:
// it posts statements and transactions, and this answers each message by its id.
import { PGlite, type Transaction } from '@electric-sql/pglite'
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import type { PgliteReply, PgliteRequest, PgliteWireError } from './pglite-client.ts'

declare const self: { onmessage: ((e: MessageEvent<PgliteRequest>) => void) | null; postMessage(message: PgliteReply): void }

let pg: PGlite | undefined
/** Open transactions by the id of the message that began them; `end` lets the transaction's function return. */
const transactions = new Map<number, { tx: Transaction; end: (commit: boolean, replyTo: number) => void }>()

// The fields of a PostgreSQL error that callers read (code paths test `code`; logs show the rest).
const ERROR_FIELDS = ['code', 'detail', 'hint', 'position', 'where', 'schema', 'table', 'column', 'dataType', 'constraint', 'severity', 'routine'] as const
function wireError(error: unknown): PgliteWireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) }
  const out: PgliteWireError = { name: error.name, message: error.message }
  for (const f of ERROR_FIELDS) {
    const v = (error as unknown as Record<string, unknown>)[f]
    if (typeof v === 'string') out[f] = v
  }
  return out
}

const asText = new Map<string, Record<number, (text: string) => string>>() // by the OIDs' list: a few kinds
const keepText = (oids: number[] | undefined) => {
  if (!oids) return undefined
  const key = oids.join()
  let parsers = asText.get(key)
  if (!parsers) asText.set(key, parsers = Object.fromEntries(oids.map((oid) => [oid, (text: string) => text])))
  return parsers
}
const reply = (id: number, run: () => Promise<unknown>) =>
  run().then((value) => self.postMessage({ id, value }), (error) => self.postMessage({ id, error: wireError(error) }))

async function open(dataDir: string): Promise<void> {
  // The catalog search index (migration 0010) needs these two.
  const extensions = { pg_trgm, btree_gin }
  pg = dataDir === 'memory://' ? new PGlite({ extensions }) : new PGlite(dataDir, { extensions })
  await pg.waitReady
}

/** Begins a transaction: answered once it is open; it then serves its statements until an `end` message. */
function begin(id: number): void {
  let answer = id // the `end` message's id, once one comes
  pg!.transaction(async (tx) => {
    const commit = await new Promise<boolean>((resolve) => {
      transactions.set(id, { tx, end: (c, replyTo) => { answer = replyTo; resolve(c) } })
      self.postMessage({ id, value: null })
    })
    if (!commit) await tx.rollback()
  }).then(
    () => self.postMessage({ id: answer, value: null }),
    (error) => self.postMessage({ id: answer, error: wireError(error) }), // BEGIN failed (answer is still `id`) or COMMIT did
  ).finally(() => transactions.delete(id))
}

self.onmessage = ({ data: m }) => {
  switch (m.op) {
    case 'open': reply(m.id, () => open(m.dataDir)); break
    case 'query': reply(m.id, async () => {
      const on = m.tx === undefined ? pg : transactions.get(m.tx)?.tx
      if (!on) throw new Error(m.tx === undefined ? 'PGlite is not open' : 'the transaction has ended')
      const r = await on.query(m.text, m.params, { rowMode: m.rowMode, parsers: keepText(m.textOids) })
      return { rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }
    }); break
    case 'begin': if (pg) begin(m.id); else self.postMessage({ id: m.id, error: { name: 'Error', message: 'PGlite is not open' } }); break
    case 'end': {
      const t = transactions.get(m.tx)
      if (t) t.end(m.commit, m.id)
      else self.postMessage({ id: m.id, error: { name: 'Error', message: 'the transaction has ended' } })
      break
    }
    case 'close': reply(m.id, async () => { await pg?.close(); pg = undefined }); break
  }
}
