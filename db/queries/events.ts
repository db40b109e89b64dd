// Events are written by the group committer in one multi-row statement per
// group (raw SQL: drizzle's JS-side SQL building is too slow for this path)
// and read back, newest first, for the console's stream viewer.
import { Buffer } from 'node:buffer'
import { and, count, desc, eq, gte, lte, sql, type SQLWrapper } from 'drizzle-orm'
import { COPY_PIECE, nextTurn, type Db, type RawSql } from '../client.ts'
import { events } from '../schema.ts'

export interface NewEvent {
  tenantId: string; eventType: string; userId: string; productId: string; ts: Date
  sessionId: string | null; metadata: Record<string, unknown> | null; placement: string | null; strategy: string | null
  /** The client's idempotency key, as sent (and listed). */
  eventId?: string | null
  /** What makes it unique per tenant: the eventId, in the namespace of the endpoint it came through. */
  idempotencyKey?: string | null
  /** `metadata` as JSON text when already made (validation makes it to measure it): bulk loads send it as is. */
  metadataJson?: string | null
}
/** How many recent interactions a profile keeps. */
export const MAX_RECENT = 100

export interface InsertedEvent { id: string; tenant_id: string; user_id: string; event_type: string; product_id: string; ts_ms: number }

const eventKey = (r: NewEvent) => `${r.tenantId}\u0000${r.userId}\u0000${r.eventType}\u0000${r.productId}\u0000${r.ts.getTime()}`

/**
 * The rows sorted by their key (concurrent writers then take row locks in one order), each with its place as
 * given: of two rows with one eventId, the first given is stored, whatever their timestamps (the sort is stable,
 * so of equal keys too).
 */
function inLockOrder(rows: NewEvent[]): [NewEvent, number][] {
  const keys = rows.map(eventKey) // once each, not per comparison (a 50,000-row chunk makes ~800,000 comparisons)
  const order = rows.map((_, o) => o).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : a - b))
  return order.map((o) => [rows[o], o])
}

/**
 * Inserts many events in one statement and, in the same statement, folds the
 * inserted ones into each user's profile (recent interactions, capped at 100),
 * purchases (one row per user and product) and latest recommendation clicks
 * (one row per user and product, for attribution). Returns
 * the rows actually inserted: duplicates are skipped and touch nothing.
 * The rows travel as one JSON parameter, which postgres.js and PGlite pass
 * through unchanged; they are sorted so that concurrent groups take row
 * locks in one order.
 */
export async function insertEvents(raw: RawSql, rows: NewEvent[], historical = false): Promise<InsertedEvent[]> {
  return raw.query<InsertedEvent>(mergeEvents(`select * from jsonb_to_recordset($1::jsonb) as x(${JSON_COLUMNS})`, historical), [jsonPayload(rows)])
}
const JSON_COLUMNS = 'n int, o int, t uuid, e text, u text, p text, ts timestamptz, s text, m jsonb, pl text, st text, k text, ki text'
/** The rows as mergeEvents' JSON source, in lock order. */
const jsonPayload = (rows: NewEvent[]) => JSON.stringify(inLockOrder(rows).map(([r, o], n) => ({ n, o,
  t: r.tenantId, e: r.eventType, u: r.userId, p: r.productId, ts: r.ts.toISOString(),
  s: r.sessionId, m: r.metadata, pl: r.placement, st: r.strategy, k: r.idempotencyKey ?? null, ki: r.eventId ?? null,
})))

