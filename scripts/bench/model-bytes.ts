// What a loaded model costs in memory, part by part (issue 26: 1,000 tenants' models within
// a model cache). Reads the stored models of a database a `scripts/bench/tenants.ts --keep`
// run left, decodes each as the store does (store.ts decodeModel), and prints the model
// cache's estimate (model-bytes.ts loadedModelBytes) over all of them, then for the
// 10,000-item probe tenant: the estimate by part, and the heap it really takes (copies held,
// heap growth after full collections; content scored once first, as serving leaves it).
//
//   bun scripts/bench/model-bytes.ts --db <database> [--copies 3]
import { heapStats } from 'bun:jsc'
import { loadavg } from 'node:os'
import { openDatabase } from '../../db/client.ts'
import { loadModelBytes } from '../../db/queries/models.ts'
import { recommend } from '../../server/engine/recommend.ts'
import { modelIndex } from '../../server/engine/strategies/model-index.ts'
import { type Kernels, loadKernels } from '../../server/kernels/load.ts'
import { deepBytes } from '../../server/models/model-bytes.ts'
import { decodeModel } from '../../server/models/store.ts'
import { arg } from '../lib/args.ts'

const db = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : undefined
if (!db) throw new Error('--db <database a tenants.ts --keep run left> is required')
const COPIES = arg('--copies', 3)
const url = (process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres').replace(/\/[^/]*$/, `/${db}`)
const MiB = 1024 * 1024
const fmt = (x: number, digits = 0) => x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const heapBytes = () => { Bun.gc(true); return heapStats().heapSize }

const database = await openDatabase({ databaseUrl: url, maxConnections: 2 })
const kernels = await loadKernels()
const tenants = await database.raw.query<{ id: string; name: string }>(`select id, name from tenants where name like 'bench-tenants %' order by name`)

/** A content-based answer, so whatever serving makes of the content on first use is made (on the dense code: its kernel copy). */
function serveContent(model: ReturnType<typeof decodeModel>['model'], k: Kernels) {
  const first = model.items[0]
  if (first) recommend(model, { recent: [], purchased: [], eventCount: 0 }, { strategy: 'content_based', productId: first.productId, limit: 8, excludePurchased: false }, k)
}

let total = 0, items = 0, probe: { id: string; gz: Buffer } | undefined
for (const t of tenants) {
  const row = await loadModelBytes(database.raw, t.id)
  if (!row) continue
  const loaded = decodeModel(row.model, 0)
  total += loaded.bytes
  items += loaded.model.items.length
  if (t.name === 'bench-tenants probe') probe = { id: t.id, gz: row.model }
}
console.log(`${db}: ${tenants.length} models, ${fmt(items)} items; estimated ${fmt(total / MiB, 1)} MiB loaded, ${fmt(total / tenants.length / MiB, 2)} MiB a model, ${fmt(total / items)} bytes an item (load ${loadavg().map((x) => x.toFixed(2)).join(', ')})`)

if (probe) {
  const loaded = decodeModel(probe.gz, 0)
  const { model } = loaded
  const index = modelIndex(model)
  const n = model.items.length
  const seen = new Set<unknown>()
  const part = (value: unknown) => deepBytes(value, seen)
  const parts: [string, number][] = [
    ['items', part(model.items)],
    ['content terms', part(model.content.terms)],
    ['rest of the model (trending, popularity, …)', part(model)],
    ['id map', part(index.byId)],
    ['fallback orders', part([index.popular, index.popularByCategory, index.trending, index.newest])],
    ['neighbour lists', part(index.neighbors)],
    ['bought-together lists', part(index.boughtWith)],
  ]
  const sparse = (index as unknown as { content?: unknown }).content
  parts.push(sparse ? ['content (sparse rows)', part(sparse)] : ['content (dense float32 + its kernel copy)', 2 * n * model.content.dim * 4])
  console.log(`\n${fmt(n)}-item probe: estimate ${fmt(loaded.bytes / MiB, 2)} MiB (${fmt(loaded.bytes / n)} bytes an item)\n\n| part | MiB | bytes an item |\n|---|---|---|`)
  for (const [name, bytes] of parts) console.log(`| ${name} | ${fmt(bytes / MiB, 2)} | ${fmt(bytes / n)} |`)

  const held: unknown[] = []
  const before = heapBytes()
  let estimated = 0
  for (let i = 0; i < COPIES; i++) {
    const copy = decodeModel(probe.gz, 0)
    serveContent(copy.model, kernels)
    held.push(copy)
    estimated += copy.bytes
  }
  const grown = heapBytes() - before
  console.log(`\nheld ${COPIES} copies, content served once each: heap grew ${fmt(grown / COPIES / MiB, 2)} MiB a copy; estimate ${fmt(estimated / COPIES / MiB, 2)} MiB (measured / estimate ${fmt(grown / estimated, 2)}; ${held.length} held)`)
}
await database.close()
