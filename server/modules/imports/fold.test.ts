// An import's statements stay small (PGlite runs one at a time, so the longest one is how long a request that reads
// may wait): a chunk's write merges no profiles, and the job's profile fold goes in batches of a bounded size, each
// its own statement. The batches must add up to exactly what one merge of all the rows leaves.
import { describe, expect, test } from 'bun:test'
import type { RawSql } from '../../../db/client.ts'
import { backend, BACKENDS, quietLog } from '../../test/backends.ts'
import { testApp } from '../../test/harness.ts'
import { createEventService, type EventDeps } from '../events/service.ts'
import { createImportService } from './service.ts'

const NOW = Date.now()

for (const name of BACKENDS) {
  describe(`import statements stay small [${name}]`, async () => {
    const t = await testApp(name)
    const { database } = await backend(name)
    const q = database.raw.query.bind(database.raw)

    test('chunks store events without touching profiles; the fold takes at most foldRows rows a statement; profiles as one merge leaves them', async () => {
      const seen: { text: string; params: unknown[]; rows?: unknown[] }[] = []
      const recorded = (raw: RawSql): RawSql => ({
        query: async (text, params = []) => {
          const s: (typeof seen)[number] = { text, params }
          seen.push(s)
          return (s.rows = await raw.query(text, params)) as never
        },
        transaction: (fn) => raw.transaction((tx) => fn(recorded(tx))),
        ...(raw.copyFrom ? { copyFrom: raw.copyFrom.bind(raw) } : {}),
      })
      const raw = recorded(database.raw)
      const events = createEventService({ db: database.db, raw, clock: () => new Date() } as unknown as EventDeps)
      const FOLD_ROWS = 64
      const imports = createImportService({
        db: database.db, raw, clock: () => new Date(), log: quietLog, spoolDir: './.data/imports-test', maxBytes: 1 << 20,
        events, catalog: t.app.services.catalog, chunkRows: 100, writers: 1, foldRows: FOLD_ROWS, onCompleted: async () => {},
      })
      // 30 shoppers: views and priced purchases, traits on some; s0 with 150 events (its profile keeps the newest 100).
      const lines = ['eventType,userId,productId,timestamp,metadata']
      for (let i = 0; i < 1020; i++) {
        const user = i < 150 ? 's0' : `s${i % 30}`
        const purchase = i % 3 === 0
        const meta = purchase ? `"{""price"":${(i % 7) + 1},""quantity"":2}"` : i % 50 === 1 ? `"{""traits"":{""tier"":""t${i}""}}"` : ''
        lines.push(`${purchase ? 'purchase' : 'product_viewed'},${user},p${i % 23},${new Date(NOW - 3600_000 - i * 60_000).toISOString()},${meta}`)
      }
      const a = await t.tenantWithKeys()
      const tenant = { id: a.tenantId, attributionWindowHours: 24, historyDays: 90 }
      const { id } = await imports.create(tenant, { type: 'events' }, new Request('http://localhost/api/v1/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: lines.join('\n') }))
      await imports.settle()
      expect(await imports.get(a.tenantId, id)).toMatchObject({ status: 'completed', accepted: 1020, duplicates: 0 })

      const touchesProfiles = seen.filter((s) => s.text.includes('insert into user_profiles'))
      // Only the fold writes profiles, FOLD_ROWS of the job's rows a statement (no two rows of a shopper share an
      // instant here): 1,020 rows take 16 statements, and s0's 179 rows are split over at least three.
      expect(touchesProfiles.every((s) => s.text.includes('delete from import_stored') && s.params[0] === id && s.params[1] === FOLD_ROWS)).toBe(true)
      const batches = touchesProfiles.map((s) => (s.rows as { userId: string }[]).map((r) => r.userId)).filter((users) => users.length)
      expect(batches.length).toBe(Math.ceil(1020 / FOLD_ROWS))
      expect(batches.filter((users) => users.includes('s0')).length).toBeGreaterThanOrEqual(3)
      expect(seen.filter((s) => s.text.includes('insert into events')).every((s) => !s.text.includes('user_profiles'))).toBe(true)
      expect((await q<{ n: number }>('select count(*)::int as n from import_stored where job_id = $1', [id]))[0].n).toBe(0)

      // The same rows stored in one merge (profiles in the same statement), for another tenant: the same profiles.
      const b = await t.tenantWithKeys()
      const rows = lines.slice(1).map((l) => {
        const [eventType, userId, productId, ts] = l.split(',')
        const m = l.match(/,"(.*)"$/)
        const metadata = m ? JSON.parse(m[1].replace(/""/g, '"')) : null
        return { tenantId: b.tenantId, attributionWindowHours: 24, eventType, userId, productId, ts: new Date(ts), sessionId: null, metadata, placement: null, strategy: null, eventId: null, idempotencyKey: null }
      })
      expect(await events.storeImported(rows)).toMatchObject({ accepted: 1020, duplicates: 0 })
      const profiles = (tenantId: string) => q(`select user_id, recent, event_count, first_seen_at, purchase_count, total_spend, last_purchase_at, spend_days, traits
        from user_profiles where tenant_id = $1 order by user_id`, [tenantId])
      const purchases = (tenantId: string) => q('select user_id, product_id, last_purchased_at, purchases from user_purchases where tenant_id = $1 order by user_id, product_id', [tenantId])
      const folded = await profiles(a.tenantId)
      expect(folded).toHaveLength(30)
      expect((folded.find((p) => p.user_id === 's0')!.recent as unknown[]).length).toBe(100)
      expect(folded).toEqual(await profiles(b.tenantId))
      expect(await purchases(a.tenantId)).toEqual(await purchases(b.tenantId))
    })
  })
}