const NEEDS_ESCAPE = /[\\\t\n\r]/
/** One COPY text-format field: NULL is \N; backslash, tab, newline and carriage return escaped (most fields need none). */
const copyField = (v: string | null) => (v === null ? '\\N' : !NEEDS_ESCAPE.test(v) ? v
  : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')))
/** An event's metadata as JSON text (the one validation made, when it did), or null. */
const metadataText = (r: NewEvent) => (r.metadata === null ? null : r.metadataJson ?? JSON.stringify(r.metadata))
const STAGE_COLUMNS = ['o', 't', 'e', 'u', 'p', 'ts', 's', 'm', 'pl', 'st', 'k', 'ki']

/**
 * insertEvents for bulk loads of history (imports): on PostgreSQL the rows go into a staging table by COPY
 * (no JSON to build or parse), then the same set-based merge runs over it, in the caller's transaction;
 * PGlite (no COPY here) takes the JSON parameter. Profiles keep their newest events whatever the rows' age.
 * `deferProfilesTo` (PostgreSQL): the stored rows are written to import_stored under that job instead of
 * being folded into profiles and purchase sets here; foldImportedProfiles does it once for many chunks (the per-chunk merge
 * of each shopper's 100 recent events was half the cost of a chunk).
 */
export async function insertEventsByCopy(tx: RawSql, rows: NewEvent[], deferProfilesTo?: string): Promise<InsertedEvent[]> {
  if (!tx.copyFrom) {
    if (!deferProfilesTo) return insertEvents(tx, rows, true)
    // PGlite: the rows as one JSON parameter; profiles deferred as on PostgreSQL (the per-chunk profile merge was
    // most of a chunk's statement, and that statement holds the API's thread while it runs).
    return tx.query<InsertedEvent>(mergeEvents(`select * from jsonb_to_recordset($2::jsonb) as x(${JSON_COLUMNS})`, { deferTo: 1 }), [deferProfilesTo, jsonPayload(rows)])
  }
  // Sorts of a 50,000-row chunk stay in memory (the default 4 MB spills them to disk).
  await tx.query(`set local work_mem = '64MB'`)
  await tx.query(`create temp table if not exists import_stage (o int, t uuid, e text, u text, p text, ts timestamptz, s text, m jsonb, pl text, st text, k text, ki text) on commit delete rows`)
  const text = await copyText(rows, (r, o) => `${o}\t${copyField(r.tenantId)}\t${copyField(r.eventType)}\t${copyField(r.userId)}\t${copyField(r.productId)}\t${r.ts.toISOString()}\t`
    + `${copyField(r.sessionId)}\t${copyField(metadataText(r))}\t${copyField(r.placement)}\t${copyField(r.strategy)}\t${copyField(r.idempotencyKey ?? null)}\t${copyField(r.eventId ?? null)}\n`)
  await tx.copyFrom('import_stage', STAGE_COLUMNS, text)
  // The database sorts them into lock order (not this thread); n is that order, o the rows' place as given.
  return tx.query<InsertedEvent>(mergeEvents(`select row_number() over (order by t, u, e, p, ts, o)::int as n, * from import_stage order by t, u, e, p, ts, o`,
    deferProfilesTo ? { deferTo: 1 } : true), deferProfilesTo ? [deferProfilesTo] : [])
}

/** Rows of COPY text built between two turns of the event loop. */
const COPY_SLICE = 5000

/**
 * COPY text encoded as it is built into buffers of about COPY_PIECE bytes, each of whole lines (copyFrom writes one
 * a time): no long string to join, flatten and encode afterwards.
 */
export class CopyPieces {
  private readonly pieces: Buffer[] = []
  private buf: Buffer
  private at = 0
  constructor(private readonly size = COPY_PIECE) { this.buf = Buffer.allocUnsafe(size) }
  add(line: string) {
    // A line takes at most 3 bytes per UTF-16 unit; near a piece's end its exact size decides.
    if (this.at + line.length * 3 > this.buf.length) {
      const bytes = Buffer.byteLength(line, 'utf8')
      if (this.at + bytes > this.buf.length) {
        if (this.at) this.pieces.push(this.buf.subarray(0, this.at))
        this.buf = Buffer.allocUnsafe(Math.max(this.size, bytes))
        this.at = 0
      }
    }
    this.at += this.buf.write(line, this.at, 'utf8')
  }
  done(): Buffer[] {
    if (this.at) this.pieces.push(this.buf.subarray(0, this.at))
    this.at = this.buf.length // nothing more goes in
    return this.pieces
  }
}

/**
 * The COPY text of `rows` (each `line` ends in its newline), built a slice at a time, letting requests in between
 * (this thread also serves the API).
 */
async function copyText<T>(rows: T[], line: (r: T, o: number) => string): Promise<Buffer[]> {
  const out = new CopyPieces()
  for (let from = 0; from < rows.length; from += COPY_SLICE) {
    if (from) await nextTurn()
    for (let o = from; o < Math.min(rows.length, from + COPY_SLICE); o++) out.add(line(rows[o], o))
  }
  return out.done()
}

/**
 * What the idempotency rule stores of `rows` when nothing stored collides with them, as the merge decides it: of
 * rows with one eventId (idempotencyKey) the first given claims the key (`keys`); rows with no eventId and the
 * claimants are stored unless an earlier given one has the same tenant, userId, eventType, productId and timestamp.
 * `stored` keeps the rows' order. Pure.
 */
export function dedupeChunk<T extends NewEvent>(rows: T[]): { stored: T[]; keys: T[] } {
  const claimed = new Set<string>()
  const seen = new Set<string>()
  const stored: T[] = []
  const keys: T[] = []
  for (const r of rows) {
    if (r.idempotencyKey != null) {
      const k = `${r.tenantId}\u0000${r.idempotencyKey}`
      if (claimed.has(k)) continue
      claimed.add(k)
      keys.push(r)
    }
    const key = eventKey(r)
    if (seen.has(key)) continue
    seen.add(key)
    stored.push(r)
  }
  return { stored, keys }
}

/** Marks the probe statement (tests plant a concurrent event right after it). */
export const DIRECT_PROBE = '/* import direct probe */'

/**
 * The optimistic bulk path (PostgreSQL, one tenant's rows, an import job's chunk): when no stored event of the
 * tenant can collide with the rows — none of their shoppers has an event within the rows' time span, and none of
 * their eventIds is taken — the rows deduplicated in process (dedupeChunk) are COPYed straight into events and
 * event_ids, with no staging table and no conflict handling, and their recommendation clicks kept from the same
 * rows; the stored rows are written to import_stored for `jobId` (profiles and purchase sets are folded per job).
 * The rows of shoppers the probe finds events of are left out (`rest`: the caller merges them in the same
 * transaction). Returns the rows stored and those left, or null (nothing written) when the probe finds a possible
 * collision for every shopper or an eventId, or the path does not apply: the caller merges them (insertEventsByCopy). A collision the probe could not see (a live event
 * stored meanwhile) fails the COPY with a unique violation (23505), or a deadlock (40P01): the caller rolls back
 * the transaction and merges.
 */
export async function copyEventsDirect<T extends NewEvent>(tx: RawSql, rows: T[], jobId: string): Promise<{ stored: T[]; rest: T[] } | null> {
  if (!tx.copyFrom || !rows.length) return null
  const tenantId = rows[0].tenantId
  let min = rows[0].ts.getTime()
  let max = min
  const users = new Set<string>()
  const eventIds = new Set<string>()
  for (const r of rows) {
    if (r.tenantId !== tenantId) return null
    const t = r.ts.getTime()
    if (t < min) min = t
    if (t > max) max = t
    users.add(r.userId)
    if (r.idempotencyKey != null) eventIds.add(r.idempotencyKey)
  }
  // The shoppers that have a stored event in the rows' span (a chunk of a time-ordered file often shares its first
  // minute's shoppers with the chunk before it), and whether any eventId is taken.
  const hits = await tx.query<{ u: string | null; ids: boolean }>(
    // Per shopper, the first event found in the span is enough (a re-import finds every shopper's).
    `${DIRECT_PROBE} select u.u, false as ids from jsonb_array_elements_text($2::jsonb) u(u) where exists (
       select 1 from events e where e.tenant_id = $1 and e.user_id = u.u and e.ts >= $3::timestamptz and e.ts <= $4::timestamptz)
     union all
     select null, true where exists (select 1 from event_ids i where i.tenant_id = $1 and i.event_id in (select jsonb_array_elements_text($5::jsonb)))`,
    [tenantId, JSON.stringify([...users]), new Date(min).toISOString(), new Date(max).toISOString(), JSON.stringify([...eventIds])])
  // Those shoppers' rows go through the merge (`rest`), the others straight in: no row of one can be a duplicate of
  // the other's (the key names the shopper). With eventIds, a claim may cross shoppers: any hit merges the chunk.
  const hit = new Set(hits.map((h) => h.u))
  if (hits.some((h) => h.ids) || (hit.size && eventIds.size) || hit.size === users.size) return null
  const rest: T[] = []
  if (hit.size) {
    const clear: T[] = []
    for (const r of rows) (hit.has(r.userId) ? rest : clear).push(r)
    rows = clear
  }
  const { stored, keys } = dedupeChunk(rows)
  if (keys.length) await tx.copyFrom('event_ids', ['tenant_id', 'event_id', 'ts'], await copyText(keys, (r) => `${copyField(r.tenantId)}\t${copyField(r.idempotencyKey!)}\t${r.ts.toISOString()}\n`))
  // Both tables' text in one pass: each field escaped once, each timestamp and metadata written once.
  const eventsText = new CopyPieces()
  const storedText = new CopyPieces()
  const job = copyField(jobId)
  for (let from = 0; from < stored.length; from += COPY_SLICE) {
    if (from) await nextTurn()
    for (let o = from; o < Math.min(stored.length, from + COPY_SLICE); o++) {
      const r = stored[o]
      const t = copyField(r.tenantId)
      const e = copyField(r.eventType)
      const u = copyField(r.userId)
      const p = copyField(r.productId)
      const ts = r.ts.toISOString()
      const m = copyField(metadataText(r))
      eventsText.add(`${t}\t${e}\t${u}\t${p}\t${ts}\t${copyField(r.sessionId)}\t${m}\t${copyField(r.placement)}\t${copyField(r.strategy)}\t${copyField(r.eventId ?? null)}\n`)
      storedText.add(`${job}\t${t}\t${u}\t${e}\t${p}\t${ts}\t${m}\n`)
    }
  }
  await tx.copyFrom('events', ['tenant_id', 'event_type', 'user_id', 'product_id', 'ts', 'session_id', 'metadata', 'placement', 'strategy', 'event_id'], eventsText.done())
  await tx.copyFrom('import_stored', ['job_id', 'tenant_id', 'user_id', 'event_type', 'product_id', 'ts', 'metadata'], storedText.done())
  // Recommendation clicks (for attribution): each shopper and product's latest, in lock order. Purchase sets
  // follow with the profiles, once per job (foldImportedProfiles), from import_stored.
  const clicked = new Map<string, { t: string; u: string; p: string; ts: number; pl: string | null; st: string | null; x: string | null; a: string | null }>()
  for (const r of stored) {
    if (r.eventType !== 'recommendation_clicked') continue
    const k = `${r.tenantId}\u0000${r.userId}\u0000${r.productId}`
    const t = r.ts.getTime()
    const c = clicked.get(k)
    if (!c || t > c.ts) clicked.set(k, { t: r.tenantId, u: r.userId, p: r.productId, ts: t, pl: r.placement, st: r.strategy, x: jsonText(r.metadata?.experimentId), a: jsonText(r.metadata?.variant) })
  }
  const inOrder = <V extends { ts: number }>(m: Map<string, V>) => [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([, v]) => ({ ...v, ts: new Date(v.ts).toISOString() }))
  if (clicked.size) {
    await tx.query(`insert into recommendation_clicks as rc (tenant_id, user_id, product_id, clicked_at, placement, strategy, experiment_id, arm)
       select t, u, p, ts, pl, st, x, a from jsonb_to_recordset($1::jsonb) as x(t uuid, u text, p text, ts timestamptz, pl text, st text, x text, a text)
       on conflict (tenant_id, user_id, product_id) do update set clicked_at = excluded.clicked_at, placement = excluded.placement,
         strategy = excluded.strategy, experiment_id = excluded.experiment_id, arm = excluded.arm
       where excluded.clicked_at > rc.clicked_at`, [JSON.stringify(inOrder(clicked))])
  }
  return { stored, rest }
}

/** A metadata value as `->>` gives it: a string as is, null/absent as null, anything else as its JSON text. */
const jsonText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v))

/**
 * Folds the first `limit` of the events a job's chunks left in import_stored, by shopper then time (and any more at
 * the last one's instant), into their shoppers' profiles, set-based, in one statement — the same profile changes as
 * live ingestion (profileChanges) — and removes them, in one transaction. Called until it folds nothing: the changes
 * add up (counts, spend, the newest 100 of both), and a shopper's rows split over batches go oldest first, so their
 * traits settle by time as in one merge. Returns the shoppers folded (their cached profiles are stale).
 */
export async function foldImportedProfiles(raw: RawSql, jobId: string, limit: number): Promise<{ tenantId: string; userId: string }[]> {
  return raw.transaction(async (tx) => {
    if (tx.copyFrom) {
      // PostgreSQL: the plan's estimates (jsonb functions) put it over the JIT threshold, and compiling it took
      // ~1.7 of a 193,600-row fold's 9.9 s; its sorts stay in memory (the default 4 MB spilled them to disk).
      await tx.query(`set local jit = off`)
      await tx.query(`set local work_mem = '64MB'`)
    }
    return tx.query<{ tenantId: string; userId: string }>(
      `with edge as (select user_id, ts from import_stored where job_id = $1 order by user_id, ts offset $2::int - 1 limit 1),
       ins as (delete from import_stored s where s.job_id = $1
                 and (not exists (select 1 from edge) or (s.user_id, s.ts) <= (select user_id, ts from edge))
               returning tenant_id, user_id, event_type, product_id, ts, metadata),
       ${profileChanges(true, true)},
       ${BOUGHT}
       select tenant_id as "tenantId", user_id as "userId" from prof`, [jobId, limit])
  })
}

/** A profile's recent events merged with an import's: the newest MAX_RECENT of both, newest first. */
const NEWEST_OF_BOTH = `(select coalesce(jsonb_agg(r order by (r->>'t')::bigint desc), '[]'::jsonb) from (
             select r from jsonb_array_elements(excluded.recent || up.recent) r order by (r->>'t')::bigint desc limit ${MAX_RECENT}) newest)`

/**
 * Purchase sets from the stored rows (`ins`): one row per shopper and product, the newest purchase and how many.
 * Live ingestion keeps them in its merge; bulk imports with the profiles, once per job (foldImportedProfiles).
 */
const BOUGHT = `bought as (
       insert into user_purchases as b (tenant_id, user_id, product_id, last_purchased_at, purchases)
       select tenant_id, user_id, product_id, max(ts), count(*)::int from ins where event_type = 'purchase'
       group by tenant_id, user_id, product_id order by tenant_id, user_id, product_id
       on conflict (tenant_id, user_id, product_id) do update set
         last_purchased_at = greatest(b.last_purchased_at, excluded.last_purchased_at), purchases = b.purchases + excluded.purchases)`

/**
 * The statement both paths share: `source` yields the rows as x(n, o, t, e, u, p, ts, s, m, pl, st, k, ki), sorted
 * (n: place in lock order; o: place as given).
 * `historical`: the rows may be older than what profiles hold (an import), so profiles keep the newest by time.
 */
function mergeEvents(source: string, historical: boolean | { deferTo: number } = false): string {
  // Profiles deferred (bulk imports): the stored rows go to import_stored under the job named by that parameter.
  const deferred = typeof historical === 'object' ? `
     prof as (
       insert into import_stored (job_id, tenant_id, user_id, event_type, product_id, ts, metadata)
       select $${historical.deferTo}::uuid, tenant_id, user_id, event_type, product_id, ts, metadata from ins),` : undefined
  return `with x as (${source}),
     keyed as (select distinct on (t, k) n, t, k, ts from x where k is not null order by t, k, o),
     fresh_keys as (
       insert into event_ids (tenant_id, event_id, ts) select t, k, ts from keyed
       on conflict (tenant_id, event_id) do nothing
       returning tenant_id, event_id),
     ins as (
       insert into events (tenant_id, event_type, user_id, product_id, ts, session_id, metadata, placement, strategy, event_id)
       select t, e, u, p, ts, s, m, pl, st, ki from x
       where k is null or n in (select keyed.n from keyed join fresh_keys f on f.tenant_id = keyed.t and f.event_id = keyed.k)
       on conflict (tenant_id, user_id, event_type, product_id, ts) do nothing
       returning id, tenant_id, user_id, event_type, product_id, ts, placement, strategy, metadata),
     ${deferred ?? `${profileChanges(historical !== false)},
     ${BOUGHT},`}
     clicked as (
       insert into recommendation_clicks as rc (tenant_id, user_id, product_id, clicked_at, placement, strategy, experiment_id, arm)
       select distinct on (i.tenant_id, i.user_id, i.product_id) i.tenant_id, i.user_id, i.product_id, i.ts, i.placement, i.strategy,
         i.metadata->>'experimentId', i.metadata->>'variant'
       from ins i where i.event_type = 'recommendation_clicked'
       order by i.tenant_id, i.user_id, i.product_id, i.ts desc
       on conflict (tenant_id, user_id, product_id) do update set clicked_at = excluded.clicked_at, placement = excluded.placement,
         strategy = excluded.strategy, experiment_id = excluded.experiment_id, arm = excluded.arm
       where excluded.clicked_at > rc.clicked_at)
     select id, tenant_id, user_id, event_type, product_id, (extract(epoch from ts) * 1000)::float8 as ts_ms from ins`
}


/**
 * What stored events change in their shoppers' profiles, as CTEs over `ins` (the stored rows: tenant_id, user_id,
 * event_type, product_id, ts, metadata), ending in `prof`: recent events, counts, first seen, purchases and spend,
 * traits. Live ingestion runs it in its merge; bulk imports once per job over what their chunks stored.
 * `historical`: the rows may be older than what profiles hold, so profiles keep the newest by time.
 */
function profileChanges(historical: boolean, returning = false): string {
  return `priced as (
       select i.tenant_id, i.user_id, i.ts,
         coalesce(case when jsonb_typeof(i.metadata->'price') = 'number' then (i.metadata->>'price')::float8
           else (select c.price from catalog_items c where c.tenant_id = i.tenant_id and c.product_id = i.product_id) end, 0)
         * (case when jsonb_typeof(i.metadata->'quantity') = 'number' then (i.metadata->>'quantity')::float8 else 1 end) as amount
       from ins i where i.event_type = 'purchase'),
     spent_days as (
       select tenant_id, user_id, floor(extract(epoch from ts) / 86400)::int as d, count(*)::int as purchases, max(ts) as last_ts, sum(amount)::float8 as amount
       from priced group by tenant_id, user_id, d),
     spent as (
       select tenant_id, user_id, sum(purchases)::int as purchases, max(last_ts) as last_ts, sum(amount)::float8 as total,
         coalesce(jsonb_object_agg(d::text, amount) filter (where d >= ${SPEND_TODAY} - ${SPEND_DAYS}), '{}'::jsonb) as days
       from spent_days group by tenant_id, user_id),
     told as (
       -- metadata.traits (validated at ingestion: an object of short values); the latest event's value wins.
       select i.tenant_id, i.user_id, jsonb_object_agg(tr.key, tr.value order by i.ts) as traits
       from ins i cross join lateral jsonb_each(i.metadata->'traits') tr
       where jsonb_typeof(i.metadata->'traits') = 'object'
       group by i.tenant_id, i.user_id),
     fresh as (
       select f.*, coalesce(s.purchases, 0) as purchases, s.last_ts, coalesce(s.total, 0) as total, coalesce(s.days, '{}'::jsonb) as days, coalesce(tt.traits, '{}'::jsonb) as traits
       from (select tenant_id, user_id,
         ${historical
           // An import may hold thousands of a shopper's events: only the newest MAX_RECENT become JSON.
           ? `jsonb_agg(jsonb_build_object('p', product_id, 'e', event_type, 't', (extract(epoch from ts) * 1000)::bigint) order by ts desc) filter (where k <= ${MAX_RECENT})`
           : `jsonb_agg(jsonb_build_object('p', product_id, 'e', event_type, 't', (extract(epoch from ts) * 1000)::bigint) order by ts desc)`} as recent,
         count(*)::int as n, min(ts) as first_ts
       from ${historical ? `(select *, row_number() over (partition by tenant_id, user_id order by ts desc) as k from ins) ranked` : 'ins'}
       group by tenant_id, user_id) f
       left join spent s on s.tenant_id = f.tenant_id and s.user_id = f.user_id
       left join told tt on tt.tenant_id = f.tenant_id and tt.user_id = f.user_id),
     prof as (
       insert into user_profiles as up (tenant_id, user_id, recent, event_count, updated_at, first_seen_at, purchase_count, total_spend, last_purchase_at, spend_days, traits)
       select tenant_id, user_id, recent, n, now(), first_ts, purchases, total, last_ts, days, ${cappedTraits("'{}'::jsonb", 'traits')} from fresh order by tenant_id, user_id
       on conflict (tenant_id, user_id) do update set
         first_seen_at = least(up.first_seen_at, excluded.first_seen_at),
         purchase_count = up.purchase_count + excluded.purchase_count,
         total_spend = up.total_spend + excluded.total_spend,
         last_purchase_at = greatest(up.last_purchase_at, excluded.last_purchase_at),
         spend_days = case when excluded.spend_days = '{}'::jsonb then up.spend_days else ${mergedSpendDays('up.spend_days', 'excluded.spend_days')} end,
         traits = case when excluded.traits = '{}'::jsonb then up.traits else ${cappedTraits('up.traits', 'excluded.traits')} end,
         -- Live: prepend and cut, no re-sort on the hot path (readers sort; events
         -- mostly arrive in time order, so this is newest-first already).
         -- Historical (imports): older events must not push newer ones out, so the newest 100 of both are kept.
         recent = ${historical ? NEWEST_OF_BOTH : `jsonb_path_query_array(excluded.recent || up.recent, '$[0 to ${MAX_RECENT - 1}]')`},
         event_count = up.event_count + excluded.event_count,
         updated_at = excluded.updated_at${returning ? '\n       returning tenant_id, user_id' : ''})`
}

/** How many traits a profile holds: a write that would pass it leaves them as they were. */
export const MAX_TRAITS = 50
/** Days of per-day spend a profile keeps (high_value reads the last 90). */
const SPEND_DAYS = 91
const SPEND_TODAY = 'floor(extract(epoch from now()) / 86400)::int'

/** `held` with `told` merged over it (a null value removes that trait), unless that would pass MAX_TRAITS: then `held`. */
export const cappedTraits = (held: string, told: string) =>
  `(case when (select count(*) from jsonb_object_keys(jsonb_strip_nulls(${held} || ${told}))) <= ${MAX_TRAITS} then jsonb_strip_nulls(${held} || ${told}) else ${held} end)`

/** Two per-day spend objects added up, days older than SPEND_DAYS left out (bounded: ≤ 91 keys). */
const mergedSpendDays = (a: string, b: string) =>
  `(select coalesce(jsonb_object_agg(k, v), '{}'::jsonb) from (
     select k, sum(v::float8) as v from (select * from jsonb_each_text(${a}) union all select * from jsonb_each_text(${b})) s(k, v)
     where k::int >= ${SPEND_TODAY} - ${SPEND_DAYS} group by k) days)`

/** Creates the missing monthly partitions for exactly these timestamps' months (none between them). */
export async function ensureEventMonths(raw: RawSql, stamps: Date[]): Promise<void> {
  // As JSON, which postgres.js and PGlite pass through alike (array parameters differ).
  await raw.query('select ensure_event_months(array(select jsonb_array_elements_text($1::jsonb)::timestamptz))', [JSON.stringify(stamps.map((d) => d.toISOString()))])
}

/** Creates any missing monthly partitions covering [from, to]. */
export async function ensureEventPartitions(raw: RawSql, from: Date, to: Date): Promise<void> {
  await raw.query('select ensure_event_partitions($1::timestamptz, $2::timestamptz)', [from.toISOString(), to.toISOString()])
}

export interface EventFilter { userId?: string; eventType?: string; productId?: string; from?: Date; to?: Date; limit: number; offset: number }
/** A position in the newest-first list: the last row served's (ts, received_at) in epoch microseconds, and its id. */
export interface EventPosition { tsUs: number; receivedUs: number; id: string }

/** How far `total` counts: beyond this a list says "more than MAX_COUNTED - 1" rather than scan every row. */
const MAX_COUNTED = 10_001

/**
 * A page of events newest first, ordered by (ts, received_at, id): the id
 * breaks the ties within a batch, so offset and keyset pages are exact. After
 * `after` when given (keyset), else from `offset`. Returns one row beyond the
 * page when there is more, and the total counted up to MAX_COUNTED.
 */
export async function listEvents(db: Db, tenantId: string, f: EventFilter, after?: EventPosition) {
  const where = and(
    eq(events.tenantId, tenantId),
    f.userId ? eq(events.userId, f.userId) : undefined,
    f.eventType ? eq(events.eventType, f.eventType) : undefined,
    f.productId ? eq(events.productId, f.productId) : undefined,
    f.from ? gte(events.ts, f.from) : undefined,
    f.to ? lte(events.ts, f.to) : undefined,
  )
  // Microseconds as integers, so a cursor names a row exactly (received_at has µs; a JS Date only ms).
  const us = (c: SQLWrapper) => sql<string>`(extract(epoch from ${c}) * 1000000)::bigint::text`
  const fromUs = (v: number) => sql`(timestamptz 'epoch' + ${String(Math.trunc(v))}::bigint * interval '1 microsecond')`
  const keyset = after ? sql`(${events.ts}, ${events.receivedAt}, ${events.id}) < (${fromUs(after.tsUs)}, ${fromUs(after.receivedUs)}, ${after.id}::uuid)` : undefined
  const [rows, [{ total }]] = await Promise.all([
    db.select({ row: events, tsUs: us(events.ts), receivedUs: us(events.receivedAt) }).from(events).where(and(where, keyset))
      .orderBy(desc(events.ts), desc(events.receivedAt), desc(events.id)).limit(f.limit + 1).offset(after ? 0 : f.offset),
    db.select({ total: count() }).from(db.select({ one: sql`1` }).from(events).where(where).limit(MAX_COUNTED).as('counted')),
  ])
  const more = rows.length > f.limit
  const shown = rows.slice(0, f.limit)
  const last = shown.at(-1)
  const next: EventPosition | null = more && last ? { tsUs: Number(last.tsUs), receivedUs: Number(last.receivedUs), id: last.row.id } : null
  return { rows: shown.map((r) => r.row), total: Number(total), next }
}

/** An event as exported: the API's fields (timestamp as ISO 8601 text), and its keyset position. */
export interface ExportedEvent {
  event_type: string; user_id: string; product_id: string; timestamp: string; session_id: string | null
  metadata: Record<string, unknown> | null; placement: string | null; strategy: string | null; event_id: string | null
  ts_us: string; received_us: string; id: string
}

/**
 * Up to `limit` of the tenant's events in [from, to], oldest first by (ts, received_at, id), after
 * `after` (the last row of the previous page): one bounded keyset read per export chunk, walking
 * events_tenant_ts_idx, whatever the depth.
 */
export async function exportEventsPage(raw: RawSql, tenantId: string, f: { from?: Date; to?: Date }, after: EventPosition | undefined, limit: number): Promise<ExportedEvent[]> {
  const params: unknown[] = [tenantId, limit]
  const where = ['tenant_id = $1']
  if (f.from) where.push(`ts >= $${params.push(f.from.toISOString())}::timestamptz`)
  if (f.to) where.push(`ts <= $${params.push(f.to.toISOString())}::timestamptz`)
  if (after) {
    const at = (us: number) => `timestamptz 'epoch' + $${params.push(String(Math.trunc(us)))}::bigint * interval '1 microsecond'`
    where.push(`(ts, received_at, id) > (${at(after.tsUs)}, ${at(after.receivedUs)}, $${params.push(after.id)}::uuid)`)
  }
  return raw.query<ExportedEvent>(
    // Milliseconds, as the API stores them; microseconds when a row has them (a bulk import may), so
    // that the exported timestamp is the stored one and a re-import finds it a duplicate.
    `select event_type, user_id, product_id,
       to_char(ts at time zone 'UTC', case when (extract(microseconds from ts))::bigint % 1000 = 0 then 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"' else 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' end) as timestamp,
       session_id, metadata, placement, strategy, event_id,
       (extract(epoch from ts) * 1000000)::bigint::text as ts_us, (extract(epoch from received_at) * 1000000)::bigint::text as received_us, id
     from events where ${where.join(' and ')}
     order by ts, received_at, id limit $2`, params)
}

/** The events table's monthly partitions (their table names), oldest first. */
export async function eventPartitions(raw: RawSql): Promise<string[]> {
  const rows = await raw.query<{ name: string }>(
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass order by c.relname`)
  return rows.map((r) => r.name)
}

/**
 * Deletes up to `limit` of a shopper's raw events in one monthly partition (see eventPartitions), and
 * their idempotency keys, in one short statement: an erasure calls it partition by partition until it
 * deletes fewer than `limit`, so a shopper with a million events never holds one long transaction or
 * its locks. Returns how many went. The rows go by physical address (a TID scan): joining a batch back
 * to the partitioned table on its key let the planner scan partitions whole (≈ 0.5 s a batch at 2M
 * events). An eventId is kept under its endpoint's namespace (as sent, or with the /track prefix);
 * both forms go, since the stored event does not say which endpoint it came through.
 */
export async function eraseShopperEvents(raw: RawSql, partition: string, tenantId: string, userId: string, limit: number): Promise<number> {
  const table = `"${partition.replace(/"/g, '""')}"`
  const rows = await raw.query<{ n: number }>(
    `with gone as (
       delete from ${table} where tenant_id = $1 and user_id = $2
         and ctid = any(array(select ctid from ${table} where tenant_id = $1 and user_id = $2 limit $3))
       returning event_id),
     keys as (
       delete from event_ids k where k.tenant_id = $1
         and k.event_id in (select event_id from gone where event_id is not null union all select '${BROWSER_KEY_PREFIX}' || event_id from gone where event_id is not null)
       returning 1)
     select (select count(*) from gone)::int as n`, [tenantId, userId, limit])
  return rows[0]?.n ?? 0
}

/** The namespace of eventIds sent through /track (the events service puts it there; see there for why). */
export const BROWSER_KEY_PREFIX = 'track/'

/**
 * Deletes what ingestion keeps per shopper beside the events: rows a running import has yet to fold
 * into profiles (else the job's fold would make the profile and purchase set again), recommendation
 * clicks, the purchase set and, last, the profile, in one transaction. Two statements: the second's
 * snapshot sees a profile that a fold holding those rows committed while the first waited for it.
 * Returns whether there was a profile.
 */
export async function eraseShopperState(raw: RawSql, tenantId: string, userId: string): Promise<boolean> {
  return raw.transaction(async (tx) => {
    await tx.query(`delete from import_stored s using import_jobs j
      where j.tenant_id = $1 and s.job_id = j.id and s.tenant_id = $1 and s.user_id = $2`, [tenantId, userId])
    const rows = await tx.query<{ profiles: number }>(
    `with clicks as (delete from recommendation_clicks where tenant_id = $1 and user_id = $2 returning 1),
     bought as (delete from user_purchases where tenant_id = $1 and user_id = $2 returning 1),
     profile as (delete from user_profiles where tenant_id = $1 and user_id = $2 returning 1)
     select (select count(*) from profile)::int as profiles`, [tenantId, userId])
    return (rows[0]?.profiles ?? 0) > 0
  })
}

/** Forgets idempotency keys of events older than `cutoff` (the retention window refuses those events anyway). */
export async function pruneEventIds(raw: RawSql, cutoff: Date): Promise<number> {
  const rows = await raw.query<{ n: number }>('with gone as (delete from event_ids where ts < $1::timestamptz returning 1) select count(*)::int as n from gone', [cutoff.toISOString()])
  return rows[0]?.n ?? 0
}

// ---- Ingest effects. These run inside the group-commit transaction over rows
// of possibly many tenants; every join matches on tenant_id as well.

export interface PurchaseRef { i: number; tenantId: string; userId: string; productId: string; ts: Date; windowHours: number }
export interface ClickRef { i: number; placement: string | null; strategy: string | null; experiment_id: string | null; arm: string | null; catalog_price: number | null }

/**
 * For each purchase, the latest recommendation click on the same product by
 * the same user within the window (purchases without one are left out), with
 * the product's catalog price. The keyed recommendation_clicks row answers
 * almost always; only when its latest click is newer than the purchase (events
 * ingested out of order) is the event history searched.
 */
/** Whether any of these tenants has a recommendation click stored (one index probe each). */
export async function anyRecommendationClicks(raw: RawSql, tenantIds: string[]): Promise<boolean> {
  const rows = await raw.query('select 1 from recommendation_clicks where tenant_id in (select jsonb_array_elements_text($1::jsonb)::uuid) limit 1', [JSON.stringify(tenantIds)])
  return rows.length > 0
}

export async function findAttributions(raw: RawSql, purchases: PurchaseRef[]): Promise<ClickRef[]> {
  if (!purchases.length) return []
  const refs = JSON.stringify(purchases.map((p) => ({ i: p.i, t: p.tenantId, u: p.userId, p: p.productId, ts: p.ts.toISOString(), w: p.windowHours })))
  return raw.query<ClickRef>(
    `with x as (select * from jsonb_to_recordset($1::jsonb) as x(i int, t uuid, u text, p text, ts timestamptz, w int)),
     hit as (
       select x.i, rc.placement, rc.strategy, rc.experiment_id, rc.arm from x
       join recommendation_clicks rc on rc.tenant_id = x.t and rc.user_id = x.u and rc.product_id = x.p
       where rc.clicked_at <= x.ts and rc.clicked_at >= x.ts - make_interval(hours => x.w)
       union all
       select x.i, c.placement, c.strategy, c.metadata->>'experimentId', c.metadata->>'variant' from x
       join recommendation_clicks rc on rc.tenant_id = x.t and rc.user_id = x.u and rc.product_id = x.p and rc.clicked_at > x.ts
       cross join lateral (
         select e.placement, e.strategy, e.metadata from events e
         where e.tenant_id = x.t and e.user_id = x.u and e.event_type = 'recommendation_clicked' and e.product_id = x.p
           and e.ts <= x.ts and e.ts >= x.ts - make_interval(hours => x.w)
         order by e.ts desc limit 1) c)
     select hit.i, hit.placement, hit.strategy, hit.experiment_id, hit.arm, ci.price as catalog_price
     from hit join x on x.i = hit.i
     left join catalog_items ci on ci.tenant_id = x.t and ci.product_id = x.p`,
    [refs],
  )
}

export interface ClickEventRef { i: number; tenantId: string; userId: string; productId: string; ts: Date; windowHours: number }
/** A stored purchase (ts in epoch ms) and the index of the click (among the refs given) it is attributed to. */
export interface LateConversion { i: number; ts_ms: number; metadata: Record<string, unknown> | null; catalog_price: number | null }

/**
 * Purchases stored earlier that this group's clicks attribute after the fact
 * (a click that reached us after the purchase it led to, e.g. from a browser
 * queue): a stored purchase of the same product by the same user within the
 * window after one of these clicks, which no other click in its window had
 * attributed. Each comes once, with the latest of these clicks before it.
 * `purchases` are this group's own purchases, which findAttributions handles.
 */
export async function findLateConversions(raw: RawSql, clicks: ClickEventRef[], purchases: PurchaseRef[]): Promise<LateConversion[]> {
  if (!clicks.length) return []
  const c = JSON.stringify(clicks.map((x) => ({ i: x.i, t: x.tenantId, u: x.userId, p: x.productId, ts: x.ts.toISOString(), w: x.windowHours })))
  const g = JSON.stringify(purchases.map((x) => ({ t: x.tenantId, u: x.userId, p: x.productId, ts: x.ts.toISOString() })))
  return raw.query<LateConversion>(
    `with c as (select * from jsonb_to_recordset($1::jsonb) as x(i int, t uuid, u text, p text, ts timestamptz, w int)),
     g as (select * from jsonb_to_recordset($2::jsonb) as x(t uuid, u text, p text, ts timestamptz)),
     -- Almost every click has no purchase at or after it: a primary-key probe of
     -- the purchase set rules those out before any look at the events.
     bought as materialized (
       select c.* from c join user_purchases b on b.tenant_id = c.t and b.user_id = c.u and b.product_id = c.p
       where b.last_purchased_at >= c.ts),
     cand as (
       select distinct on (pu.tenant_id, pu.user_id, pu.product_id, pu.ts)
         c.i, pu.tenant_id, pu.user_id, pu.product_id, pu.ts, pu.metadata, c.w
       from bought c
       join events pu on pu.tenant_id = c.t and pu.user_id = c.u and pu.event_type = 'purchase' and pu.product_id = c.p
         and pu.ts >= c.ts and pu.ts <= c.ts + make_interval(hours => c.w)
       where not exists (select 1 from g where g.t = pu.tenant_id and g.u = pu.user_id and g.p = pu.product_id and g.ts = pu.ts)
       order by pu.tenant_id, pu.user_id, pu.product_id, pu.ts, c.ts desc)
     select cand.i, (extract(epoch from cand.ts) * 1000)::float8 as ts_ms, cand.metadata, ci.price as catalog_price
     from cand
     left join catalog_items ci on ci.tenant_id = cand.tenant_id and ci.product_id = cand.product_id
     where not exists (
       select 1 from events o
       where o.tenant_id = cand.tenant_id and o.user_id = cand.user_id and o.event_type = 'recommendation_clicked' and o.product_id = cand.product_id
         and o.ts <= cand.ts and o.ts >= cand.ts - make_interval(hours => cand.w)
         and not exists (select 1 from c where c.t = o.tenant_id and c.u = o.user_id and c.p = o.product_id and c.ts = o.ts))`,
    [c, g],
  )
}

/**
 * Retention: folds raw events older than their tenant's window (`days` by default, `overrides` per tenant)
 * into daily summaries and deletes them, in one transaction; then drops monthly partitions that lie wholly
 * before the shortest window and are empty. Returns how many events were folded.
 */
export async function foldOldEvents(raw: RawSql, now: Date, days: number, overrides: { tenantId: string; days: number }[] = []): Promise<number> {
  const shortest = Math.min(days, ...overrides.map((o) => o.days))
  const cutoff = new Date(now.getTime() - shortest * 86400_000)
  const [{ n }] = await raw.transaction((tx) => tx.query<{ n: number }>(
    `with o as (select * from jsonb_to_recordset($4::jsonb) as o(t uuid, d int)),
     old as (
       delete from events e
       where e.ts < $1::timestamptz -- the shortest window: partitions wholly inside every window are not scanned
         and e.ts < $2::timestamptz - make_interval(days => coalesce((select o.d from o where o.t = e.tenant_id), $3::int))
       returning tenant_id, ts, event_type, product_id, user_id),
     folded as (
       insert into event_daily_summaries (tenant_id, day, event_type, product_id, events, users)
       select tenant_id, (ts at time zone 'UTC')::date, event_type, product_id, count(*), count(distinct user_id) from old
       group by 1, 2, 3, 4
       on conflict (tenant_id, day, event_type, product_id) do update set
         events = event_daily_summaries.events + excluded.events, users = event_daily_summaries.users + excluded.users
       returning 1)
     select (select count(*) from old)::int as n`,
    [cutoff.toISOString(), now.toISOString(), days, JSON.stringify(overrides.map((o) => ({ t: o.tenantId, d: o.days })))],
  ))
  const parts = await raw.query<{ name: string; upper: string }>(
    `select c.relname as name, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1] as upper
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'events'::regclass`)
  for (const p of parts) {
    if (p.upper && new Date(p.upper) <= cutoff) {
      const [{ empty }] = await raw.query<{ empty: boolean }>(`select not exists (select 1 from "${p.name.replace(/"/g, '')}") as empty`)
      if (empty) await raw.query(`drop table if exists "${p.name.replace(/"/g, '')}"`)
    }
  }
  return n
}
